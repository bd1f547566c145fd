import ArgumentParser
import Foundation
import SparseText

struct IndexCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "index",
    abstract: "Build a nearest-neighbour index of a corpus's codes, for `search` and `duplicates`.",
    discussion: """
      Examples:
        sparsetext index model/ articles.jsonl -o index/ --id-field id
        sparsetext search index/ "a late goal in the cup final" -k 5

      Each document is embedded by the model bundle's autoencoder (the codes `encode` writes) and L2-normalized, so scores are cosine similarities. The index directory holds index.json (the model's digest and where its bundle lies), ids.json and vectors.npy (float32, documents × units; numpy.load reads it). `search` finds the model again from index.json (relative to the index first, so an index and its model moved together keep working); give `search --model` when the model has moved elsewhere.
      """)

  @Argument(help: "A model bundle with an autoencoder (fit).")
  var model: String

  @OptionGroup var input: InputOptions

  @Option(name: .shortAndLong, help: "The index directory to write.")
  var output: String

  @Option(
    help:
      "JSONL field or CSV/TSV column (name or 0-based index) holding each document's id (default: the 0-based record index)."
  )
  var idField: String?

  @OptionGroup var global: GlobalOptions

  func validate() throws {
    try OutputNames.requireDirectory(output, option: "-o")
  }

  func run() throws {
    // The index's place is checked and locked before the corpus is read, not after.
    let outputs = try OutputPlan(
      directories: [
        .init(
          name: "-o", path: output, formats: [EmbeddingIndex.formatName],
          entries: EmbeddingIndex.directoryEntries)
      ], inputs: [("INPUT", input.input)], models: [("MODEL", model)])
    defer { outputs.release() }
    let modelURL = URL(fileURLWithPath: model)
    let pipeline = try TextFeaturePipeline.bundle(at: model, for: "index")
    guard pipeline.autoencoder != nil else {
      throw CommandError.usage(
        "this model has no autoencoder, so it has no codes to index; fit one without --no-autoencoder"
      )
    }
    let started = Date()
    var builder = try EmbeddingIndex.Builder(pipeline: pipeline)
    var blocks = BlockAccumulator<LabeledDocument>(size: builder.configuration.blockSize) {
      block in
      try builder.add(documents: block.map(\.text), ids: block.map(\.id))
    }
    try input.read.forEachDocument(input.input, idField: idField) { try blocks.append($0) }
    try blocks.finish()
    guard builder.count > 0 else { throw DataError.noDocuments(source: input.input) }
    var index = try builder.finish()
    index.modelBundle = modelURL
    try index.write(to: URL(fileURLWithPath: output))
    let seconds = Date().timeIntervalSince(started)
    if global.json {
      let summary: [String: Any] = [
        "documents": index.count, "dimension": index.dimension, "seconds": seconds,
        "output": output, "model_digest": index.modelDigest ?? NSNull(),
      ]
      let data = try JSONFormat.data(object: summary)
      try Console.current.print(String(decoding: data, as: UTF8.self))
    }
    Terminal.note(
      "indexed \(index.count) documents (\(index.dimension) units)"
        + String(format: " in %.1f s → %@", seconds, output), quiet: global.quiet)
  }
}
