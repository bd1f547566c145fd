import Foundation

/// Writes predicted labels block by block, one row per document with its id, and each class's
/// probability when asked: `.tsv` (a header `id`, `label`, then one column per class),
/// `.csv` (the same, comma-separated and quoted where needed) or `.jsonl` (`{"id", "label",
/// "probabilities": {class: p}}` per line), chosen by the file's extension and written
/// atomically; or the text of one format handed to a stream as each block is done.
package final class PredictionWriter {
  /// The formats.
  package enum Format: String, Sendable, CaseIterable {
    /// Tab-separated values with a header.
    case tsv
    /// Comma-separated values with a header.
    case csv
    /// One JSON object per line.
    case jsonl

    /// The format an extension names (`nil` for any other).
    package init?(extension: String) {
      switch `extension`.lowercased() {
      case "tsv": self = .tsv
      case "csv": self = .csv
      case "jsonl", "ndjson": self = .jsonl
      default: return nil
      }
    }

    /// The format of the file `url`.
    ///
    /// - Throws: ``ConfigurationError/outOfRange(field:value:allowed:)`` (field `output`) for
    ///   an extension that names none of them.
    package init(url: URL) throws {
      guard let format = Format(extension: url.pathExtension) else {
        throw ConfigurationError.outOfRange(
          field: .outputFile, value: url.lastPathComponent,
          allowed: "a .tsv, .csv or .jsonl file")
      }
      self = format
    }
  }

  private enum Destination {
    case file(StreamingFileWriter)
    case stream((String) throws -> Void)
  }

  /// The format written.
  package let format: Format
  private let classes: [String]?
  private let destination: Destination
  /// Whether the header went out (with the first rows, so a run that fails before any row
  /// prints nothing on a stream).
  private var started = false

  /// Opens a temporary file for `url` in the format its extension names; `classes` (the
  /// columns of the probabilities appended, in order) when probabilities are written.
  package init(url: URL, classes: [String]?) throws {
    format = try Format(url: url)
    self.classes = classes
    destination = .file(try StreamingFileWriter(url: url))
  }

  /// Hands the text of `format` to `write` block by block (standard output), the header with
  /// the first block.
  package init(format: Format, classes: [String]?, stream write: @escaping (String) throws -> Void)
  {
    self.format = format
    self.classes = classes
    destination = .stream(write)
  }

  private func header() -> String {
    switch format {
    case .jsonl: return ""
    case .tsv, .csv:
      let separator = format == .tsv ? "\t" : ","
      let names = ["id", "label"] + (classes ?? [])
      return names.map { field($0) }.joined(separator: separator) + "\n"
    }
  }

  /// Appends one row per document: its id, its label and, when the writer was made with
  /// classes, row `r` of `probabilities` (documents × classes).
  package func append(ids: [String], labels: [String], probabilities: DenseMatrix?) throws {
    guard ids.count == labels.count else {
      throw DataError.shapeMismatch(
        what: "labels (one per id)", expected: ids.count, actual: labels.count)
    }
    if let classes {
      guard let probabilities, probabilities.rows == ids.count,
        probabilities.columns == classes.count
      else {
        throw DataError.shapeMismatch(
          what: "probabilities (documents × classes)", expected: ids.count * classes.count,
          actual: probabilities.map { $0.rows * $0.columns } ?? 0)
      }
    }
    var text = started ? "" : header()
    started = true
    for r in ids.indices {
      switch format {
      case .tsv, .csv:
        let separator = format == .tsv ? "\t" : ","
        text += field(ids[r]) + separator + field(labels[r])
        if let probabilities, classes != nil {
          for j in 0..<probabilities.columns { text += separator + "\(probabilities[r, j])" }
        }
        text += "\n"
      case .jsonl:
        var object: [String: Any] = ["id": ids[r], "label": labels[r]]
        if let classes, let probabilities {
          object["probabilities"] = Dictionary(
            uniqueKeysWithValues: classes.enumerated().map { ($1, Double(probabilities[r, $0])) })
        }
        text += try JSONFormat.line(object: object) + "\n"
      }
    }
    try emit(text)
  }

  /// Completes the file (a header alone when no row came) and moves it into place; for a
  /// stream, writes the header if no row came.
  package func finish() throws {
    if !started {
      started = true
      try emit(header())
    }
    if case .file(let file) = destination { try file.finish() }
  }

  private func emit(_ text: String) throws {
    switch destination {
    case .file(let file): try file.append(text)
    case .stream(let write): try write(text)
    }
  }

  /// `s` as one field: quoted, as RFC 4180 quotes, when it holds the separator, a quote or a
  /// line break (pandas and Python's `csv` read such TSV fields back too).
  private func field(_ s: String) -> String {
    let separator: Character = format == .tsv ? "\t" : ","
    guard s.contains(where: { $0 == separator || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else {
      return s
    }
    return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }
}
