import Foundation
import Testing

@testable import SparseText

private struct NBSVMFixtures: Decodable {
  struct Case: Decodable {
    let name: String
    let labels: [String]
    let c: Double
    let classes: [String]
    let ratios: [[Double]]
    let dense: [[Double]]?
    let decision: [[Double]]
    let probabilities: [[Double]]
    let predictions: [String]

    enum CodingKeys: String, CodingKey {
      case name, labels, classes, ratios, dense, decision, probabilities, predictions
      case c = "C"
    }
  }
  let x: [[Int]]
  let twoClassRows: [Int]
  let cases: [Case]
}

@Suite("NaiveBayesLogisticRegression")
struct NaiveBayesLogisticRegressionTests {
  private static let fixtures = {
    // swift-format-ignore: NeverUseForceTry
    try! GoldenFixtures.load(NBSVMFixtures.self, "nbsvm/fixtures.json")
  }()

  /// The fixture's rows for a case (the two-class cases use a subset), as counts × 2 so that
  /// binarizing is part of what is checked.
  private static func matrix(for fixtureCase: NBSVMFixtures.Case) throws -> SparseMatrix {
    let rows =
      fixtureCase.classes.count == 2 ? fixtures.twoClassRows : Array(fixtures.x.indices)
    let dense = rows.map { fixtures.x[$0].map { Float($0 * 2) } }
    return try DenseMatrix(rows: dense, columns: fixtures.x[0].count).sparsified()
  }

  private static func dense(for fixtureCase: NBSVMFixtures.Case) throws -> DenseMatrix? {
    try fixtureCase.dense.map { rows in
      try DenseMatrix(rows: rows.map { $0.map { Float($0) } }, columns: rows[0].count)
    }
  }

  @Test("log-count ratios equal the committed golden values", arguments: fixtures.cases)
  fileprivate func ratios(_ fixtureCase: NBSVMFixtures.Case) throws {
    let x = try Self.matrix(for: fixtureCase)
    let weighting = try NaiveBayesWeighting(fitting: x, labels: fixtureCase.labels)
    #expect(weighting.classes == fixtureCase.classes)
    #expect(weighting.models == fixtureCase.ratios.count)
    for (m, expected) in fixtureCase.ratios.enumerated() {
      for (t, value) in expected.enumerated() {
        #expect(abs(Double(weighting.ratios.values[m * weighting.terms + t]) - value) < 1e-5)
      }
    }
  }

  @Test("decisions, probabilities and predictions match scikit-learn", arguments: fixtures.cases)
  fileprivate func predictions(_ fixtureCase: NBSVMFixtures.Case) throws {
    let x = try Self.matrix(for: fixtureCase)
    let dense = try Self.dense(for: fixtureCase)
    let model = try NaiveBayesLogisticRegression(
      fitting: x, dense: dense, labels: fixtureCase.labels,
      configuration: .init(
        inverseRegularization: fixtureCase.c, tolerance: 1e-8, maxIterations: 5000))
    #expect(model.convergence.converged)
    let decision = try model.decisionFunction(x, dense: dense)
    let probabilities = try model.probabilities(for: x, dense: dense)
    for r in 0..<x.rows {
      for (j, value) in fixtureCase.decision[r].enumerated() {
        #expect(abs(Double(decision.values[r * decision.columns + j]) - value) < 2e-3)
      }
      for (j, value) in fixtureCase.probabilities[r].enumerated() {
        #expect(abs(Double(probabilities.values[r * probabilities.columns + j]) - value) < 2e-4)
      }
    }
    #expect(try model.predict(x, dense: dense) == fixtureCase.predictions)
  }

  @Test("a restored model scores as the fitted one, and bad shapes are refused")
  func restore() throws {
    let fixtureCase = Self.fixtures.cases.first { $0.classes.count == 3 && $0.dense != nil }!
    let x = try Self.matrix(for: fixtureCase)
    let dense = try Self.dense(for: fixtureCase)
    let model = try NaiveBayesLogisticRegression(
      fitting: x, dense: dense, labels: fixtureCase.labels)
    let restored = try NaiveBayesLogisticRegression(
      weighting: NaiveBayesWeighting(ratios: model.weighting.ratios, classes: model.classes),
      weights: model.weights, intercepts: model.intercepts)
    #expect(
      try restored.probabilities(for: x, dense: dense) == model.probabilities(for: x, dense: dense))
    #expect(throws: DataError.self) { try model.predict(x) }
    #expect(throws: ModelFormatError.self) {
      try NaiveBayesWeighting(
        ratios: DenseMatrix(zeros: 2, columns: x.columns), classes: model.classes)
    }
    #expect(throws: ModelFormatError.self) {
      try NaiveBayesLogisticRegression(
        weighting: model.weighting, weights: model.weights, intercepts: [0])
    }
  }

  @Test("smoothing must be positive; labels one per row")
  func validation() throws {
    let x = try SparseMatrix(rows: [[(0, 1)], [(1, 1)]], columns: 2)
    #expect(throws: ConfigurationError.self) {
      try NaiveBayesWeighting(fitting: x, labels: ["a", "b"], smoothing: 0)
    }
    #expect(throws: DataError.self) { try NaiveBayesWeighting(fitting: x, labels: ["a"]) }
    #expect(throws: DataError.self) { try NaiveBayesWeighting(fitting: x, labels: ["a", "a"]) }
  }
}
