import Foundation
import Testing

@testable import SparseText

/// The task-weighted reconstruction (issue 23 item 1): each term's squared error weighted by
/// `ω_j` from a logistic regression's class weights, trained on inputs scaled by `√ω_j` and
/// rewritten to read the unscaled inputs.
@Suite struct SparseAutoencoderTaskWeightTests {
  /// Labels of 12 rows in 3 classes, some unlabelled.
  static let labels = [0, 1, 2, -1, 1, 0, -1, 2, 2, 0, 1, -1]

  /// A model trained on inputs with scaled columns, rewritten to read the unscaled ones, has
  /// the scaled inputs' codes and their reconstruction, unscaled.
  @Test func rewrittenModelReadsAndReconstructsTheUnscaledInputs() throws {
    let x = randomSparse(rows: 12, columns: 15, density: 0.3, seed: 8)
    var generator = SeededGenerator(seed: 3)
    let factors = (0..<15).map { _ in 0.5 + 1.5 * generator.nextFloat() }
    let configuration = SparseAutoencoder.Configuration(
      hiddenUnits: 4, inputScale: 2, epochs: 3, batchSize: 4, validationFraction: 0)
    let trained = try SparseAutoencoder(
      training: x.scalingColumns(by: factors), configuration: configuration)
    let rewritten = trained.readingUnscaledColumns(factors)
    let scaledCodes = try trained.encode(x.scalingColumns(by: factors))
    let codes = try rewritten.encode(x)
    for (a, b) in zip(codes.values, scaledCodes.values) {
      #expect(abs(a - b) <= 1e-5 * max(1, abs(b)))
    }
    let scaledReconstruction = try trained.decode(scaledCodes)
    let reconstruction = try rewritten.decode(codes)
    for (k, value) in reconstruction.values.enumerated() {
      let expected = scaledReconstruction.values[k] / factors[k % 15]
      #expect(abs(value - expected) <= 1e-5 * max(1, abs(expected)))
    }
  }

  /// `ω_j = (1 − t) + t·s_j/mean(s)` from the class weights, centred over the classes when
  /// there are more than two; the factors are `√ω_j`, whose squares average 1.
  @Test func factorsFollowTheSquaredClassWeights() {
    // Two classes (one row of weights): s = [4, 0, 1], mean 5/3.
    let binary = SparseAutoencoder.taskFactors(
      // swift-format-ignore: NeverUseForceTry
      classWeights: try! DenseMatrix(rows: 1, columns: 3, values: [2, 0, -1]), taskWeight: 0.5)
    let expected: [Double] = [0.5 + 0.5 * 4 / (5.0 / 3), 0.5, 0.5 + 0.5 * 1 / (5.0 / 3)]
    for (factor, omega) in zip(binary, expected) {
      #expect(abs(Double(factor) - omega.squareRoot()) < 1e-6)
    }
    // Three classes: a term with the same weight in every class tells them nothing apart.
    let multiclass = SparseAutoencoder.taskFactors(
      // swift-format-ignore: NeverUseForceTry
      classWeights: try! DenseMatrix(rows: 3, columns: 2, values: [1, 0, 1, 0, 1, 2]),
      taskWeight: 0.25)
    #expect(abs(Double(multiclass[0]) - 0.75.squareRoot()) < 1e-6)
    #expect(abs(Double(multiclass[1]) - 1.25.squareRoot()) < 1e-6)
    #expect(abs(multiclass.map { Double($0 * $0) }.reduce(0, +) / 2 - 1) < 1e-6)
  }

  /// A task weight of 0, or one without labels, tied weights or sigmoid outputs, trains the
  /// plain model bit for bit; the weight is validated and recorded, and a configuration
  /// written before it existed reads back with 0.
  @Test func withoutLabelsOrAtZeroItPlaysNoPart() throws {
    let x = randomSparse(rows: 12, columns: 20, density: 0.2, seed: 2)
    var configuration = SparseAutoencoder.Configuration(
      hiddenUnits: 5, inputScale: 4, epochs: 3, batchSize: 4, validationFraction: 0.25,
      labelWeight: 0, taskWeight: 0)
    let zero = try SparseAutoencoder(
      training: x, labels: Self.labels, classes: 3, configuration: configuration)
    let unlabelledZero = try SparseAutoencoder(training: x, configuration: configuration)
    #expect(zero.theta == unlabelledZero.theta)
    configuration.taskWeight = 0.5
    let unlabelled = try SparseAutoencoder(training: x, configuration: configuration)
    #expect(unlabelled.theta == unlabelledZero.theta)
    let labelled = try SparseAutoencoder(
      training: x, labels: Self.labels, classes: 3, configuration: configuration)
    #expect(labelled.theta != zero.theta)
    var sigmoid = configuration
    sigmoid.output = .sigmoid
    sigmoid.loss = .bce
    var sigmoidZero = sigmoid
    sigmoidZero.taskWeight = 0
    #expect(
      try SparseAutoencoder(training: x, labels: Self.labels, classes: 3, configuration: sigmoid)
        .theta
        == SparseAutoencoder(
          training: x, labels: Self.labels, classes: 3, configuration: sigmoidZero
        ).theta)
    var tied = configuration
    tied.tiedWeights = true
    var tiedZero = tied
    tiedZero.taskWeight = 0
    #expect(
      try SparseAutoencoder(training: x, labels: Self.labels, classes: 3, configuration: tied)
        .theta
        == SparseAutoencoder(training: x, labels: Self.labels, classes: 3, configuration: tiedZero)
        .theta)
    for bad in [-0.1, 1, .nan] {
      var invalid = configuration
      invalid.taskWeight = bad
      #expect(throws: ConfigurationError.self) { try invalid.validate() }
    }
    let encoded = try JSONEncoder().encode(configuration)
    let decoded = try JSONDecoder().decode(SparseAutoencoder.Configuration.self, from: encoded)
    #expect(decoded.taskWeight == 0.5)
    var object = try #require(
      try JSONSerialization.jsonObject(with: encoded) as? [String: Any])
    #expect(object["task_weight"] as? Double == 0.5)
    object["task_weight"] = nil
    let older = try JSONDecoder().decode(
      SparseAutoencoder.Configuration.self,
      from: JSONSerialization.data(withJSONObject: object))
    #expect(older.taskWeight == 0)
    #expect(SparseAutoencoder.Configuration().taskWeight == 0.5)
  }
}

@Suite struct TaskRegressionSampleTests {
  /// Up to the limit every labelled row is read; past it a seeded sample of exactly the limit,
  /// in row order, the same for the same seed and another for another seed.
  @Test func theRegressionReadsAtMostTheLimitOfRows() {
    let rows = Array(stride(from: 0, to: 3000, by: 3))
    #expect(SparseAutoencoder.sample(rows, limit: 1000, seed: 1) == rows)
    let sample = SparseAutoencoder.sample(rows, limit: 400, seed: 1)
    #expect(sample.count == 400)
    #expect(sample == sample.sorted() && Set(sample).count == 400)
    #expect(Set(sample).isSubset(of: Set(rows)))
    #expect(sample.first! < 300 && sample.last! > 2700)
    #expect(SparseAutoencoder.sample(rows, limit: 400, seed: 1) == sample)
    #expect(SparseAutoencoder.sample(rows, limit: 400, seed: 2) != sample)
  }
}
