import Foundation
import Testing

@testable import SparseText

@Suite struct FixedVocabularyTests {
  private func temporaryFile(_ text: String, name: String = "vocabulary.json") throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-vocabulary-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let url = directory.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url
  }

  @Test func readsTheJSONObjectItWrites() throws {
    // Canonically equivalent spellings, escapes, quotes and a non-BMP character stay distinct.
    let terms = ["zeta", "\u{E9}cole", "e\u{301}cole", "say \"hi\"", "a\\b", "tab\tin", "😀", "/"]
    let vocabulary = try Vocabulary(terms: terms)
    let read = try Vocabulary(jsonObject: vocabulary.jsonObject())
    #expect(read.terms.map { Array($0.utf8) } == terms.map { Array($0.utf8) })
  }

  @Test func readsEscapesAndColumnOrder() throws {
    let read = try Vocabulary(
      jsonObject: Data(#" { "b" : 1 , "\u00e9\ud83d\ude00" : 2, "a": 0 } "#.utf8))
    #expect(read.terms == ["a", "b", "é😀"])
  }

  @Test func readsOneTermPerLine() throws {
    let url = try temporaryFile("the\r\nfox\n\ndog\n", name: "terms.txt")
    #expect(try Vocabulary(contentsOf: url).terms == ["the", "fox", "dog"])
  }

  @Test(arguments: [
    (#"{"a": 0, "b": 2}"#, "column 2"), (#"{"a": 0, "b": 0}"#, "both have column 0"),
    (#"{"a": 0, "a": 1}"#, "twice"), (#"{"a": -1}"#, "column number"),
    (#"{"a": 0,}"#, "double quotes"), (#"{"a": 0} x"#, "after the object"), ("{}", "no terms"),
    (#"{"a\q": 0}"#, "invalid escape"), (#"{"\ud800": 0}"#, "surrogate"),
  ])
  func refusesBadJSON(_ text: String, _ expected: String) throws {
    let url = try temporaryFile(text)
    do {
      _ = try Vocabulary(contentsOf: url)
      Issue.record("\(text) was accepted")
    } catch let error as DataError {
      #expect("\(error)".contains(expected), "\(error)")
      #expect("\(error)".contains(url.path), "\(error)")
    }
  }

  @Test func fixedVocabularyKeepsItsOrderAndFitsIdf() throws {
    let documents = ["bb aa cc", "aa aa", "cc"]
    let vocabulary = try Vocabulary(terms: ["cc", "aa", "missing"])
    let (vectorizer, x) = try TfidfVectorizer.fitTransform(
      documents, vocabulary: vocabulary, configuration: .init(weighting: .init(norm: .none)))
    #expect(vectorizer.vocabulary.terms == ["cc", "aa", "missing"])
    // idf = ln((1 + 3) / (1 + df)) + 1 with df 2, 2, 0.
    let expected = [log(4.0 / 3) + 1, log(4.0 / 3) + 1, log(4.0) + 1]
    #expect(zip(vectorizer.idf, expected).allSatisfy { abs(Double($0) - $1) < 1e-6 })
    #expect(x.columns == 3)
    #expect(x.columnIndices == [0, 1, 1, 0])
    #expect(x.values.count == 4 && abs(Double(x.values[2]) - 2 * expected[1]) < 1e-5)
  }

  @Test func vectorizerBundleRoundTrips() throws {
    let documents = ["the fox", "the dog barks", "a fox and a dog"]
    let fitted = try TfidfVectorizer(
      fitting: documents,
      configuration: .init(
        counting: .init(tokenizer: .sklearn), weighting: .init(sublinearTF: true)))
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-vectorizer-\(UUID().uuidString)")
    try fitted.write(to: url)
    let read = try TfidfVectorizer(contentsOf: url)
    #expect(read.vocabulary == fitted.vocabulary)
    #expect(read.idf == fitted.idf)
    #expect(read.configuration == fitted.configuration)
    #expect(try read.transform(["the fox barks"]) == fitted.transform(["the fox barks"]))
    let pipeline = try TextFeaturePipeline(contentsOf: url)
    #expect(pipeline.autoencoder == nil && pipeline.classifier == nil)
    #expect(try pipeline.features(for: documents) == fitted.transform(documents))
  }
}

@Suite struct JSONStringTests {
  @Test func escapesAsRFC8259AndRoundTrips() throws {
    let texts = [
      "plain", "quote \" back \\ slash /", "\u{0}\u{1}\u{8}\u{C}\n\r\t\u{1F}", "é😀\u{2028}",
    ]
    for text in texts {
      let quoted = JSONString.quoted(text)
      let decoded = try JSONDecoder().decode(String.self, from: Data(quoted.utf8))
      #expect(Array(decoded.utf8) == Array(text.utf8))
    }
    #expect(JSONString.quoted("a\"b\\c/\n\u{1}") == #""a\"b\\c/\n\u0001""#)
  }

  @Test func stopWordsTheTokenizerSplitsAreReported() throws {
    let sklearn = try Tokenizer(.init(preset: .sklearn, stopWords: ["you've", "you", "a", "The"]))
    let found = try sklearn.inconsistentStopWords()
    #expect(found.map(\.entry) == ["you've", "The"])
    #expect(found.map(\.tokens) == [["ve"], ["the"]])
    let unicode = try Tokenizer(.init(stopWords: ["you've", "the"]))
    #expect(try unicode.inconsistentStopWords().isEmpty)
    let char = try Tokenizer(.init(preset: .sklearn, analyzer: .char, stopWords: ["you've"]))
    #expect(try char.inconsistentStopWords().isEmpty)
  }
}

/// Vocabulary files recognized by their content (issue 24, item 2): a bundle's
/// `vocabulary.json` was read one line per term and gave an all-zero matrix; binary garbage was
/// accepted as terms.
@Suite struct VocabularyFileTests {
  private func file(_ bytes: [UInt8], name: String = "v") throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-vocabulary-file-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let url = directory.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url
  }

  private func expectRefused(
    _ bytes: [UInt8], _ words: [String], sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let url = try file(bytes)
    do {
      let vocabulary = try Vocabulary(contentsOf: url)
      Issue.record("accepted as \(vocabulary.terms)", sourceLocation: sourceLocation)
    } catch let error as DataError {
      for word in [url.path] + words {
        #expect("\(error)".contains(word), "\(error)", sourceLocation: sourceLocation)
      }
    }
  }

  /// A bundle's own `vocabulary.json` (a JSON array, pretty-printed as JSONFormat writes it)
  /// gives its terms in order, and vectorizes as the bundle does.
  @Test func aBundlesVocabularyJSONIsItsTerms() throws {
    let documents = ["the fox runs", "the dog runs", "a fox and a dog"]
    let fitted = try TfidfVectorizer(fitting: documents)
    let bundle = FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-vocabulary-bundle-\(UUID().uuidString)")
    try fitted.write(to: bundle)
    let read = try Vocabulary(contentsOf: bundle.appendingPathComponent("vocabulary.json"))
    #expect(read.terms == fitted.vocabulary.terms)
    let x = try TfidfVectorizer.fitTransform(
      documents, vocabulary: read, configuration: fitted.configuration
    ).features
    #expect(x.nonzeroCount > 0)
    #expect(try x == fitted.transform(documents))
    // Compact, escaped, with canonically equivalent spellings kept apart.
    let url = try file(Array(#"["b","\u00e9","e\u0301", "tab\tin"]"#.utf8))
    #expect(
      try Vocabulary(contentsOf: url).terms.map { Array($0.utf8) }
        == ["b", "é", "e\u{301}", "tab\tin"].map { Array($0.utf8) })
  }

  @Test func badJSONArraysAreNamed() throws {
    try expectRefused(Array(#"["a", "b""#.utf8), ["expected ',' or ']'"])
    try expectRefused(Array(#"["a", 3]"#.utf8), ["byte offset 6", "double quotes"])
    try expectRefused(Array(#"["a", "a"]"#.utf8), ["'a' is listed twice"])
    try expectRefused(Array(#"["a", ""]"#.utf8), ["term 1 is empty"])
    try expectRefused(Array(#"[]"#.utf8), ["no terms"])
    try expectRefused(Array(#"["a"] ["b"]"#.utf8), ["after the array"])
  }

  /// Binary garbage, invalid UTF-8 and NUL bytes are not terms: refused with line and offset.
  @Test func binaryGarbageIsRefused() throws {
    try expectRefused(Array("good\nba".utf8) + [0] + Array("d\n".utf8), ["line 2", "NUL"])
    try expectRefused(Array("good\nfine\n".utf8) + [0xC3, 0x28], ["line 3", "byte offset 10"])
    try expectRefused([0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00], ["line 1", "control"])
    var generator = SystemRandomNumberGenerator()
    let noise = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }
    let url = try file(noise)
    #expect(throws: DataError.self) { try Vocabulary(contentsOf: url) }
    // Text with tabs, CRLF and blank lines is still fine.
    let text = try file(Array("a\tb\r\n\nc\n".utf8))
    #expect(try Vocabulary(contentsOf: text).terms == ["a\tb", "c"])
  }

  /// A vocabulary read from a pipe (one descriptor, read once) and the file-size bound.
  @Test func endlessInputIsRefused() throws {
    #expect(throws: DataError.fileTooLarge(file: "/dev/zero", limit: Vocabulary.fileLimit)) {
      try Vocabulary(contentsOf: URL(fileURLWithPath: "/dev/zero"))
    }
  }

  /// With lowercasing on, terms holding upper-case letters never match (scikit-learn warns).
  @Test func upperCaseTermsAreReportedWhenLowercasing() throws {
    let vocabulary = try Vocabulary(terms: ["fox", "Dog", "ÉCOLE", "ǅ", "naïve", "42"])
    #expect(try Tokenizer(.init()).unmatchableTerms(in: vocabulary) == ["Dog", "ÉCOLE", "ǅ"])
    #expect(
      try Tokenizer(.init(preset: .sklearn)).unmatchableTerms(in: vocabulary)
        == ["Dog", "ÉCOLE", "ǅ"])
    #expect(try Tokenizer(.init(lowercase: false)).unmatchableTerms(in: vocabulary).isEmpty)
  }
}
