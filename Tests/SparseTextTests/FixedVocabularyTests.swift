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
    #expect(read.transform(["the fox barks"]) == fitted.transform(["the fox barks"]))
    let pipeline = try TextFeaturePipeline(contentsOf: url)
    #expect(pipeline.autoencoder == nil && pipeline.classifier == nil)
    #expect(pipeline.features(for: documents) == fitted.transform(documents))
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
    let found = sklearn.inconsistentStopWords()
    #expect(found.map(\.entry) == ["you've", "The"])
    #expect(found.map(\.tokens) == [["ve"], ["the"]])
    let unicode = try Tokenizer(.init(stopWords: ["you've", "the"]))
    #expect(unicode.inconsistentStopWords().isEmpty)
    let char = try Tokenizer(.init(preset: .sklearn, analyzer: .char, stopWords: ["you've"]))
    #expect(char.inconsistentStopWords().isEmpty)
  }
}
