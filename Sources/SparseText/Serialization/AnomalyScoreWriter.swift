import Foundation

/// Writes anomaly scores row block by row block, one row per document: the score, the parts
/// it is built from, and whether the document is an outlier. `.jsonl` (one object per row,
/// keys sorted, with the document's id), `.csv` (a header, then the id and the values) or
/// `.npy` (float32, documents × ``columns``, outlier as 0/1), chosen by the file's extension
/// and written atomically (see ``DenseRowWriter``); or JSON lines handed to a stream as each
/// block is done.
package final class AnomalyScoreWriter {
  /// The columns, in order: the score, its eight parts, and `outlier`.
  package static let columns = [
    "score", "squared_error", "squared_norm", "relative_error", "own_terms_error",
    "cosine_distance", "own_terms_cosine_distance", "code_mass", "terms", "outlier",
  ]

  /// The keys of a JSONL row in sorted order, with their column in ``columns`` (`nil` for the
  /// id).
  static let jsonKeys: [(String, Int?)] = (["id"] + columns).sorted().map {
    ($0, columns.firstIndex(of: $0))
  }

  private enum Destination {
    case stream((String) throws -> Void)
    case jsonl(StreamingFileWriter)
    case csv(StreamingFileWriter)
    case npy(DenseRowWriter)
  }

  private let destination: Destination

  /// The extensions of the files it writes.
  package static let extensions: Set<String> = ["jsonl", "ndjson", "csv", "npy"]

  /// Opens a temporary file for `url`; throws ``ConfigurationError/outOfRange(field:value:allowed:)``
  /// (field `output`) for an extension other than `.jsonl` (`.ndjson`), `.csv` and `.npy`.
  package init(url: URL) throws {
    switch url.pathExtension.lowercased() {
    case "jsonl", "ndjson":
      destination = .jsonl(try StreamingFileWriter(url: url))
    case "csv":
      let file = try StreamingFileWriter(url: url)
      try file.append("id," + Self.columns.joined(separator: ",") + "\n")
      destination = .csv(file)
    case "npy":
      destination = .npy(try DenseRowWriter(url: url, columns: Self.columns.count))
    default:
      throw ConfigurationError.outOfRange(
        field: .outputFile, value: url.lastPathComponent, allowed: "a .jsonl, .csv or .npy file")
    }
  }

  /// Hands each block's JSON lines to `write` (standard output, for a stream stage).
  package init(stream write: @escaping (String) throws -> Void) {
    destination = .stream(write)
  }

  /// Appends one row per document of `scores`, with its id and whether it is an outlier.
  package func append(_ scores: AnomalyScores, outliers: [Bool], ids: [String]) throws {
    let terms = scores.termCounts.map(Double.init)
    let outlier: [Double] = outliers.map { $0 ? 1 : 0 }
    let columns: [[Double]] = [
      scores.scores, scores.squaredError, scores.squaredNorm, scores.relativeError,
      scores.ownTermsError, scores.cosineDistance, scores.ownTermsCosineDistance,
      scores.codeMass, terms, outlier,
    ]
    let rows: [[Double]] = (0..<scores.count).map { r in columns.map { $0[r] } }
    switch destination {
    case .npy(let matrix):
      try matrix.append(
        DenseMatrix(
          rows: rows.count, columns: Self.columns.count,
          values: rows.flatMap { $0.map(Float.init) }))
    case .csv(let file):
      var text = ""
      for (r, row) in rows.enumerated() {
        text += Self.csvField(ids[r])
        for (k, v) in row.enumerated() {
          switch Self.columns[k] {
          case "outlier": text += outliers[r] ? ",true" : ",false"
          case "terms": text += ",\(Int(v))"
          default: text += ",\(v)"
          }
        }
        text += "\n"
      }
      try file.append(text)
    case .jsonl(let file):
      try file.append(Self.jsonLines(rows, outliers: outliers, ids: ids))
    case .stream(let write):
      try write(Self.jsonLines(rows, outliers: outliers, ids: ids))
    }
  }

  /// Completes the file and moves it into place (nothing for a stream).
  package func finish() throws {
    switch destination {
    case .jsonl(let file), .csv(let file): try file.finish()
    case .npy(let matrix): try matrix.finish()
    case .stream: break
    }
  }

  /// One JSON object per row, keys sorted; written by hand, as a JSONSerialization object per
  /// row cost more than scoring the row.
  private static func jsonLines(_ rows: [[Double]], outliers: [Bool], ids: [String]) -> String {
    var text = ""
    for (r, row) in rows.enumerated() {
      text += "{"
      for (n, (key, column)) in jsonKeys.enumerated() {
        text += (n == 0 ? "\"" : ",\"") + key + "\":"
        if let column {
          let value = row[column]
          switch key {
          case "outlier": text += outliers[r] ? "true" : "false"
          case "terms": text += String(Int(value))
          default: text += value.isFinite ? "\(value)" : "null"
          }
        } else {
          text += JSONString.quoted(ids[r])
        }
      }
      text += "}\n"
    }
    return text
  }

  /// `s` as a CSV field: quoted when it holds a comma, a quote or a line break.
  static func csvField(_ s: String) -> String {
    guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else {
      return s
    }
    return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }
}
