import ArgumentParser
import Foundation
import SparseText

/// The format of rows written to standard output (`-o -`).
enum StreamFormat: String, ExpressibleByArgument, CaseIterable {
  case jsonl
}

/// `-o -` and `--id-field`, for commands that run as one stage of a stream (Spark's `RDD.pipe`,
/// Dask's `map_partitions`): documents in on standard input, one JSON line per document out on
/// standard output, in input order, written block by block as they are computed.
struct StreamOptions: ParsableArguments {
  @Option(help: "The format of rows written to standard output (with -o -): jsonl.")
  var outputFormat: StreamFormat?

  @Option(
    help:
      "JSONL field or CSV/TSV column holding each document's id, written as the row's id (default: the 0-based record index)."
  )
  var idField: String?

  /// Whether `output` names standard output; refuses a format other than JSONL for it.
  func isStandardOutput(_ output: String?) throws -> Bool {
    guard output == "-" else { return false }
    if let outputFormat, outputFormat != .jsonl {
      throw ValidationError("-o - writes JSONL; drop --output-format or give jsonl")
    }
    return true
  }
}

/// Rows written to standard output, one JSON object per line.
enum StandardOutputRows {
  /// Writes `text` to standard output at once (the stream's consumer sees every finished block).
  static func write(_ text: String) throws {
    try Console.current.write(Data(text.utf8))
  }

  /// `{"id": …, "code": [...]}` per row, as `.jsonl` files of `encode` hold them.
  static func dense(_ block: DenseMatrix, ids: [String]) throws -> String {
    DenseRowWriter.jsonlRows(block, ids: ids)
  }

  /// `{"id": …, "label": …, "indices": [...], "values": [...]}` per row (label only when known).
  static func sparse(_ block: SparseMatrix, ids: [String], labels: [String?]) throws -> String {
    var text = ""
    for r in 0..<block.rows {
      let range = block.storageRange(ofRow: r)
      text += "{\"id\":" + JSONString.quoted(ids[r])
      if let label = labels[r] { text += ",\"label\":" + JSONString.quoted(label) }
      text += ",\"indices\":["
      text += range.map { String(block.columnIndices[$0]) }.joined(separator: ",")
      text += "],\"values\":[" + range.map { "\(block.values[$0])" }.joined(separator: ",")
      text += "]}\n"
    }
    return text
  }
}
