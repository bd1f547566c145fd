import ArgumentParser
import Foundation
import SparseText

struct Score: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Score how unlike the training text each document is (anomaly / novelty scores).",
    discussion: """
      Examples:
        sparsetext score model/ new.jsonl --id-field id -o scores.jsonl
        cat feed.txt | sparsetext score model/ - --format lines --json > scores.jsonl
      One row per document, in input order: score (higher is more unusual; the bundle's \
      anomalyScore, by default ownTermsGeometricMean: √(own_terms_error / squared_norm × \
      own_terms_cosine_distance), how much and in which direction the reconstruction of the \
      document's own terms misses), the parts it is built from (squared_error, squared_norm, \
      relative_error, own_terms_error, cosine_distance, own_terms_cosine_distance, code_mass, \
      terms) and outlier (score above the threshold: the --outlier-quantile of the scores fit \
      stored for documents its autoencoder held out of training, or --threshold; a document \
      with no known term is an outlier when such documents were rarer than that among them).
      Outputs: .jsonl (default on standard output), .csv (with a header) or .npy (float32, \
      documents × 10 in that order: score, the eight parts, outlier as 0/1). With --json and the \
      rows on standard output, as in the second example, the summary goes to standard error.
      """)

  @Argument(help: "A model bundle with an autoencoder (fit).")
  var model: String

  @OptionGroup var input: InputOptions

  @Option(
    name: .shortAndLong,
    help: "scores.jsonl, scores.csv or scores.npy (default: JSONL on standard output).")
  var output: String?

  @Option(
    help:
      "JSONL field or CSV/TSV column (name or 0-based index) holding each document's id (default: the 0-based record index)."
  )
  var idField: String?

  @Option(help: "The format of rows on standard output (no -o, or -o -): jsonl.")
  var outputFormat: StreamFormat?

  @Option(
    help: ArgumentHelp(
      "Quantile of the held-out scores fit stored, used as the outlier threshold (default: the bundle's, \(TextFeaturePipeline.Configuration().outlierQuantile) unless fitted otherwise).",
      valueName: "q"))
  var outlierQuantile: Double?

  @Option(help: "An explicit outlier threshold on the score (wins over --outlier-quantile).")
  var threshold: Double?

  @OptionGroup var global: GlobalOptions

  func validate() throws {
    try OutputNames.require(output, allowed: ".jsonl, .csv or .npy") {
      AnomalyScoreWriter.extensions.contains($0)
    }
  }

  func run() throws {
    let outputs = try OutputPlan(
      files: [("-o", output)], inputs: [("INPUT", input.input)], models: [("MODEL", model)])
    defer { outputs.release() }
    let pipeline = try TextFeaturePipeline.bundle(at: model, for: "score")
    guard pipeline.autoencoder != nil else {
      throw CommandError.usage(
        "this model has no autoencoder, so it has no reconstruction error to score; fit one without --no-autoencoder"
      )
    }
    let scorer = try pipeline.anomalyScorer(
      outlierQuantile: outlierQuantile, threshold: threshold)
    if scorer.threshold == nil {
      Terminal.warn(
        "this model stores no training scores, so no document is an outlier; give --threshold")
    }
    // `-o -` is standard output, like no -o.
    let console = Console.current
    let writer: AnomalyScoreWriter
    if let output, output != "-" {
      writer = try AnomalyScoreWriter(url: URL(fileURLWithPath: output))
    } else {
      writer = AnomalyScoreWriter { try console.write(Data($0.utf8)) }
    }
    var documents = 0
    var outliers = 0
    var seconds = 0.0
    var blocks = BlockAccumulator<LabeledDocument>(size: 4096) { block in
      let started = Date()
      let scores = try scorer.scores(for: block.map(\.text))
      seconds += Date().timeIntervalSince(started)
      let flags = scores.outliers
      outliers += flags.filter { $0 }.count
      documents += block.count
      try writer.append(scores, outliers: flags, ids: block.map(\.id))
    }
    try input.read.forEachDocument(input.input, idField: idField) { try blocks.append($0) }
    try blocks.finish()
    // An explicit `-o -` is a stream stage: an empty stream (an empty partition) is no error.
    guard documents > 0 || output == "-" else {
      throw DataError.noDocuments(source: input.input)
    }
    try writer.finish()
    if global.json {
      var summary: [String: Any] = [
        "documents": documents, "outliers": outliers, "score": scorer.method.rawValue,
        "seconds": seconds,
        "documents_per_second": seconds > 0 ? Double(documents) / seconds : 0,
      ]
      summary["threshold"] = scorer.threshold ?? NSNull()
      if let output { summary["output"] = output }
      try Console.current.printSummary(
        summary, rowsOnStandardOutput: output == nil || output == "-")
    }
    let thresholdText = scorer.threshold.map { String(format: "%.4g", $0) } ?? "none"
    Terminal.note(
      "\(documents) documents scored, \(outliers) above the threshold \(thresholdText)"
        + (output.map { " → \($0)" } ?? ""), quiet: global.quiet)
  }
}
