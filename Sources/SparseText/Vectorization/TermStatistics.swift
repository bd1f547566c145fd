import Foundation

/// The exact term statistics of a corpus part, for fitting a vocabulary past one machine: every
/// term's UTF-8 bytes with its document frequency and total count, the number of documents, and
/// a digest of the tokenizer configuration that produced them.
///
/// Nothing is pruned, so statistics of disjoint parts add up (``merged(_:)``) to the statistics
/// of their union, in any grouping and order; ``vectorizer(configuration:)`` then applies the
/// same selection as ``TfidfVectorizer/fitTransform(_:vocabulary:configuration:)`` without a
/// vocabulary (document-frequency bounds, `maxFeatures` by total count with ties going to the
/// earlier term in byte order, columns in byte order, scikit-learn's idf). The vocabulary and
/// idf equal a fit on the union bit for bit, however the corpus was partitioned.
///
/// ```swift
/// let parts = try shards.map { try TermStatistics(counting: $0, tokenizer: .unicode) }
/// let vectorizer = try TermStatistics.merged(parts).vectorizer(configuration: .init())
/// ```
package struct TermStatistics: Sendable, Equatable {
  /// The tokenizer the terms were counted with.
  package let tokenizer: Tokenizer.Configuration
  /// ``digest(of:)`` of ``tokenizer``: parts merge only when their digests agree.
  package let tokenizerDigest: String
  /// The number of documents counted.
  package private(set) var documents: Int
  /// Every term's bytes, one after another, in increasing byte order.
  private var arena: [UInt8]
  /// Where term `i`'s bytes start in `arena`; `count + 1` entries.
  private var offsets: [Int]
  /// Per term: the number of documents it occurs in.
  package private(set) var documentFrequency: [Int]
  /// Per term: its number of occurrences in all documents.
  package private(set) var totals: [Int]

  /// The number of distinct terms.
  package var count: Int { documentFrequency.count }

  /// The UTF-8 bytes of term `i` (terms are in increasing byte order).
  package func termBytes(_ i: Int) -> ArraySlice<UInt8> { arena[offsets[i]..<offsets[i + 1]] }

  /// Term `i` as a string.
  package func term(_ i: Int) -> String { String(decoding: termBytes(i), as: UTF8.self) }

  /// A SHA-256 digest (hex) of the tokenizer configuration, the library version and the Unicode
  /// version of the character tables: what decides which terms a text yields.
  package static func digest(of tokenizer: Tokenizer.Configuration) -> String {
    let encoder = JSONFormat.encoder(pretty: false)
    // Encoding a plain configuration cannot fail.
    // swift-format-ignore: NeverUseForceTry
    let json = try! encoder.encode(tokenizer)
    let text =
      "sparsetext-tokenizer/1 library=\(SparseTextVersion.library) "
      + "unicode=\(SparseTextVersion.unicode) "
    return Digest.sha256Hex(Array(text.utf8) + Array(json))
  }

  /// Counts every term of `documents`, unpruned.
  package init(counting documents: [String], tokenizer configuration: Tokenizer.Configuration)
    throws
  {
    try configuration.validate()
    let tokenizer = try Tokenizer(configuration)
    self.init(empty: configuration)
    guard !documents.isEmpty else { return }
    let raw = try TermCounting.count(documents, tokenizer: tokenizer)
    var order = Array(0..<raw.terms.count)
    raw.terms.sortByBytes(&order)
    arena.reserveCapacity(raw.terms.byteCount)
    offsets.reserveCapacity(order.count + 1)
    for id in order {
      arena.append(contentsOf: raw.terms.bytes(id))
      offsets.append(arena.count)
      documentFrequency.append(Int(raw.documentFrequency[id]))
      totals.append(Int(raw.totals[id]))
    }
    self.documents = documents.count
  }

  /// Statistics of no documents.
  package init(empty tokenizer: Tokenizer.Configuration) {
    self.tokenizer = tokenizer
    self.tokenizerDigest = Self.digest(of: tokenizer)
    self.documents = 0
    self.arena = []
    self.offsets = [0]
    self.documentFrequency = []
    self.totals = []
  }

  init(
    tokenizer: Tokenizer.Configuration, digest: String, documents: Int, arena: [UInt8],
    offsets: [Int], documentFrequency: [Int], totals: [Int]
  ) {
    self.tokenizer = tokenizer
    self.tokenizerDigest = digest
    self.documents = documents
    self.arena = arena
    self.offsets = offsets
    self.documentFrequency = documentFrequency
    self.totals = totals
  }

  /// Adds the statistics of disjoint parts: the statistics of their union.
  ///
  /// - Throws: ``ConfigurationError/conflict(reason:suggestion:)`` when the parts were counted
  ///   with different tokenizer digests, or when there are no parts.
  package static func merged(_ parts: [TermStatistics]) throws -> TermStatistics {
    guard var result = parts.first else {
      throw ConfigurationError.conflict(
        reason: "there are no term statistics to merge", suggestion: "Give at least one part.")
    }
    for (k, part) in parts.enumerated().dropFirst() {
      guard part.tokenizerDigest == result.tokenizerDigest else {
        throw ConfigurationError.conflict(
          reason:
            "part \(k + 1) was counted with another tokenizer configuration or library version (digest \(part.tokenizerDigest.prefix(12)), not \(result.tokenizerDigest.prefix(12)))",
          suggestion: "Count every part with the same tokenizer options and sparsetext build.")
      }
      result = try result.adding(part)
    }
    return result
  }

  /// The sum of two sorted term lists, merged in byte order.
  ///
  /// - Throws: ``DataError/countOverflow(first:second:)`` when a count would overflow
  ///   (only damaged files come near it).
  private func adding(_ other: TermStatistics) throws -> TermStatistics {
    func sum(_ a: Int, _ b: Int) throws -> Int {
      let (value, overflow) = a.addingReportingOverflow(b)
      guard !overflow else {
        throw DataError.countOverflow(first: a, second: b)
      }
      return value
    }
    let documents = try sum(self.documents, other.documents)
    var arena: [UInt8] = []
    var offsets = [0]
    var df: [Int] = []
    var totals: [Int] = []
    arena.reserveCapacity(max(self.arena.count, other.arena.count))
    df.reserveCapacity(max(count, other.count))
    totals.reserveCapacity(max(count, other.count))
    var i = 0
    var j = 0
    func take(_ bytes: ArraySlice<UInt8>, _ d: Int, _ t: Int) {
      arena.append(contentsOf: bytes)
      offsets.append(arena.count)
      df.append(d)
      totals.append(t)
    }
    while i < count || j < other.count {
      if j == other.count {
        take(termBytes(i), documentFrequency[i], self.totals[i])
        i += 1
      } else if i == count {
        take(other.termBytes(j), other.documentFrequency[j], other.totals[j])
        j += 1
      } else {
        let a = termBytes(i)
        let b = other.termBytes(j)
        if a == b {
          take(
            a, try sum(documentFrequency[i], other.documentFrequency[j]),
            try sum(self.totals[i], other.totals[j]))
          i += 1
          j += 1
        } else if a.lexicographicallyPrecedes(b) {
          take(a, documentFrequency[i], self.totals[i])
          i += 1
        } else {
          take(b, other.documentFrequency[j], other.totals[j])
          j += 1
        }
      }
    }
    return TermStatistics(
      tokenizer: tokenizer, digest: tokenizerDigest, documents: documents,
      arena: arena, offsets: offsets, documentFrequency: df, totals: totals)
  }

  /// The vocabulary a fit on the counted documents would select with `configuration`'s
  /// document-frequency bounds and `maxFeatures`, and its terms' indices here.
  package func vocabulary(configuration: CountVectorizer.Configuration) throws -> (
    vocabulary: Vocabulary, terms: [Int]
  ) {
    try configuration.validate()
    guard Self.digest(of: configuration.tokenizer) == tokenizerDigest else {
      throw ConfigurationError.conflict(
        reason:
          "the term statistics were counted with another tokenizer configuration or library version than the one asked for",
        suggestion:
          "Give the same tokenizer options (preset, analyzer, n-grams, stop words, case, accents) as when counting, with the same sparsetext build."
      )
    }
    guard count > 0 else {
      throw DataError.emptyVocabulary(documents: documents)
    }
    let (low, high) = try CountVectorizer.documentFrequencyBounds(
      documentCount: documents, configuration: configuration)
    // Terms are already in byte order, the order of the fit's columns.
    let candidates = (0..<count).filter { i in
      let df = Double(documentFrequency[i])
      return df <= high && df >= low
    }
    // As the fit: binary counts rank terms by document frequency.
    let binary = configuration.binary
    let kept = CountVectorizer.limitFeatures(
      candidates, total: { Double(binary ? documentFrequency[$0] : totals[$0]) },
      maxFeatures: configuration.maxFeatures)
    guard !kept.isEmpty else {
      throw DataError.noTermsAfterPruning(terms: count)
    }
    return (try Vocabulary(terms: kept.map(term)), kept)
  }

  /// The TF-IDF vectorizer a fit on the counted documents would give with `configuration`:
  /// the same vocabulary and idf, bit for bit.
  package func vectorizer(configuration: TfidfVectorizer.Configuration) throws -> TfidfVectorizer {
    let (vocabulary, kept) = try vocabulary(configuration: configuration.counting)
    let transformer = TfidfTransformer(
      documentFrequency: kept.map { Double(documentFrequency[$0]) }, documents: documents,
      configuration: configuration.weighting)
    // The fitted transformer is kept whole: its Double idf weights float64 features.
    return TfidfVectorizer(
      configuration: configuration,
      counter: try CountVectorizer(vocabulary: vocabulary, configuration: configuration.counting),
      transformer: transformer)
  }
}
