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
      One row per document, in input order: score (higher is more unusual; the bundle's
      anomalyScore, by default ownTermsGeometricMean: √(own_terms_error / squared_norm ×
      own_terms_cosine_distance), how much and in which direction the reconstruction of the
      document's own terms misses), the parts it is built from (squared_error, squared_norm,
      relative_error, own_terms_error, cosine_distance, own_terms_cosine_distance, code_mass,
      terms) and outlier (score above the threshold: the --outlier-quantile of the training
      scores stored by fit, or --threshold).
      Outputs: .jsonl (default on standard output), .csv (with a header) or .npy (float32,
      documents × 10 in that order: score, the eight parts, outlier as 0/1).
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
      "Quantile of the training scores used as the outlier threshold (default: the bundle's, \(TextFeaturePipeline.Configuration().outlierQuantile) unless fitted otherwise).",
      valueName: "q"))
  var outlierQuantile: Double?

  @Option(help: "An explicit outlier threshold on the score (wins over --outlier-quantile).")
  var threshold: Double?

  @OptionGroup var global: GlobalOptions

  static let columns = [
    "score", "squared_error", "squared_norm", "relative_error", "own_terms_error",
    "cosine_distance", "own_terms_cosine_distance", "code_mass", "terms", "outlier",
  ]

  /// The keys of a JSONL row in sorted order, with their column in ``columns`` (`nil` for the
  /// id).
  static let jsonKeys: [(String, Int?)] = (["id"] + columns).sorted().map {
    ($0, columns.firstIndex(of: $0))
  }

  func run() throws {
    let pipeline = try TextFeaturePipeline(contentsOf: URL(fileURLWithPath: model))
    guard pipeline.autoencoder != nil else {
      throw CommandError.usage(
        "this model has no autoencoder, so it has no reconstruction error to score; fit one without --no-autoencoder"
      )
    }
    let scorer: AnomalyScorer
    do {
      scorer = try pipeline.anomalyScorer(outlierQuantile: outlierQuantile, threshold: threshold)
    } catch ConfigurationError.outOfRange(let field, let value, let allowed)
      where field == "outlierQuantile"
    {
      throw ConfigurationError.outOfRange(
        field: "--outlier-quantile", value: value, allowed: allowed)
    }
    if scorer.threshold == nil {
      Terminal.warn(
        "this model stores no training scores, so no document is an outlier; give --threshold")
    }
    // `-o -` is standard output, like no -o.
    let sink = try Sink(path: output == "-" ? nil : output)
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
      try sink.append(scores, flags: flags, ids: block.map(\.id))
    }
    var options = input.read.reader(input.input).options
    options.idField = idField
    let progress = ReadingProgress(path: input.input)
    defer { progress.finish() }
    let report = try CorpusReader(path: input.input, options: options).forEachDocument {
      document in
      try blocks.append(document)
      progress.advance(bytes: document.text.utf8.count + 1)
    }
    try blocks.finish()
    progress.finish()
    report.warnAboutProblems()
    // An explicit `-o -` is a stream stage: an empty stream (an empty partition) is no error.
    guard documents > 0 || output == "-" else {
      throw DataError.noDocuments(source: input.input)
    }
    try sink.finish()
    if global.json {
      var summary: [String: Any] = [
        "documents": documents, "outliers": outliers, "score": scorer.method.rawValue,
        "seconds": seconds,
        "documents_per_second": seconds > 0 ? Double(documents) / seconds : 0,
      ]
      summary["threshold"] = scorer.threshold ?? NSNull()
      if let output { summary["output"] = output }
      let data = try JSONFormat.data(object: summary)
      // With JSONL on standard output, the summary would mix with the rows: it goes to stderr.
      if output == nil || output == "-" {
        FileHandle.standardError.write(data + Data("\n".utf8))
      } else {
        print(String(decoding: data, as: UTF8.self))
      }
    }
    let thresholdText = scorer.threshold.map { String(format: "%.4g", $0) } ?? "none"
    Terminal.note(
      "\(documents) documents scored, \(outliers) above the threshold \(thresholdText)"
        + (output.map { " → \($0)" } ?? ""), quiet: global.quiet)
  }

  /// Where rows go: JSONL on standard output, or a .jsonl/.csv/.npy file written atomically.
  final class Sink {
    enum Kind { case stdout, jsonl, csv, npy }
    let kind: Kind
    let file: StreamingFileWriter?
    let matrix: DenseRowWriter?

    init(path: String?) throws {
      guard let path else {
        (kind, file, matrix) = (.stdout, nil, nil)
        return
      }
      let url = URL(fileURLWithPath: path)
      switch url.pathExtension.lowercased() {
      case "jsonl", "ndjson":
        (kind, file, matrix) = (.jsonl, try StreamingFileWriter(url: url), nil)
      case "csv":
        (kind, file, matrix) = (.csv, try StreamingFileWriter(url: url), nil)
        try file!.append("id," + Score.columns.joined(separator: ",") + "\n")
      case "npy":
        (kind, file, matrix) = (
          .npy, nil, try DenseRowWriter(url: url, columns: Score.columns.count)
        )
      default:
        throw CommandError.usage(
          "-o takes a .jsonl, .csv or .npy file, not '\(url.lastPathComponent)'")
      }
    }

    func append(_ scores: AnomalyScores, flags: [Bool], ids: [String]) throws {
      let terms = scores.termCounts.map(Double.init)
      let outlier: [Double] = flags.map { $0 ? 1 : 0 }
      let columns: [[Double]] = [
        scores.scores, scores.squaredError, scores.squaredNorm, scores.relativeError,
        scores.ownTermsError, scores.cosineDistance, scores.ownTermsCosineDistance,
        scores.codeMass, terms, outlier,
      ]
      let rows: [[Double]] = (0..<scores.count).map { r in columns.map { $0[r] } }
      switch kind {
      case .npy:
        try matrix!.append(
          DenseMatrix(
            rows: rows.count, columns: Score.columns.count,
            values: rows.flatMap { $0.map(Float.init) }))
      case .csv:
        var text = ""
        for (r, row) in rows.enumerated() {
          text += Self.csvField(ids[r])
          for (k, v) in row.enumerated() {
            switch Score.columns[k] {
            case "outlier": text += flags[r] ? ",true" : ",false"
            case "terms": text += ",\(Int(v))"
            default: text += ",\(v)"
            }
          }
          text += "\n"
        }
        try file!.append(text)
      case .jsonl, .stdout:
        // Written by hand, keys sorted as before: a JSONSerialization object per row cost
        // more than scoring the row.
        var text = ""
        for (r, row) in rows.enumerated() {
          text += "{"
          for (n, (key, column)) in Score.jsonKeys.enumerated() {
            text += (n == 0 ? "\"" : ",\"") + key + "\":"
            if let column {
              let value = row[column]
              switch key {
              case "outlier": text += flags[r] ? "true" : "false"
              case "terms": text += String(Int(value))
              default: text += value.isFinite ? "\(value)" : "null"
              }
            } else {
              text += JSONString.quoted(ids[r])
            }
          }
          text += "}\n"
        }
        if kind == .stdout {
          FileHandle.standardOutput.write(Data(text.utf8))
        } else {
          try file!.append(text)
        }
      }
    }

    func finish() throws {
      try file?.finish()
      try matrix?.finish()
    }

    static func csvField(_ s: String) -> String {
      guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else {
        return s
      }
      return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
  }
}
