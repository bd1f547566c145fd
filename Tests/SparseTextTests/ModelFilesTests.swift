import Foundation
import Testing

@testable import SparseText

/// What the library now does that the command line did: telling model directories apart,
/// `training.json` and firing rates, term vectors, one-pass classification.
@Suite struct ModelFilesTests {
  static let documents = [
    "the fox runs fast", "a fox and the dog", "rates rise at the bank", "the bank lends at rates",
    "the dog runs", "bank rates rise",
  ]
  static let labels = ["a", "a", "b", "b", "a", "b"]

  static func temporaryDirectory() -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-model-files-\(UUID().uuidString)")
  }

  static func pipeline() throws -> TextFeaturePipeline {
    try TextFeaturePipeline(
      fitting: documents, labels: labels,
      configuration: .init(
        vectorizer: .init(), autoencoder: .init(hiddenUnits: 3, epochs: 3, batchSize: 2)))
  }

  @Test func termVectorsAreTheEncoderColumns() throws {
    let pipeline = try Self.pipeline()
    let vectors = try #require(pipeline.termVectors())
    let weight = try #require(pipeline.autoencoder?.parameters["encoder.weight"])
    let terms = pipeline.vectorizer.vocabulary.count
    #expect(vectors.rows == terms && vectors.columns == 3)
    for c in 0..<terms {
      for j in 0..<3 { #expect(vectors[c, j] == weight.values[j * terms + c]) }
    }
    let plain = try TextFeaturePipeline(
      fitting: Self.documents, configuration: .init(autoencoder: nil, classifier: nil))
    #expect(plain.termVectors() == nil)
  }

  @Test func classifyGivesWhatPredictAndProbabilitiesGive() throws {
    let pipeline = try Self.pipeline()
    let classified = try pipeline.classify(Self.documents)
    #expect(classified.labels == (try pipeline.predict(Self.documents)))
    #expect(classified.probabilities == (try pipeline.probabilities(for: Self.documents)))
  }

  @Test func modelDirectoriesAreToldApart() throws {
    let pipeline = try Self.pipeline()
    let bundle = Self.temporaryDirectory()
    let sae = Self.temporaryDirectory()
    defer {
      try? FileManager.default.removeItem(at: bundle)
      try? FileManager.default.removeItem(at: sae)
    }
    try pipeline.write(to: bundle)
    try pipeline.autoencoder!.write(to: sae)
    #expect(try ModelDirectory.kind(of: bundle) == .bundle)
    #expect(try ModelDirectory.kind(of: sae) == .autoencoder)
    #expect(try ModelDirectory.autoencoder(at: sae).parameters == pipeline.autoencoder!.parameters)
    #expect(throws: ModelFormatError.self) {
      try ModelDirectory.kind(of: Self.temporaryDirectory())
    }
  }

  @Test func aTrainingReportRoundTripsAndCountsFiring() throws {
    let x = try TfidfVectorizer.fitTransform(Self.documents).features
    let model = try SparseAutoencoder(
      training: x, configuration: .init(hiddenUnits: 3, epochs: 2, batchSize: 2))
    let report = try SparseAutoencoder.TrainingReport(model: model, data: x, seconds: 1.5)
    #expect(report.epochs.count == 2)
    #expect(report.documents == 6 && report.terms == x.columns)
    let codes = try model.encode(x)
    for j in 0..<3 {
      let firing = (0..<codes.rows).filter { codes[$0, j] > model.activityThreshold }.count
      #expect(report.firingRates[j] == Double(firing) / 6)
    }
    let url = Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: url) }
    try report.fileData().write(to: url)
    #expect(try SparseAutoencoder.TrainingReport(contentsOf: url) == report)
    let text = String(decoding: try report.fileData(), as: UTF8.self)
    #expect(text.contains("\"firing_rates\""))
    #expect(
      SparseAutoencoder.firingRates(
        of: try DenseMatrix(rows: 2, columns: 2, values: [0.5, 0, 0.5, 0.2]), threshold: 0.1)
        == [1, 0.5])
  }

  /// A run whose loss stops being a number is a training error of its own, naming the
  /// configuration fields to change.
  @Test func aDivergingRunIsATrainingError() throws {
    let x = try TfidfVectorizer.fitTransform(Self.documents).features
    #expect(throws: TrainingError.diverged(epoch: 1)) {
      try SparseAutoencoder(
        training: x,
        configuration: .init(
          hiddenUnits: 4, inputScale: 1e20, learningRate: 1000, epochs: 2, batchSize: 2))
    }
    #expect(TrainingError.diverged(epoch: 1).description.contains("`learningRate`"))
  }
}
