import ArgumentParser
import Foundation
import SparseText

struct ExportEmbeddings: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export-embeddings",
    abstract: "Write each vocabulary term's vector (its encoder column).",
    discussion: """
      Examples:
        sparsetext export-embeddings model/ -o terms.vec
        sparsetext export-embeddings model/ -o terms.npy
      The format is the extension's: .vec or .txt is word2vec text (a header "TERMS DIMENSIONS", then a term and its values per line; gensim's load_word2vec_format reads it), .npy a float32 array of terms × dimensions whose row i is term i of the bundle's vocabulary.json (numpy.load reads it).
      """)

  @Argument(help: "The model bundle (with an autoencoder).")
  var model: String

  @Option(name: .shortAndLong, help: "terms.vec, terms.txt (word2vec text) or terms.npy.")
  var output: String

  @OptionGroup var global: GlobalOptions

  func validate() throws {
    try OutputNames.require(output, allowed: ".vec or .txt (word2vec text) or .npy") {
      TermVectorFile.format(extension: $0) != nil
    }
  }

  func run() throws {
    let outputs = try OutputPlan(files: [("-o", output)], models: [("MODEL", model)])
    defer { outputs.release() }
    let pipeline = try TextFeaturePipeline.bundle(at: model, for: "export-embeddings")
    guard let vectors = pipeline.termVectors() else {
      throw CommandError.usage("this model has no autoencoder, so its terms have no vectors")
    }
    try TermVectorFile.write(
      terms: pipeline.vectorizer.vocabulary.terms, vectors: vectors,
      to: URL(fileURLWithPath: output))
    Terminal.note(
      "\(vectors.rows) terms × \(vectors.columns) dimensions → \(output)", quiet: global.quiet)
  }
}
