import Foundation
import SparseText
import Testing

/// Everything here goes through SparseText's public API, as an app or a server would.
@Suite struct PublicAPITests {
  let documents = [
    "the striker scored a late goal in the cup final",
    "the coach praised the team after the league match",
    "shares fell as the bank cut interest rates",
    "investors sold shares when the market fell",
    "the new phone has a faster chip and a better camera",
    "the software update brings a camera app to the phone",
  ]
  let labels = ["sport", "sport", "business", "business", "tech", "tech"]

  @Test func everyStageStandsAlone() throws {
    let tokenizer = try Tokenizer(.init(ngrams: 1...2))
    #expect(try tokenizer.terms(in: "Ｃafé ＧＯＡＬ").contains("café goal"))
    let (vectorizer, x) = try TfidfVectorizer.fitTransform(
      documents,
      configuration: .init(
        counting: .init(tokenizer: .sklearn), weighting: .init(sublinearTF: true)))
    #expect(x.rows == documents.count && x.columns == vectorizer.vocabulary.count)
    let sae = try SparseAutoencoder(
      training: x, configuration: .init(hiddenUnits: 3, epochs: 30, batchSize: 2))
    let codes = try sae.encode(x)
    #expect(codes.rows == documents.count && codes.columns == 3)
    let model = try LogisticRegression(fitting: x, labels: labels)
    let report = try ClassificationReport(truth: labels, predicted: model.predict(x))
    #expect(report.accuracy == 1)
    // The classifier takes sparse (TF-IDF) or dense (codes) features.
    let onCodes = try LogisticRegression(fitting: codes, labels: labels)
    #expect(try onCodes.predict(codes).count == labels.count)
    #expect(try onCodes.probabilities(for: codes).columns == 3)
  }

  @Test func pipelineRoundTripsThroughABundle() throws {
    let pipeline = try TextFeaturePipeline(
      fitting: documents, labels: labels,
      configuration: .init(
        autoencoder: .init(hiddenUnits: 3, epochs: 20, batchSize: 2), classifierInput: .both))
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-package-usage-\(UUID().uuidString)")
    try pipeline.write(to: url)
    let loaded = try TextFeaturePipeline(contentsOf: url)
    #expect(try loaded.embeddings(for: documents) == pipeline.embeddings(for: documents))
    #expect(try loaded.predict(documents) == pipeline.predict(documents))
    #expect(loaded.classes == ["business", "sport", "tech"])
    #expect(try loaded.topTerms(latent: 0, count: 3).count == 3)
    // A unit the model does not have is an error naming the field, not a neighbour's weights.
    #expect(
      throws: ConfigurationError.outOfRange(field: .latent, value: "3", allowed: "0 to 2")
    ) { try loaded.topTerms(latent: 3) }
  }

  /// The one version, as apps read it (bundles record it, `sparsetext --version` prints it).
  @Test func theLibraryNamesItsVersion() {
    let parts = SparseTextVersion.library.split(separator: ".")
    #expect(parts.count == 3 && parts.allSatisfy { Int($0) != nil })
  }

  @Test func fitEncodeAndClassifyFromAsyncCode() async throws {
    let fit = TextFeaturePipeline.fit(
      documents, labels: labels,
      configuration: .init(
        vectorizer: .init(), autoencoder: .init(hiddenUnits: 3, epochs: 5, batchSize: 2)))
    var stages: [TextFeaturePipeline.Stage] = []
    for await event in fit.events {
      if case .stage(let stage) = event { stages.append(stage) }
    }
    let pipeline = try await fit.value
    #expect(stages.first == .vectorizer && stages.contains(.autoencoder))
    #expect(
      try await pipeline.encode(documents, blockSize: 4) == pipeline.embeddings(for: documents))
    let classified = try await pipeline.classify(documents)
    #expect(classified.labels == (try pipeline.predict(documents)))
  }
}
