import Foundation

/// Writes what an ``EmbeddingIndex`` finds, one row per neighbour or per pair: `.jsonl` (one
/// object per row, keys in a fixed order) or `.csv` (a header, then one line per row), chosen by
/// the file's extension and written atomically (a temporary sibling renamed into place by
/// ``finish()``); or JSON lines handed to a stream as each block is done.
///
/// Neighbours: `{"query": …, "id": …, "score": …, "rank": …}` (`query,id,score,rank`), best
/// first within each query, queries in input order. Pairs: `{"first_id": …, "second_id": …,
/// "score": …}` (`first_id,second_id,score`), best first.
package final class NeighborWriter {
  /// What a row holds.
  package enum Rows: Sendable {
    /// A query's neighbours (``EmbeddingIndex/Neighbor``).
    case neighbors
    /// Pairs of rows (``EmbeddingIndex/DuplicatePair``).
    case pairs

    /// The columns, in order.
    package var columns: [String] {
      switch self {
      case .neighbors: ["query", "id", "score", "rank"]
      case .pairs: ["first_id", "second_id", "score"]
      }
    }
  }

  private enum Destination {
    case stream((String) throws -> Void)
    case jsonl(StreamingFileWriter)
    case csv(StreamingFileWriter)
  }

  /// What each row holds.
  package let rows: Rows
  private let destination: Destination
  /// The extensions a file may have (lower case).
  package static let extensions: Set<String> = ["jsonl", "ndjson", "csv"]
  /// Rows written so far.
  package private(set) var count = 0

  /// Opens a temporary file for `url`.
  ///
  /// - Throws: ``ConfigurationError/outOfRange(field:value:allowed:)`` (field `outputFile`) for
  ///   an extension other than `.jsonl` (`.ndjson`) and `.csv`; ``OutputError`` when the file
  ///   cannot be created.
  package init(url: URL, rows: Rows) throws {
    self.rows = rows
    switch url.pathExtension.lowercased() {
    case "jsonl", "ndjson":
      destination = .jsonl(try StreamingFileWriter(url: url))
    case "csv":
      let file = try StreamingFileWriter(url: url)
      try file.append(rows.columns.joined(separator: ",") + "\n")
      destination = .csv(file)
    default:
      throw ConfigurationError.outOfRange(
        field: .outputFile, value: url.lastPathComponent, allowed: "a .jsonl or .csv file")
    }
  }

  /// Hands each block's JSON lines to `write` (standard output, for a stream stage).
  package init(stream write: @escaping (String) throws -> Void, rows: Rows) {
    self.rows = rows
    destination = .stream(write)
  }

  /// Appends the neighbours of each query: `neighbors[i]` are those of `queries[i]` (an id or
  /// the query's text).
  package func append(queries: [String], neighbors: [[EmbeddingIndex.Neighbor]]) throws {
    precondition(rows == .neighbors && queries.count == neighbors.count)
    var text = ""
    for (query, hits) in zip(queries, neighbors) {
      for hit in hits {
        text += format([
          .text(query), .text(hit.id), .number("\(hit.score)"), .number("\(hit.rank)"),
        ])
      }
      count += hits.count
    }
    try write(text)
  }

  /// Appends pairs of rows.
  package func append(pairs: some Sequence<EmbeddingIndex.DuplicatePair>) throws {
    precondition(rows == .pairs)
    var text = ""
    for pair in pairs {
      text += format([.text(pair.firstID), .text(pair.secondID), .number("\(pair.score)")])
      count += 1
    }
    try write(text)
  }

  /// Completes the file and moves it into place (nothing for a stream).
  package func finish() throws {
    switch destination {
    case .jsonl(let file), .csv(let file): try file.finish()
    case .stream: break
    }
  }

  private enum Value {
    case text(String)
    case number(String)
  }

  private var isCSV: Bool {
    if case .csv = destination { return true }
    return false
  }

  /// One row as a JSON line or a CSV line.
  private func format(_ values: [Value]) -> String {
    if isCSV {
      return values.map { value in
        switch value {
        case .text(let text): AnomalyScoreWriter.csvField(text)
        case .number(let number): number
        }
      }.joined(separator: ",") + "\n"
    }
    var line = "{"
    for (n, (column, value)) in zip(rows.columns, values).enumerated() {
      line += (n == 0 ? "\"" : ",\"") + column + "\":"
      switch value {
      case .text(let text): line += JSONString.quoted(text)
      case .number(let number): line += number
      }
    }
    return line + "}\n"
  }

  private func write(_ text: String) throws {
    guard !text.isEmpty else { return }
    switch destination {
    case .jsonl(let file), .csv(let file): try file.append(text)
    case .stream(let write): try write(text)
    }
  }
}
