import Foundation
import Testing

@testable import SparseText

struct GoldenDocuments: Decodable {
  let sklearn: String
  let documents: [String]
}

struct GoldenParams: Decodable {
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
  let dtype: String?

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

  /// The vectorizer's configuration these parameters describe.
  var configuration: TfidfVectorizer.Configuration {
    TfidfVectorizer.Configuration(
      counting: .init(
        tokenizer: tokenizer,
        minDocumentFrequency: bound(minDf, default: .count(1)),
        maxDocumentFrequency: bound(maxDf, default: .fraction(1)),
        maxFeatures: maxFeatures, binary: binary ?? false),
      weighting: .init(
        norm: vectorNorm, useIDF: useIdf ?? true, smoothIDF: smoothIdf ?? true,
        sublinearTF: sublinearTf ?? false))
  }

  /// The hashing vectorizer's configuration these parameters describe.
  var hashing: HashingVectorizer.Configuration {
    .init(
      tokenizer: .sklearn, features: nFeatures ?? (1 << 20), alternateSign: alternateSign ?? true,
      binary: binary ?? false, norm: vectorNorm)
  }
}

struct GoldenCase: Decodable {
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
    "tfidf_float64_sublinear_l1", "tfidf_float64_nosmooth_l2",
  ]

  static let hashingCases = [
    "hashing_1024_signed_nonorm", "hashing_1m_unsigned_nonorm", "hashing_1024_l2",
    "hashing_8_signed_nonorm", "hashing_8_binary_l2", "hashing_1024_l1_float64",
  ]

  func documents() throws -> [String] {
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
    let configuration = p.configuration
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
    let vectorizer = try HashingVectorizer(golden.params.hashing)
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

extension VectorizerGoldenTests {
  /// Fingerprints (``Digest/fingerprint(of:)``) of each golden case's float32 features, fitted
  /// and then transformed, taken from the code before float64 features were computed in Double
  /// (issue 24 item 7): float32 features stay bit for bit what they were.
  static let float32Fingerprints: [String: String] = [
    "hashing_1024_l1_float64": "e53d7718f7e3790e",
    "hashing_1024_l2": "c48cea0a266a7f41",
    "hashing_1024_signed_nonorm": "e84276358b815e52",
    "hashing_1m_unsigned_nonorm": "1939f60d14373b31",
    "hashing_8_binary_l2": "13409980219d2c08",
    "hashing_8_signed_nonorm": "17ee70fb6e5bb4e7",
    "tfidf_bigrams_pruned": "64f0be5dc2c9536 64f0be5dc2c9536",
    "tfidf_char_1_3": "72ee270c229291b2 72ee270c229291b2",
    "tfidf_char_wb_2_4": "6a3e7d95479f27cf 6a3e7d95479f27cf",
    "tfidf_defaults": "722dd102e880a729 722dd102e880a729",
    "tfidf_fixed_vocabulary": "669b9b9e2e174618 669b9b9e2e174618",
    "tfidf_float64_nosmooth_l2": "5bf6c6b213f1463 5bf6c6b213f1463",
    "tfidf_float64_sublinear_l1": "d1ba8728bcd6dba5 d1ba8728bcd6dba5",
    "tfidf_nosmooth_maxfeatures": "9d57a93b82396e1d 9d57a93b82396e1d",
    "tfidf_stop_english_noidf": "7e8934f312573f0c 7e8934f312573f0c",
    "tfidf_strip_ascii": "720285a983d68fe2 720285a983d68fe2",
    "tfidf_strip_unicode_l1": "8e58979ea4df213c 8e58979ea4df213c",
    "tfidf_token_pattern_words": "2caa0f7523583436 2caa0f7523583436",
  ]

  @Test(arguments: vectorizerCases.filter { $0.hasPrefix("tfidf") } + hashingCases)
  func float32FeaturesStayBitIdentical(_ name: String) throws {
    let golden = try GoldenFixtures.load(GoldenCase.self, "text/\(name).json")
    let docs = try documents()
    let p = golden.params
    var features: [SparseMatrix] = []
    if name.hasPrefix("hashing") {
      features = [try HashingVectorizer(p.hashing).transform(docs)]
    } else if let terms = p.vocabulary {
      let (vectorizer, x) = try TfidfVectorizer.fitTransform(
        docs, vocabulary: try Vocabulary(terms: terms), configuration: p.configuration)
      features = [x, try vectorizer.transform(docs)]
    } else {
      let (vectorizer, x) = try TfidfVectorizer.fitTransform(docs, configuration: p.configuration)
      features = [x, try vectorizer.transform(docs)]
    }
    let prints = features.map { Digest.fingerprint(of: $0) }.joined(separator: " ")
    #expect(prints == Self.float32Fingerprints[name], "\(name): \(prints)")
  }
}
