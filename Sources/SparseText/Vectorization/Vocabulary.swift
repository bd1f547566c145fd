import Foundation

/// The terms a vectorizer knows, in column order (sorted by code point, as scikit-learn sorts
/// them).
public struct Vocabulary: Sendable, Equatable, Codable {
  /// The terms; the term at index `i` is column `i`.
  public let terms: [String]
  let table: ByteStringTable

  /// Creates a vocabulary whose columns are `terms` in the given order.
  ///
  /// - Throws: ``DataError/invalidVocabulary(source:reason:)`` when a term is repeated.
  public init(terms: [String]) throws {
    var table = ByteStringTable(capacity: terms.count)
    for (i, term) in terms.enumerated() where table.insert(term) != i {
      throw DataError.invalidVocabulary(
        source: "the vocabulary", reason: "the term '\(term)' is listed twice")
    }
    self.terms = terms
    self.table = table
  }

  /// A vocabulary of distinct `terms` whose lookup table, with the terms in the same order,
  /// is already built.
  init(terms: [String], distinctTable table: ByteStringTable) {
    precondition(table.count == terms.count, "the table must hold each term once")
    self.terms = terms
    self.table = table
  }

  /// The number of terms (columns).
  public var count: Int { terms.count }

  /// The column of `term`, or `nil` when it is not in the vocabulary.
  public func index(of term: String) -> Int? { table.find(term) }

  /// The column of a term given as UTF-8 bytes.
  package func index(ofUTF8 bytes: UnsafeBufferPointer<UInt8>) -> Int? { table.find(bytes) }

  /// The vocabulary as a JSON object `{"term": column, …}` (scikit-learn's `vocabulary_`), one
  /// term per line.
  ///
  /// Written term by term rather than through a Swift `Dictionary`, whose `String` keys compare
  /// canonically equivalent spellings (`é` and `e` + U+0301) as equal; terms are distinct byte
  /// strings here, as they are in Python. Strings are escaped by hand (``JSONString``), which is
  /// several times faster than `JSONEncoder` on a large vocabulary.
  package func jsonObject() -> Data {
    var out: [UInt8] = []
    out.reserveCapacity(terms.count * 16 + 16)
    out.append(UInt8(ascii: "{"))
    var digits: [UInt8] = []
    for (column, term) in terms.enumerated() {
      if column > 0 { out.append(contentsOf: [UInt8(ascii: ","), 0x0A]) }
      JSONString.append(term, to: &out)
      out.append(UInt8(ascii: ":"))
      // The column in decimal.
      digits.removeAll(keepingCapacity: true)
      var n = column
      repeat {
        digits.append(UInt8(ascii: "0") + UInt8(n % 10))
        n /= 10
      } while n > 0
      out.append(contentsOf: digits.reversed())
    }
    out.append(contentsOf: [UInt8(ascii: "}"), 0x0A])
    return Data(out)
  }

  /// Whether the two vocabularies list the same terms in the same order.
  public static func == (lhs: Vocabulary, rhs: Vocabulary) -> Bool { lhs.terms == rhs.terms }

  /// Decodes from a JSON array of terms in column order.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    try self.init(terms: container.decode([String].self))
  }

  /// Encodes as a JSON array of terms in column order.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(terms)
  }
}

/// A document-frequency bound: an absolute number of documents or a fraction of them
/// (scikit-learn's `min_df`/`max_df`, where an int counts and a float is a proportion).
public enum DocumentFrequencyBound: Sendable, Equatable, Codable {
  /// At least / at most this many documents.
  case count(Int)
  /// At least / at most this proportion of the documents, in `0...1`.
  case fraction(Double)

  func documents(outOf total: Int) -> Double {
    switch self {
    case .count(let n): return Double(n)
    case .fraction(let f): return f * Double(total)
    }
  }

  func validate(field: ConfigurationField) throws {
    switch self {
    case .count(let n) where n < 0:
      throw ConfigurationError.outOfRange(
        field: field, value: "\(n)", allowed: "a count of at least 0, or a fraction in 0...1")
    case .fraction(let f) where !(0...1).contains(f):
      throw ConfigurationError.outOfRange(
        field: field, value: "\(f)", allowed: "a fraction in 0...1, or a whole count")
    default:
      break
    }
  }
}

extension DocumentFrequencyBound {
  private enum CodingKeys: String, CodingKey {
    case count, fraction
  }

  /// Decodes `{"count": 2}` or `{"fraction": 0.5}`: the kind is a key, so a fraction of 1 is
  /// never read back as a count of 1.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    guard container.allKeys.count == 1, let key = container.allKeys.first else {
      throw DecodingError.dataCorrupted(
        .init(
          codingPath: decoder.codingPath,
          debugDescription: "a document-frequency bound is {\"count\": N} or {\"fraction\": F}"))
    }
    switch key {
    case .count: self = .count(try container.decode(Int.self, forKey: .count))
    case .fraction: self = .fraction(try container.decode(Double.self, forKey: .fraction))
    }
  }

  /// Encodes `{"count": 2}` or `{"fraction": 0.5}`.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    switch self {
    case .count(let n): try container.encode(n, forKey: .count)
    case .fraction(let f): try container.encode(f, forKey: .fraction)
    }
  }
}

extension DocumentFrequencyBound: CustomStringConvertible {
  /// `2` for a count, `0.9` for a fraction.
  public var description: String {
    switch self {
    case .count(let n): return "\(n)"
    case .fraction(let f): return "\(f)"
    }
  }
}
