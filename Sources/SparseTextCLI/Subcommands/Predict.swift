import ArgumentParser
import Foundation
import SparseText

struct Predict: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Predict labels (and probabilities) for a corpus with a fitted model.",
    discussion: """
      Examples:
        sparsetext predict model/ new.txt -o predictions.tsv
        sparsetext predict model/ new.txt --probabilities --output-format jsonl
        sparsetext predict model/ new.jsonl --id-field id -o predictions.jsonl
      One row per document, in input order: its id, the predicted label and, with \
      --probabilities, each class's probability. A file's format is its extension's: .tsv or .csv \
      (a header, then one column per class) or .jsonl ({"id", "label", "probabilities"} per line).
      """)

  @Argument(help: "The model bundle.")
  var model: String

  @OptionGroup var input: InputOptions

  @Option(
    name: .shortAndLong,
    help:
      "predictions.tsv, predictions.csv or predictions.jsonl (default: standard output, in --output-format)."
  )
  var output: String?

  @Flag(help: "Include each class's probability.")
  var probabilities = false

  @Option(
    name: .customLong("output-format"),
    help:
      "The format on standard output: tsv, csv or jsonl (default: tsv; a file's is its extension's)."
  )
  var outputFormat: PredictionWriter.Format?

  @Option(
    help:
      "JSONL field or CSV/TSV column (name or 0-based index) holding each document's id (default: the 0-based record index)."
  )
  var idField: String?

  @OptionGroup var global: GlobalOptions

  /// The file to write, `nil` for standard output (no -o, or -o -).
  var file: String? { output == "-" ? nil : output }

  func validate() throws {
    try OutputNames.require(file, allowed: ".tsv, .csv or .jsonl") {
      PredictionWriter.Format(extension: $0) != nil
    }
    guard let file,
      let format = PredictionWriter.Format(extension: URL(fileURLWithPath: file).pathExtension)
    else { return }
    if let outputFormat, outputFormat != format {
      throw ValidationError(
        "'\(file)' names \(format.rawValue), but --output-format is \(outputFormat.rawValue); drop --output-format or change the extension"
      )
    }
  }

  func run() throws {
    let outputs = try OutputPlan(
      files: [("-o", file)], inputs: [("INPUT", input.input)], models: [("MODEL", model)])
    defer { outputs.release() }
    let pipeline = try TextFeaturePipeline.bundle(at: model, for: "predict")
    let classes = probabilities ? pipeline.classes : nil
    let console = Console.current
    let writer =
      try file.map { try PredictionWriter(url: URL(fileURLWithPath: $0), classes: classes) }
      ?? PredictionWriter(format: outputFormat ?? .tsv, classes: classes) {
        try console.write(Data($0.utf8))
      }
    var documents = 0
    var blocks = BlockAccumulator<LabeledDocument>(size: 4096) { block in
      let texts = block.map(\.text)
      if probabilities {
        let classified = try pipeline.classify(texts)
        try writer.append(
          ids: block.map(\.id), labels: classified.labels,
          probabilities: classified.probabilities)
      } else {
        try writer.append(ids: block.map(\.id), labels: pipeline.predict(texts), probabilities: nil)
      }
      documents += block.count
    }
    try input.read.forEachDocument(input.input, idField: idField) { try blocks.append($0) }
    try blocks.finish()
    guard documents > 0 else { throw DataError.noDocuments(source: input.input) }
    try writer.finish()
    Terminal.note(
      "\(documents) documents predicted" + (file.map { " → \($0)" } ?? ""), quiet: global.quiet)
  }
}
