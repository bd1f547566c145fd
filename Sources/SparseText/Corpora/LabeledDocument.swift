/// One document of a corpus: its text, its labels (none, one or several) and where it came from.
public struct LabeledDocument: Sendable, Equatable {
  /// A stable identifier: the 0-based record index, or `<label>/<file stem>` for folders.
  public var id: String
  /// The decoded text.
  public var text: String
  /// The labels, in the order the record gives them.
  public var labels: [String]
  /// The 1-based line where the record starts (0 for files of a folder corpus).
  public var line: Int

  /// Creates a document.
  public init(id: String, text: String, labels: [String] = [], line: Int = 0) {
    self.id = id
    self.text = text
    self.labels = labels
    self.line = line
  }

  /// The first label, for single-label tasks.
  public var label: String? { labels.first }
}

/// What to do with a record that does not parse.
public enum BadRecordPolicy: String, Codable, Sendable, CaseIterable {
  /// Stop with an error naming the record (the default).
  case error
  /// Skip it and count it.
  case skip
}

/// The formats ``CorpusReader`` reads.
public enum CorpusFormat: String, Codable, Sendable, CaseIterable {
  /// One document per line.
  case lines
  /// fastText's `__label__name text` lines.
  case fasttext
  /// Comma-separated values (RFC 4180).
  case csv
  /// Tab-separated values (RFC 4180 quoting).
  case tsv
  /// One JSON object per line.
  case jsonl
  /// `DIR/<label>/*.txt`.
  case folder

  /// The format a path suggests: a directory is a folder corpus; otherwise by extension
  /// (`.csv`, `.tsv`, `.jsonl`/`.ndjson`, `.ft`/`.fasttext`), else plain lines.
  package static func inferred(from path: String, isDirectory: Bool) -> CorpusFormat {
    if isDirectory { return .folder }
    let lower = path.lowercased()
    if lower.hasSuffix(".csv") { return .csv }
    if lower.hasSuffix(".tsv") || lower.hasSuffix(".tab") { return .tsv }
    if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") { return .jsonl }
    if lower.hasSuffix(".ft") || lower.hasSuffix(".fasttext") { return .fasttext }
    return .lines
  }
}

/// What a reader saw: records read and skipped, bytes that did not decode.
public struct CorpusReadReport: Sendable, Equatable {
  /// Records turned into documents.
  public var documents = 0
  /// Malformed records skipped under ``BadRecordPolicy/skip``.
  public var skippedRecords = 0
  /// The first skipped record's description.
  public var firstSkipped: String?
  /// Invalid bytes replaced by U+FFFD.
  public var replacedBytes = 0
  /// Where the first invalid bytes were, as `file:line: byte offset N`.
  public var firstEncodingProblem: String?
  /// Documents decoded as Latin-1 because they were not valid UTF-8 (utf-8-or-latin-1 only).
  public var latin1Documents = 0
  /// CSV/TSV: whether a header was read and which columns were taken for what.
  package var csvColumns: CSVColumns?

  /// Creates an empty report.
  package init() {}
}
