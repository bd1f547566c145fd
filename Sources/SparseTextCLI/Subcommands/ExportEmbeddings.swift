import ArgumentParser
import Foundation
import SparseText

struct ExportEmbeddings: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export-embeddings",
    abstract: "Write each vocabulary term's vector (its encoder column) in word2vec text format.",
    discussion: "Example:\n  sparsetext export-embeddings model/ -o terms.vec")

  @Argument(help: "The model bundle (with an autoencoder).")
  var model: String

  @Option(name: .shortAndLong, help: "The .vec file to write.")
  var output: String

  func run() throws {
    let outputs = try OutputPlan(files: [output], models: [model])
    defer { outputs.release() }
    let pipeline = try TextFeaturePipeline(contentsOf: URL(fileURLWithPath: model))
    guard let vectors = pipeline.termVectors() else {
      throw CommandError.usage("this model has no autoencoder, so its terms have no vectors")
    }
    try Word2VecFormat.write(
      terms: pipeline.vectorizer.vocabulary.terms, vectors: vectors,
      to: URL(fileURLWithPath: output))
  }
}
