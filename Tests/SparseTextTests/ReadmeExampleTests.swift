import Foundation
import SparseText
import Testing

/// The README's "Use as a library" example, through the public API only.
@Suite struct ReadmeExampleTests {
  @Test func libraryExampleRuns() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-readme-\(UUID().uuidString)")
    let documents = ["the striker scored a late goal", "shares fell as the bank cut rates"]
    let pipeline = try TextFeaturePipeline(
      fitting: documents, labels: ["sport", "business"],
      configuration: .init(
        vectorizer: .init(), autoencoder: .init(hiddenUnits: 2, epochs: 50, batchSize: 2)))
    try pipeline.write(to: directory.appendingPathComponent("model"))
    let loaded = try TextFeaturePipeline(contentsOf: directory.appendingPathComponent("model"))
    let vectors: DenseMatrix = loaded.embeddings(for: ["a goal in the cup final"])
    let label = try loaded.predict(["rates and shares"])
    #expect(vectors.rows == 1 && vectors.columns == 2)
    #expect(label.count == 1 && ["sport", "business"].contains(label[0]))
    #expect(loaded.embeddings(for: documents) == pipeline.embeddings(for: documents))
  }
}
