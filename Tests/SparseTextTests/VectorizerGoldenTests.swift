import Foundation
import Testing

@testable import SparseText

private struct GoldenDocuments: Decodable {
  let sklearn: String
  let documents: [String]
}

private struct GoldenParams: Decodable {
  let ngramRange: [Int]?
  let minDf: Double?
  let maxDf: Double?
  let maxFeatures: Int?
  let sublinearTf: Bool?
  let analyzer: String?
  let stripAccents: String?
  let norm: String?
  let stopWords: String?
  let useIdf: Bool?
  let smoothIdf: Bool?
  let binary: Bool?
  let lowercase: Bool?
  let nFeatures: Int?
  let alternateSign: Bool?
  let vocabulary: [String]?
  let tokenPattern: String?

  var tokenizer: Tokenizer.Configuration {
    var c = Tokenizer.Configuration.sklearn
    if let r = ngramRange { c.ngrams = r[0]...r[1] }
    if let a = analyzer { c.analyzer = Tokenizer.Analyzer(rawValue: a)! }
    if let s = stripAccents { c.stripAccents = Tokenizer.AccentStripping(rawValue: s)! }
    if stopWords == "english" { c.stopWords = StopWords.english }
    if let l = lowercase { c.lowercase = l }
    c.tokenPattern = tokenPattern
    return c
  }

  var vectorNorm: VectorNorm {
    norm.map { VectorNorm(rawValue: $0)! } ?? .l2
  }

  func bound(_ value: Double?, default fallback: DocumentFrequencyBound) -> DocumentFrequencyBound {
    guard let value else { return fallback }
    return value == value.rounded() && value > 1 ? .count(Int(value)) : .fraction(value)
  }
}

private struct GoldenCase: Decodable {
  let params: GoldenParams
  let vocabulary: [String]?
  let analyzed: [[String]]?
  let idf: [Double]?
  let matrix: GoldenCSR
}

@Suite struct VectorizerGoldenTests {
  static let vectorizerCases = [
    "tfidf_defaults", "tfidf_bigrams_pruned", "tfidf_char_wb_2_4", "tfidf_char_1_3",
    "tfidf_strip_ascii", "tfidf_strip_unicode_l1", "tfidf_stop_english_noidf",
    "tfidf_nosmooth_maxfeatures", "count_binary", "count_uppercase",
    "count_binary_maxfeatures", "tfidf_fixed_vocabulary", "count_fixed_vocabulary_binary",
    "tfidf_token_pattern_words", "count_token_pattern_group", "count_token_pattern_uppercase",
  ]

  static let hashingCases = [
    "hashing_1024_signed_nonorm", "hashing_1m_unsigned_nonorm", "hashing_1024_l2",
    "hashing_8_signed_nonorm", "hashing_8_binary_l2",
  ]

  private func documents() throws -> [String] {
    try GoldenFixtures.load(GoldenDocuments.self, "text/documents.json").documents
  }

  private func expectMatrix(_ actual: SparseMatrix, equals expected: GoldenCSR, _ name: String) {
    #expect(actual.rows == expected.shape[0], "\(name): rows")
    #expect(actual.columns == expected.shape[1], "\(name): columns")
    #expect(actual.rowOffsets == expected.indptr, "\(name): row offsets")
    #expect(actual.columnIndices == expected.indices, "\(name): column indices")
    guard actual.values.count == expected.data.count else { return }
    let worst = zip(actual.values, expected.data).map { abs(Double($0) - $1) }.max() ?? 0
    #expect(worst <= 1e-6, "\(name): largest difference \(worst)")
  }

  @Test(arguments: vectorizerCases)
  func matchesScikitLearn(_ name: String) throws {
    let golden = try GoldenFixtures.load(GoldenCase.self, "text/\(name).json")
    let docs = try documents()
    let p = golden.params
    let tokenizer = try Tokenizer(p.tokenizer)
    if let analyzed = golden.analyzed {
      for (document, expected) in zip(docs, analyzed) {
        #expect(try tokenizer.terms(in: document) == expected, "\(name): terms of \(document)")
      }
    }
    let configuration = TfidfVectorizer.Configuration(
      counting: .init(
        tokenizer: p.tokenizer,
        minDocumentFrequency: p.bound(p.minDf, default: .count(1)),
        maxDocumentFrequency: p.bound(p.maxDf, default: .fraction(1)),
        maxFeatures: p.maxFeatures, binary: p.binary ?? false),
      weighting: .init(
        norm: p.vectorNorm, useIDF: p.useIdf ?? true, smoothIDF: p.smoothIdf ?? true,
        sublinearTF: p.sublinearTf ?? false))
    let fixed = try p.vocabulary.map { try Vocabulary(terms: $0) }
    if let fixed {
      #expect(fixed.terms == golden.vocabulary)
    }
    if let fixed, name.hasPrefix("count") {
      let vectorizer = try CountVectorizer(
        vocabulary: fixed, configuration: configuration.counting)
      expectMatrix(try vectorizer.transform(docs), equals: golden.matrix, name)
    } else if let fixed {
      let (vectorizer, x) = try TfidfVectorizer.fitTransform(
        docs, vocabulary: fixed, configuration: configuration)
      let worst = zip(vectorizer.idf, golden.idf ?? []).map { abs(Double($0) - $1) }.max()
      #expect(vectorizer.idf.count == golden.idf?.count)
      #expect((worst ?? 1) <= 1e-6, "\(name): idf")
      expectMatrix(x, equals: golden.matrix, name)
      expectMatrix(try vectorizer.transform(docs), equals: golden.matrix, name + " (transform)")
    } else if name.hasPrefix("count") {
      let (vectorizer, counts) = try CountVectorizer.fitTransform(
        docs, configuration: configuration.counting)
      #expect(vectorizer.vocabulary.terms == golden.vocabulary)
      expectMatrix(counts, equals: golden.matrix, name)
      expectMatrix(try vectorizer.transform(docs), equals: golden.matrix, name + " (transform)")
    } else {
      let (vectorizer, x) = try TfidfVectorizer.fitTransform(docs, configuration: configuration)
      #expect(vectorizer.vocabulary.terms == golden.vocabulary)
      if let idf = golden.idf {
        let worst = zip(vectorizer.idf, idf).map { abs(Double($0) - $1) }.max() ?? 0
        #expect(worst <= 1e-6)
      }
      expectMatrix(x, equals: golden.matrix, name)
      expectMatrix(try vectorizer.transform(docs), equals: golden.matrix, name + " (transform)")
    }
  }

  @Test(arguments: hashingCases)
  func hashingMatchesScikitLearn(_ name: String) throws {
    let golden = try GoldenFixtures.load(GoldenCase.self, "text/\(name).json")
    let p = golden.params
    let vectorizer = try HashingVectorizer(
      .init(
        tokenizer: .sklearn, features: p.nFeatures ?? (1 << 20),
        alternateSign: p.alternateSign ?? true, binary: p.binary ?? false, norm: p.vectorNorm))
    expectMatrix(try vectorizer.transform(try documents()), equals: golden.matrix, name)
  }

  @Test func murmurHashKnownValues() {
    // Reference values of MurmurHash3_hash32 (seed 0 unless given).
    #expect(MurmurHash3.hash32("") == 0)
    #expect(MurmurHash3.hash32("", seed: 1) == 0x514E_28B7)
    #expect(MurmurHash3.hash32("test") == 0xBA6B_D213)
    #expect(MurmurHash3.hash32("Hello, world!", seed: 1234) == 0xFAF6_CDB3)
  }
}

@Suite struct TfidfAssemblyTests {
  /// `TfidfVectorizer.fitTransform` weights rows while it assembles them; the features are
  /// bit for bit those of counting first and then fitting and applying a `TfidfTransformer`,
  /// for every weighting setting.
  @Test(
    arguments: [VectorNorm.l2, .l1, .none],
    [(false, true, true), (true, false, true), (true, true, false)])
  func assembledFeaturesEqualCountsThenTransformer(
    _ norm: VectorNorm, _ flags: (sublinear: Bool, idf: Bool, smooth: Bool)
  ) throws {
    var documents: [String] = []
    var generator = SeededGenerator(seed: 31)
    let words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "café"]
    for d in 0..<300 {
      let length = 3 + Int(generator.next() % 200)  // long rows too, for the radix sort
      documents.append(
        (0..<length).map { _ in words[Int(generator.next() % 9)] + "\(generator.next() % 40)" }
          .joined(separator: d % 3 == 0 ? " " : ", "))
    }
    for binary in [false, true] {
      let configuration = TfidfVectorizer.Configuration(
        counting: .init(tokenizer: .sklearn, minDocumentFrequency: .count(2), binary: binary),
        weighting: .init(
          norm: norm, useIDF: flags.idf, smoothIDF: flags.smooth, sublinearTF: flags.sublinear))
      let (vectorizer, features) = try TfidfVectorizer.fitTransform(
        documents, configuration: configuration)
      let (_, counts) = try CountVectorizer.fitTransform(
        documents, configuration: configuration.counting)
      let transformer = TfidfTransformer(fitting: counts, configuration: configuration.weighting)
      #expect(vectorizer.transformer.idf == transformer.idf)
      let expected = try transformer.transform(counts)
      #expect(features.rowOffsets == expected.rowOffsets)
      #expect(features.columnIndices == expected.columnIndices)
      #expect(features.values.map(\.bitPattern) == expected.values.map(\.bitPattern))
      #expect(counts.values.contains { $0 > 1 } != binary)
    }
  }
}

extension VectorizerGoldenTests {
  /// Unigrams and bigrams are counted by their unigrams' ids; a token holding a space can be
  /// the same term as a bigram, and stop words make tokens adjacent, as in scikit-learn.
  @Test func unigramsAndBigramsCountedByTokenIDs() throws {
    var tokenizer = Tokenizer.Configuration.sklearn
    tokenizer.ngrams = 1...2
    tokenizer.tokenPattern = #"a b|\w+"#
    tokenizer.stopWords = ["c"]
    let docs = ["a c b a b", "a b x"]
    let (vectorizer, counts) = try CountVectorizer.fitTransform(
      docs, configuration: .init(tokenizer: tokenizer))
    #expect(vectorizer.vocabulary.terms == ["a", "a b", "a b x", "b", "b a b", "x"])
    #expect(counts.rowOffsets == [0, 4, 7])
    #expect(counts.columnIndices == [0, 1, 3, 4, 1, 2, 5])
    #expect(counts.values == [1, 2, 1, 1, 1, 1, 1])
    let again = try vectorizer.transform(docs)
    #expect(again.columnIndices == counts.columnIndices && again.values == counts.values)
  }
}
