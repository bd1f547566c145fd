import Foundation

/// Writes a dense Float32 matrix row block by row block, so that codes for a corpus of any size
/// need memory for one block only: `.npy` (float32, C order), `.safetensors` (one F32 tensor
/// `codes`), `.jsonl` (`{"id", "code"}` per line) or `.csv`, chosen by the file's extension. Rows go to a temporary file beside the
/// destination, which ``finish()`` moves into place; ``cancel()`` (or an error) leaves nothing.
package final class DenseRowWriter {
  /// The output formats.
  package enum Format: Sendable {
    /// NumPy `.npy`.
    case npy
    /// safetensors, one tensor named `codes`.
    case safetensors
    /// One JSON object per line.
    case jsonl
    /// Comma-separated values, one row per line.
    case csv

    /// The format an extension names (`nil` for any other).
    package init?(extension name: String) {
      switch name.lowercased() {
      case "npy": self = .npy
      case "safetensors": self = .safetensors
      case "jsonl", "ndjson": self = .jsonl
      case "csv": self = .csv
      default: return nil
      }
    }
  }

  /// The destination.
  package let url: URL
  /// The format, from the extension.
  package let format: Format
  /// The number of columns every block must have.
  package let columns: Int
  /// Rows written so far.
  package private(set) var rows = 0
  private let file: StreamingFileWriter

  /// The fixed size of the `.npy` header, large enough for any row count, so the header can be
  /// rewritten in place once the number of rows is known.
  static let npyHeaderSize = 128

  /// Opens a temporary file for `url`; throws for an unknown extension.
  package init(url: URL, columns: Int) throws {
    guard let format = Format(extension: url.pathExtension) else {
      throw ConfigurationError.outOfRange(
        field: .outputFile, value: url.lastPathComponent,
        allowed: "a .npy, .safetensors, .jsonl or .csv file")
    }
    self.format = format
    self.url = url
    self.columns = columns
    file = try StreamingFileWriter(url: url)
    try file.append(header())
  }

  /// Appends the rows of `block`, with an id per row for JSONL (row numbers when `nil`).
  package func append(_ block: DenseMatrix, ids: [String]? = nil) throws {
    guard block.columns == columns else {
      throw DataError.shapeMismatch(
        what: "columns of a row block", expected: columns, actual: block.columns)
    }
    switch format {
    case .npy, .safetensors:
      try file.append(block.values.withUnsafeBytes { Data($0) })
    case .jsonl:
      try file.append(Self.jsonlRows(block, ids: ids ?? (0..<block.rows).map { String(rows + $0) }))
    case .csv:
      var text = ""
      for r in 0..<block.rows { text += block.row(r).map { "\($0)" }.joined(separator: ",") + "\n" }
      try file.append(text)
    }
    rows += block.rows
  }

  /// Completes the file (the `.npy` and safetensors headers get the final row count), flushes
  /// it to disk and moves it over the destination; with `commit`, stages it there instead.
  package func finish(in commit: OutputCommit? = nil) throws {
    try file.overwrite(header(), at: 0)
    try file.finish(in: commit)
  }

  /// Abandons the output: the temporary file is removed and the destination left as it was.
  package func cancel() { file.cancel() }

  /// The fixed-size header of binary formats for the rows written so far (empty for text).
  private func header() -> Data {
    switch format {
    case .npy: return Self.npyHeader(rows: rows, columns: columns)
    case .safetensors: return Self.safetensorsHeader(rows: rows, columns: columns)
    case .jsonl, .csv: return Data()
    }
  }

  /// The fixed size of the safetensors header (length and JSON, padded with spaces).
  static let safetensorsHeaderSize = 256

  static func safetensorsHeader(rows: Int, columns: Int) -> Data {
    let header = SafeTensors.header(
      [.init(name: "codes", dtype: "F32", shape: [rows, columns], byteCount: rows * columns * 4)],
      metadata: ["writer": "sparsetext"], minimumSize: safetensorsHeaderSize)
    precondition(header.count == safetensorsHeaderSize, "the codes header outgrew its space")
    return header
  }

  static func npyHeader(rows: Int, columns: Int) -> Data {
    NumPyArray.header(
      descriptor: "<f4", shape: [rows, columns], minimumLength: npyHeaderSize)
  }

  /// `{"id": …, "code": [...]}` per row of `block`, with `ids[r]` as row `r`'s id: the lines of
  /// a `.jsonl` file of codes, and of codes streamed to standard output.
  package static func jsonlRows(_ block: DenseMatrix, ids: [String]) -> String {
    var text = ""
    for r in 0..<block.rows {
      text += "{\"id\":\(JSONString.quoted(ids[r])),\"code\":["
      text += block.row(r).map { "\($0)" }.joined(separator: ",") + "]}\n"
    }
    return text
  }
}
