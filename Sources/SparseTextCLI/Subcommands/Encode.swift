import ArgumentParser
import Foundation
import SparseText

struct Encode: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract:
      "Compute the autoencoder's codes: from text with a model bundle, or from a TF-IDF .npz with an autoencoder directory.",
    discussion: """
      Examples:
        sparsetext encode model/ reviews.txt -o codes.npy
        sparsetext encode model/ reviews.jsonl --id-field id -o codes.jsonl
        sparsetext encode model/ reviews.txt --raw -o raw.npy
        sparsetext encode sae/ x.npz -o codes.npy
        cat part.jsonl | sparsetext encode model/ - --format jsonl --id-field id -o -
      What it writes: with a model bundle, the codes its classifier reads, which are \
      standardized per unit by default ((h − codes.mean) / codes.scale, fitted on the training \
      codes: dense values, about half of them negative); with --raw, the encoder's own \
      activations h (the TopK recipe: ReLU codes with at most top_k nonzero values per row; the \
      KL recipe: sigmoid values between 0 and 1). With an autoencoder directory (train-sae), \
      always the activations.
      Outputs: .npy (float32, documents × hidden), .safetensors (tensor "codes"), .jsonl (one \
      {"id", "code"} per line) or .csv; -o - streams JSONL rows to standard output, one block \
      at a time, as a stage of a Spark or Dask job (the last example; see RDD.pipe).
      """)

  @Argument(help: "An autoencoder directory (train-sae) or a model bundle (fit).")
  var model: String

  @Argument(help: "A .npz TF-IDF matrix (autoencoder directory) or a corpus (model bundle).")
  var input: String

  @Option(
    name: .shortAndLong,
    help:
      "codes.npy, codes.safetensors, codes.jsonl or codes.csv; - writes JSONL to standard output.")
  var output: String

  @Flag(
    help:
      "Write the encoder's activations as they are, without the bundle's standardization (TopK: sparse and nonnegative)."
  )
  var raw = false

  @OptionGroup var global: GlobalOptions

  @OptionGroup var read: ReadOptions

  @OptionGroup var stream: StreamOptions

  func validate() throws {
    try OutputNames.require(output, allowed: ".npy, .safetensors, .jsonl or .csv") {
      DenseRowWriter.Format(extension: $0) != nil
    }
  }

  func run() throws {
    let toStandardOutput = try stream.isStandardOutput(output)
    let outputs = try OutputPlan(
      files: [("-o", toStandardOutput ? nil : output)], inputs: [("INPUT", input)],
      models: [("MODEL", model)])
    defer { outputs.release() }
    try RunPaths.read(model, as: "MODEL")
    let modelURL = URL(fileURLWithPath: model)
    var writer: DenseRowWriter?
    var rows = 0
    var units = 0
    /// Rows go to the file's writer, or as JSON lines to standard output.
    func emit(_ codes: DenseMatrix, ids: [String]?) throws {
      if let writer {
        try writer.append(codes, ids: ids)
      } else {
        let ids = ids ?? (rows..<(rows + codes.rows)).map(String.init)
        try StandardOutputRows.write(StandardOutputRows.dense(codes, ids: ids))
      }
      rows += codes.rows
    }
    var seconds = 0.0
    if try ModelDirectory.kind(of: modelURL) == .autoencoder {
      let sae = try ModelDirectory.autoencoder(at: modelURL)
      try RunPaths.read(input, as: "INPUT")
      let x = try SparseMatrix.readNPZ(from: URL(fileURLWithPath: input))
      guard x.columns == sae.inputColumns else {
        throw DataError.shapeMismatch(
          what: "columns of \(input) (the model's vocabulary)", expected: sae.inputColumns,
          actual: x.columns)
      }
      units = sae.configuration.hiddenUnits
      if !toStandardOutput {
        writer = try DenseRowWriter(url: URL(fileURLWithPath: output), columns: units)
      }
      let started = Date()
      let codes = try sae.encode(x)
      seconds = Date().timeIntervalSince(started)
      try emit(codes, ids: nil)
    } else {
      let pipeline = try TextFeaturePipeline(contentsOf: modelURL)
      let raw = self.raw
      guard let sae = pipeline.autoencoder else {
        throw CommandError.usage(
          "this model has no autoencoder; use `sparsetext vectorize --model` for TF-IDF")
      }
      // Documents are encoded in blocks as they are read: memory holds one block, not the corpus.
      units = sae.configuration.hiddenUnits
      if !toStandardOutput {
        writer = try DenseRowWriter(url: URL(fileURLWithPath: output), columns: units)
      }
      var blocks = BlockAccumulator<LabeledDocument>(size: 4096) { block in
        let started = Date()
        let texts = block.map(\.text)
        let codes = try raw ? pipeline.rawCodes(for: texts)! : pipeline.embeddings(for: texts)
        seconds += Date().timeIntervalSince(started)
        try emit(codes, ids: block.map(\.id))
      }
      try read.forEachDocument(input, idField: stream.idField) { try blocks.append($0) }
      try blocks.finish()
      // An empty stream (an empty partition) is no error; an empty file to write is.
      guard rows > 0 || toStandardOutput else {
        throw DataError.noDocuments(source: input)
      }
    }
    try writer?.finish()
    if global.json {
      // Encoding time covers tokenizing, TF-IDF and the encoder, not reading or writing files.
      let summary: [String: Any] = [
        "documents": rows, "units": units, "seconds": seconds,
        "documents_per_second": seconds > 0 ? Double(rows) / seconds : 0, "output": output,
      ]
      try Console.current.printSummary(summary, rowsOnStandardOutput: toStandardOutput)
    }
    Terminal.note(
      "\(rows) codes of \(units) units → \(toStandardOutput ? "standard output" : output)",
      quiet: global.quiet)
  }
}
