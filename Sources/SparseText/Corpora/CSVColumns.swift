/// Which columns of a CSV/TSV file hold the text, the label and the id, and whether its first
/// record is a header: from the options where they name them, else from the first records, as
/// pandas and scikit-learn users expect.
///
/// - Header: the first record is a header when the options say so; when they do not, when it
///   names a requested column or a column of a known name (`text`, `label`, `review`, …), or when
///   its values do not look like the values below them: a word over a column of numbers
///   (`stars` above `5`), a name that is not one of the categories below it (`sentiment` above
///   `pos` and `neg`), a short name over a column of sentences (`comment` above comments); see
///   ``headerVotes(_:below:)``. (Python's `csv.Sniffer.has_header` votes by column likewise.)
/// - Text: the requested column; else one of a known name; else the column whose values have the
///   most words (numbers aside). Two columns that both look like text (`title` and `body` of
///   similar lengths, `question1` and `question2`) are an error that names them and says to
///   choose one.
/// - Label: the requested column; else one of a known name; else, when exactly one other
///   column is short and categorical (a few words at most, values that repeat), that one. With
///   several such columns none is taken, and ``ambiguousLabels`` names them.
package struct CSVColumns: Sendable, Equatable {
  /// The header's names (trimmed, lowercased), or `nil` when the first record is data.
  package var header: [String]?
  /// The text column.
  package var text: Int
  /// The label column, if any.
  package var label: Int?
  /// The id column, if any.
  package var id: Int?
  /// Columns that all looked like labels when none was named, so none was taken.
  package var ambiguousLabels: [String] = []

  /// Column names that hold text.
  static let textNames = ["text", "document", "content", "sentence", "review"]
  /// Column names that hold labels.
  static let labelNames = ["label", "labels", "sentiment", "category", "class", "topic", "target"]

  /// How many records are looked at to decide.
  static let sampleSize = 200

  /// Decides from the first records of the file (`records[0]` is the first record, of the
  /// file's width; later ones of another width are ignored), the options and `file` (for
  /// messages).
  package init(
    records: [[String]], options: CorpusReader.Options, file: String
  ) throws {
    let first = records[0]
    let width = first.count
    let rows = records.dropFirst().filter { $0.count == width }
    let names = first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
    let requested = [options.textColumn, options.labelColumn, options.idField].compactMap {
      $0?.lowercased()
    }
    let namesRequested =
      !requested.isEmpty
      && requested.allSatisfy { Int($0) != nil || names.contains($0) }
      && requested.contains { Int($0) == nil }
    let hasHeader =
      options.hasHeader
      ?? (namesRequested
        || names.contains { Self.textNames.contains($0) || Self.labelNames.contains($0) }
        || Self.headerVotes(first, below: Array(rows)) > 0)
    header = hasHeader ? names : nil
    let data = hasHeader ? Array(rows) : [first] + rows
    let profiles = (0..<width).map { j in ColumnProfile(data.map { $0[j] }) }
    func column(_ requested: String?, field: ConfigurationField, role: String) throws -> Int? {
      guard let requested else { return nil }
      if let index = Int(requested) {
        guard index >= 0 && index < width else {
          throw ConfigurationError.outOfRange(
            field: field, value: requested, allowed: "a column index in 0..<\(width)")
        }
        return index
      }
      guard hasHeader, let index = names.firstIndex(of: requested.lowercased()) else {
        let shown = hasHeader ? names.joined(separator: ", ") : "no header row"
        throw ConfigurationError.outOfRange(
          field: field, value: requested, allowed: "one of the header's columns (\(shown))")
      }
      return index
    }
    id = try column(options.idField, field: .idField, role: "id")
    let namedText = try column(options.textColumn, field: .textColumn, role: "text")
    let namedLabel = try column(options.labelColumn, field: .labelColumn, role: "label")
    func known(_ list: [String]) -> Int? {
      guard hasHeader else { return nil }
      return list.lazy.compactMap { names.firstIndex(of: $0) }.first
    }
    let taken = Set([id, namedLabel].compactMap { $0 })
    if let index = namedText ?? known(Self.textNames) {
      text = index
    } else {
      text = try Self.textColumn(
        profiles, excluding: taken, names: hasHeader ? names : nil, file: file)
    }
    if let index = namedLabel {
      label = index
    } else if let index = known(Self.labelNames), index != text, index != id {
      label = index
    } else if options.labelColumn == nil {
      let candidates = (0..<width).filter { j in
        j != text && j != id && profiles[j].isCategorical
      }
      if candidates.count == 1 {
        label = candidates[0]
      } else {
        label = nil
        ambiguousLabels = candidates.map { hasHeader ? names[$0] : "column \($0)" }
      }
    }
  }

  /// The text column by content: the most words per value, numbers aside; two close
  /// contenders are an error.
  static func textColumn(
    _ profiles: [ColumnProfile], excluding taken: Set<Int>, names: [String]?, file: String
  ) throws -> Int {
    var candidates = profiles.indices.filter { !taken.contains($0) && !profiles[$0].isNumeric }
    if candidates.isEmpty { candidates = profiles.indices.filter { !taken.contains($0) } }
    if candidates.isEmpty { candidates = Array(profiles.indices) }
    let ranked = candidates.sorted {
      (profiles[$0].meanWords, profiles[$0].meanLength, -$0)
        > (profiles[$1].meanWords, profiles[$1].meanLength, -$1)
    }
    if ranked.count >= 2 {
      let best = profiles[ranked[0]]
      let second = profiles[ranked[1]]
      if second.meanWords >= 3 && second.meanWords >= 0.5 * best.meanWords {
        let shown = [ranked[0], ranked[1]].map { j in names.map { "'\($0[j])'" } ?? "column \(j)" }
        throw ConfigurationError.conflict(
          reason:
            "'\(file)' has more than one column that looks like text (\(shown.joined(separator: " and ")), "
            + "with \(Int(best.meanWords.rounded())) and \(Int(second.meanWords.rounded())) words per value), "
            + "so which one to read is not clear",
          suggestion:
            "Name the text column with \(field: .textColumn) (a header name or a 0-based index)."
        )
      }
    }
    return ranked[0]
  }

  /// Python's `csv.Sniffer.has_header` in spirit: each column votes header (+1) when its first
  /// value does not look like the values below it, data (−1) when it does. Over a column of
  /// numbers, a value that is not a number is a header; over a categorical column, a value that
  /// is not one of its categories; over a column of sentences, a name of at most three words and
  /// at most half the median length. A column of short, distinct values (names, ids) does not
  /// vote.
  static func headerVotes(_ first: [String], below rows: [[String]]) -> Int {
    guard !rows.isEmpty else { return 0 }
    var votes = 0
    for j in first.indices {
      let head = first[j].trimmingCharacters(in: .whitespaces)
      let profile = ColumnProfile(rows.map { $0[j] })
      if head.isEmpty { continue }  // pandas' unnamed index column, or an empty field
      if profile.isNumeric {
        votes += ColumnProfile.isNumber(head) ? -1 : 1
      } else if profile.isCategorical {
        votes += profile.distinct.contains(head) ? -1 : 1
      } else if profile.meanWords >= 3 {
        let isName =
          ColumnProfile.words(head) <= 3 && Double(head.count) <= 0.5 * profile.medianLength
        votes += isName ? 1 : -1
      }
    }
    return votes
  }
}

/// What the values of one column look like.
struct ColumnProfile {
  /// The mean number of words (runs of non-space characters) per value.
  let meanWords: Double
  /// The mean length in characters.
  let meanLength: Double
  /// The median length in characters.
  let medianLength: Double
  /// The distinct non-empty values (trimmed).
  let distinct: Set<String>
  /// Whether every non-empty value is a number (and at least one is there).
  let isNumeric: Bool
  /// Whether the values are few words that repeat (a label's): at most three words on average,
  /// none empty, and fewer distinct values than values (or only one or two values).
  let isCategorical: Bool

  init(_ values: [String]) {
    let trimmed = values.map { $0.trimmingCharacters(in: .whitespaces) }
    let n = Double(max(1, values.count))
    meanWords = Double(trimmed.reduce(0) { $0 + Self.words($1) }) / n
    meanLength = Double(trimmed.reduce(0) { $0 + $1.count }) / n
    let lengths = trimmed.map(\.count).sorted()
    medianLength = lengths.isEmpty ? 0 : Double(lengths[lengths.count / 2])
    let present = trimmed.filter { !$0.isEmpty }
    distinct = Set(present)
    isNumeric = !present.isEmpty && present.allSatisfy(Self.isNumber)
    isCategorical =
      !present.isEmpty && present.count == trimmed.count && meanWords <= 3
      && (distinct.count < present.count || present.count <= 2)
  }

  static func words(_ text: String) -> Int {
    text.split(whereSeparator: { $0.isWhitespace }).count
  }

  static func isNumber(_ text: String) -> Bool {
    !text.isEmpty && Double(text) != nil
  }
}
