import Foundation
import Testing

@testable import SparseText

struct LogisticFixtures: Decodable {
  struct Case: Decodable {
    let name: String
    let labels: [String]
    let c: Double
    let classWeight: String
    let sampleWeight: [Double]?
    let classes: [String]
    let coef: [[Double]]
    let intercept: [Double]
    let objective: Double
    let probabilities: [[Double]]
    let predictions: [String]

    enum CodingKeys: String, CodingKey {
      case name, labels, classWeight, sampleWeight, classes, coef, intercept, objective,
        probabilities, predictions
      case c = "C"
    }
  }

  let x: [[Float]]
  let cases: [Case]
}

/// scikit-learn's objective: summed weighted log-loss + ½‖W‖²/C.
private func objective(
  _ model: LogisticRegression, x: some FeatureMatrix, labels: [String], sampleWeights: [Double]?,
  balanced: Bool
) throws -> Double {
  let p = try model.classProbabilities(x)
  let column = Dictionary(uniqueKeysWithValues: model.classes.enumerated().map { ($1, $0) })
  var weights = sampleWeights ?? Array(repeating: 1, count: labels.count)
  if balanced {
    var counts: [String: Double] = [:]
    for (i, label) in labels.enumerated() { counts[label, default: 0] += weights[i] }
    let total = weights.reduce(0, +)
    for (i, label) in labels.enumerated() {
      weights[i] *= total / (Double(counts.count) * counts[label]!)
    }
  }
  var total = 0.0
  for (i, label) in labels.enumerated() {
    total -= weights[i] * log(Double(p[i, column[label]!]))
  }
  let squared = model.weights.values.reduce(0) { $0 + Double($1) * Double($1) }
  return total + 0.5 * squared / model.configuration.inverseRegularization
}

@Suite struct LogisticRegressionGoldenTests {
  static let fixtures: LogisticFixtures = {
    // The fixture file is committed; failing to read it is a broken checkout.
    // swift-format-ignore: NeverUseForceTry
    try! GoldenFixtures.load(LogisticFixtures.self, "logistic/fixtures.json")
  }()

  static var caseNames: [String] { fixtures.cases.map(\.name) }

  @Test(arguments: caseNames)
  func matchesScikitLearn(_ name: String) throws {
    let fixture = try #require(Self.fixtures.cases.first { $0.name == name })
    let dense = try DenseMatrix(rows: Self.fixtures.x, columns: Self.fixtures.x[0].count)
    let configuration = LogisticRegression.Configuration(
      inverseRegularization: fixture.c, tolerance: 1e-8, maxIterations: 2000,
      classWeight: fixture.classWeight == "balanced" ? .balanced : .none)
    let inputs: [any FeatureMatrix] = [dense, dense.sparsified()]
    for x in inputs {
      let model = try LogisticRegression(
        fitting: x, labels: fixture.labels, sampleWeights: fixture.sampleWeight?.map(Float.init),
        configuration: configuration, isCancelled: nil)
      #expect(model.classes == fixture.classes)
      let ours = try objective(
        model, x: x, labels: fixture.labels, sampleWeights: fixture.sampleWeight,
        balanced: fixture.classWeight == "balanced")
      #expect(abs(ours - fixture.objective) / abs(fixture.objective) < 1e-5, "objective \(ours)")
      let p = try model.classProbabilities(x)
      var worst = 0.0
      for (r, row) in fixture.probabilities.enumerated() {
        for (j, value) in row.enumerated() { worst = max(worst, abs(Double(p[r, j]) - value)) }
      }
      #expect(worst < 1e-3, "largest probability difference \(worst)")
      // The optimum is unique (the objective is strictly convex), so the coefficients and
      // intercepts themselves must agree, not only the probabilities they give.
      let scale = max(1, fixture.coef.joined().map(abs).max() ?? 0)
      #expect(model.weights.rows == fixture.coef.count)
      #expect(model.intercepts.count == fixture.intercept.count)
      var worstCoefficient = 0.0
      for (r, row) in fixture.coef.enumerated() {
        for (j, value) in row.enumerated() {
          worstCoefficient = max(worstCoefficient, abs(Double(model.weights[r, j]) - value))
        }
        worstCoefficient = max(
          worstCoefficient, abs(Double(model.intercepts[r]) - fixture.intercept[r]))
      }
      #expect(worstCoefficient < 2e-3 * scale, "largest coefficient difference \(worstCoefficient)")
      #expect(try model.predictedLabels(x) == fixture.predictions)
      #expect(model.convergence.converged)
    }
  }
}

@Suite struct LogisticRegressionTests {
  @Test func gradientMatchesFiniteDifferences() {
    var generator = SeededGenerator(seed: 3)
    let rows = (0..<12).map { _ in (0..<4).map { _ in generator.nextFloat() - 0.5 } }
    // swift-format-ignore: NeverUseForceTry
    let x = try! DenseMatrix(rows: rows, columns: 4)
    for classes in [2, 3] {
      let targets = (0..<12).map { $0 % classes }
      let problem = LogisticProblem(
        x: x, targets: targets, sampleWeights: (0..<12).map { 0.5 + Double($0) / 12 },
        outputs: classes == 2 ? 1 : classes, classes: classes, c: 0.7, fitIntercept: true)
      let parameters = (0..<problem.parameterCount).map { _ in generator.nextDouble() - 0.5 }
      var gradient: [Double] = []
      _ = problem.evaluate(parameters, gradient: &gradient)
      for i in 0..<parameters.count {
        var plus = parameters
        var minus = parameters
        plus[i] += 1e-6
        minus[i] -= 1e-6
        var scratch: [Double] = []
        let numeric =
          (problem.evaluate(plus, gradient: &scratch) - problem.evaluate(minus, gradient: &scratch))
          / 2e-6
        #expect(abs(numeric - gradient[i]) < 1e-7, "parameter \(i), \(classes) classes")
      }
    }
  }

  /// A multinomial model's ``LogisticRegression/weights`` are class-major (`weights[j, c]` is
  /// feature `c`'s weight for class `j`) whatever layout the solver works in: its scores are
  /// `X·Wᵀ + b` computed by hand, the weights meet the optimality conditions of the objective
  /// written class-major, and a warm start from the model converges at once.
  @Test func multinomialWeightsAreClassMajor() throws {
    let (rows, columns, k) = (60, 8, 3)
    let x = randomSparse(rows: rows, columns: columns, density: 0.4, seed: 11)
    let entries = x.densified()
    // Each row's class is its largest of the first three features (any class when they are
    // all zero), so every class has its own weights.
    let targets = (0..<rows).map { r in
      let first = (0..<k).map { entries[r, $0] }
      let top = first.max()!
      return top > 0 ? first.firstIndex(of: top)! : r % k
    }
    let labels = targets.map { ["a", "b", "c"][$0] }
    let configuration = LogisticRegression.Configuration(
      inverseRegularization: 10, tolerance: 1e-8, maxIterations: 1000)
    let model = try LogisticRegression(fitting: x, labels: labels, configuration: configuration)
    #expect(model.convergence.converged)
    #expect(model.weights.rows == k && model.weights.columns == columns)
    let scores = try model.decisionFunction(x)
    var gradient = [Double](repeating: 0, count: k * columns)
    for r in 0..<rows {
      let expected = (0..<k).map { j in
        (0..<columns).reduce(Double(model.intercepts[j])) {
          $0 + Double(entries[r, $1]) * Double(model.weights[j, $1])
        }
      }
      for j in 0..<k { #expect(abs(Double(scores[r, j]) - expected[j]) < 1e-4) }
      let top = expected.max()!
      let total = expected.reduce(0) { $0 + exp($1 - top) }
      for j in 0..<k {
        let residual = exp(expected[j] - top) / total - (targets[r] == j ? 1 : 0)
        for c in 0..<columns { gradient[j * columns + c] += residual * Double(entries[r, c]) }
      }
    }
    // ∂/∂W[j, c] of Σ loss + ½‖W‖²/C, per sample, vanishes at the optimum.
    for j in 0..<k {
      for c in 0..<columns {
        let g = gradient[j * columns + c] + Double(model.weights[j, c]) / 10
        #expect(abs(g) / Double(rows) < 1e-4, "class \(j), feature \(c)")
      }
    }
    var loose = configuration
    loose.tolerance = 1e-5
    let cold = try LogisticRegression(
      fitting: x, labels: labels, configuration: loose, isCancelled: nil)
    let warm = try LogisticRegression(
      fitting: x, labels: labels, configuration: loose, isCancelled: nil, start: model)
    #expect(warm.convergence.converged && warm.convergence.iterations <= 1)
    #expect(cold.convergence.iterations > 5)
    for (a, b) in zip(warm.weights.values, model.weights.values) { #expect(abs(a - b) < 1e-3) }
  }

  @Test func lbfgsMinimizesRosenbrock() {
    var configuration = LBFGS.Configuration()
    configuration.gradientTolerance = 1e-8
    configuration.maxIterations = 500
    let result = LBFGS(configuration).minimize(from: [-1.2, 1]) { p, g in
      let (x, y) = (p[0], p[1])
      g = [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)]
      return (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x)
    }
    #expect(result.converged)
    #expect(abs(result.x[0] - 1) < 1e-5 && abs(result.x[1] - 1) < 1e-5)
  }

  @Test func rejectsASingleClass() {
    let x = DenseMatrix(zeros: 3, columns: 2)
    #expect(throws: DataError.self) {
      try LogisticRegression(fitting: x, labels: ["a", "a", "a"])
    }
  }
}

@Suite struct ClassificationReportTests {
  @Test func matchesHandComputedScores() throws {
    let truth = ["a", "a", "a", "b", "b", "c"]
    let predicted = ["a", "a", "b", "b", "c", "c"]
    let report = try ClassificationReport(truth: truth, predicted: predicted)
    #expect(report.accuracy == 4.0 / 6.0)
    #expect(report.confusion == [[2, 1, 0], [0, 1, 1], [0, 0, 1]])
    // a: p 1, r 2/3, f1 0.8; b: p 0.5, r 0.5, f1 0.5; c: p 0.5, r 1, f1 2/3.
    #expect(abs(report.macroF1 - (0.8 + 0.5 + 2.0 / 3.0) / 3) < 1e-12)
    #expect(report.perClass[2].recall == 1)
  }

  @Test func stratifiedSplitsKeepProportionsAndAreSeeded() throws {
    let labels = (0..<100).map { $0 < 70 ? "x" : "y" }
    let first = try StratifiedSplit.trainTest(labels: labels, testFraction: 0.2, seed: 13)
    let again = try StratifiedSplit.trainTest(labels: labels, testFraction: 0.2, seed: 13)
    #expect(first.train == again.train && first.test == again.test)
    #expect(first.test.filter { labels[$0] == "x" }.count == 14)
    #expect(first.test.filter { labels[$0] == "y" }.count == 6)
    let folds = try StratifiedSplit.folds(labels: labels, k: 5, seed: 1)
    #expect(folds.count == 5)
    #expect(folds.flatMap(\.test).sorted() == Array(0..<100))
    let subset = try StratifiedSplit.fraction(0.1, of: first.train, labels: labels, seed: 2)
    #expect(subset.count == 8)
    #expect(Set(subset).isSubset(of: Set(first.train)))
  }
}
