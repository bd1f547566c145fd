import Foundation
import Testing

@testable import SparseText

@Suite struct TermStatisticsTests {
  /// A seeded corpus with skewed word frequencies (so `maxFeatures` cuts through ties of equal
  /// totals), accented, Greek, Chinese and emoji terms, repeated words and empty documents.
  static func corpus(_ count: Int, seed: UInt64 = 7) -> [String] {
    let words = [
      "goal", "bank", "café", "cafe\u{301}", "σοφία", "straße", "北京", "市场", "🙂", "the",
      "rates", "shares", "team", "season", "über", "zebra", "aa", "ab", "a-b", "x1",
      "dog", "cat", "cow", "pig", "hen", "owl", "elk", "yak", "ant", "bee",
    ]
    var state = seed
    func next() -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int(truncatingIfNeeded: state >> 33)
    }
    return (0..<count).map { d in
      if d % 17 == 5 { return "" }
      let length = 1 + next() % 12
      return (0..<length).map { _ in
        // Squared index: early words are frequent, late ones rare.
        let r = next() % words.count
        return words[(r * r) / words.count]
      }.joined(separator: " ")
    }
  }

  /// Cuts `documents` into `parts` parts, contiguous or round-robin.
  static func split(_ documents: [String], parts: Int, roundRobin: Bool) -> [[String]] {
    if roundRobin {
      return (0..<parts).map { p in
        stride(from: p, to: documents.count, by: parts).map { documents[$0] }
      }
    }
    let size = (documents.count + parts - 1) / parts
    return (0..<parts).map { p in
      Array(documents[min(documents.count, p * size)..<min(documents.count, (p + 1) * size)])
    }
  }

  static let configurations: [TfidfVectorizer.Configuration] = [
    .init(),
    .init(
      counting: .init(minDocumentFrequency: .count(2), maxFeatures: 12),
      weighting: .init(sublinearTF: true)),
    .init(
      counting: .init(
        minDocumentFrequency: .fraction(0.02), maxDocumentFrequency: .fraction(0.5),
        maxFeatures: 7),
      weighting: .init(smoothIDF: false)),
    .init(
      counting: .init(
        tokenizer: .init(ngrams: 1...2), maxDocumentFrequency: .count(40), maxFeatures: 50)),
    .init(counting: .init(tokenizer: .sklearn, minDocumentFrequency: .count(3), binary: true)),
  ]

  @Test(arguments: [1, 2, 7])
  func mergedPartsGiveTheVocabularyAndIdfOfTheUnion(parts: Int) throws {
    let documents = Self.corpus(300)
    for configuration in Self.configurations {
      let direct = try TfidfVectorizer(fitting: documents, configuration: configuration)
      for roundRobin in [false, true] {
        let counted = try Self.split(documents, parts: parts, roundRobin: roundRobin).map {
          try TermStatistics(counting: $0, tokenizer: configuration.counting.tokenizer)
        }
        // The order of merging does not matter either.
        let merged = try TermStatistics.merged(counted.reversed())
        #expect(
          merged == (try TermStatistics.counting(documents, configuration.counting.tokenizer)))
        let fitted = try merged.vectorizer(configuration: configuration)
        #expect(fitted.vocabulary.terms == direct.vocabulary.terms)
        #expect(fitted.idf.map(\.bitPattern) == direct.idf.map(\.bitPattern))
        let x = try direct.transform(documents)
        let y = try fitted.transform(documents)
        #expect(x.values.map(\.bitPattern) == y.values.map(\.bitPattern))
        #expect(x.columnIndices == y.columnIndices && x.rowOffsets == y.rowOffsets)
      }
    }
  }

  @Test func maxFeaturesBreaksTiesByByteOrder() throws {
    // Every term occurs twice: the cut keeps the first three in byte order.
    let documents = ["delta alpha", "charlie bravo", "echo alpha", "bravo charlie", "echo delta"]
    let statistics = try TermStatistics(counting: documents, tokenizer: .unicode)
    let fitted = try statistics.vectorizer(configuration: .init(counting: .init(maxFeatures: 3)))
    #expect(fitted.vocabulary.terms == ["alpha", "bravo", "charlie"])
    let direct = try TfidfVectorizer(
      fitting: documents, configuration: .init(counting: .init(maxFeatures: 3)))
    #expect(direct.vocabulary.terms == fitted.vocabulary.terms)
  }

  @Test func fileRoundTripsAndRefusesDamage() throws {
    let statistics = try TermStatistics(counting: Self.corpus(120), tokenizer: .unicode)
    let data = try statistics.fileData()
    #expect(try TermStatistics(fileData: data, file: "x.stats") == statistics)
    #expect(throws: ModelFormatError.self) {
      try TermStatistics(fileData: data.dropLast(3), file: "x.stats")
    }
    #expect(throws: ModelFormatError.self) {
      try TermStatistics(fileData: Data("not statistics at all".utf8), file: "x.stats")
    }
    #expect(throws: ModelFormatError.self) {
      try TermStatistics(fileData: data + Data([0]), file: "x.stats")
    }
    // Two terms, "aa" and "bb", then the same file with them out of byte order.
    let two = [UInt8](try TermStatistics(counting: ["bb aa"], tokenizer: .unicode).fileData())
    let body: [UInt8] = [2, 0x61, 0x61, 1, 1, 2, 0x62, 0x62, 1, 1]
    #expect(Array(two.suffix(10)) == body)
    #expect(throws: ModelFormatError.self) {
      try TermStatistics(
        fileData: Data(two.dropLast(10) + body.suffix(5) + body.prefix(5)), file: "x.stats")
    }
    // A document frequency above the document count.
    #expect(throws: ModelFormatError.self) {
      try TermStatistics(fileData: Data(two.dropLast(2) + [2, 2]), file: "x.stats")
    }
  }

  @Test func refusesPartsOfAnotherTokenizer() throws {
    let a = try TermStatistics(counting: ["one two"], tokenizer: .unicode)
    let b = try TermStatistics(counting: ["one two"], tokenizer: .init(ngrams: 1...2))
    #expect(a.tokenizerDigest != b.tokenizerDigest)
    #expect(throws: ConfigurationError.self) { try TermStatistics.merged([a, b]) }
    #expect(throws: ConfigurationError.self) {
      try a.vectorizer(configuration: .init(counting: .init(tokenizer: .sklearn)))
    }
  }

  @Test func emptyPartsMergeAsNothing() throws {
    let documents = Self.corpus(40)
    let whole = try TermStatistics(counting: documents, tokenizer: .unicode)
    let empty = try TermStatistics(counting: [], tokenizer: .unicode)
    #expect(empty.documents == 0 && empty.count == 0)
    #expect(try TermStatistics.merged([empty, whole, empty]) == whole)
    #expect(throws: DataError.self) { try empty.vectorizer(configuration: .init()) }
  }
}

extension TermStatistics {
  fileprivate static func counting(_ documents: [String], _ tokenizer: Tokenizer.Configuration)
    throws -> TermStatistics
  {
    try TermStatistics(counting: documents, tokenizer: tokenizer)
  }
}

/// Found by the statistics-header fuzz target: a header promising `Int.max` terms trapped on
/// arithmetic overflow while the error message was being made.
@Suite struct TermStatisticsHeaderTests {
  @Test func aHugeTermCountIsRefusedWithoutOverflow() throws {
    let data = [UInt8](
      try TermStatistics(counting: ["alpha beta", "beta gamma"], tokenizer: .unicode).fileData())
    let length = Int(
      UInt32(data[8]) | UInt32(data[9]) << 8 | UInt32(data[10]) << 16 | UInt32(data[11]) << 24)
    var header = String(decoding: data[12..<(12 + length)], as: UTF8.self)
    header = header.replacingOccurrences(of: #""terms":3"#, with: #""terms":\#(Int.max)"#)
    #expect(header.contains("\(Int.max)"))
    var bytes = Array(data[0..<8])
    withUnsafeBytes(of: UInt32(header.utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
    bytes += Array(header.utf8) + data[(12 + length)...]
    #expect(throws: ModelFormatError.self) {
      try TermStatistics(fileData: Data(bytes), file: "x.stats")
    }
  }
}
