import Foundation
import Testing

/// The golden fixture `name` of Tests/Golden/text.
private func golden(_ name: String) throws -> [String: Any] {
  let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Golden/text/\(name).json")
  return try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] ?? [:]
}

@Suite struct TokenizeCommandTests {
  /// `tokenize` prints scikit-learn's `build_analyzer()` output for the golden documents.
  @Test(arguments: [
    ("tfidf_bigrams_pruned", ["--ngrams", "1-2"]),
    ("tfidf_char_wb_2_4", ["--analyzer", "char_wb", "--ngrams", "2-4"]),
    ("tfidf_stop_english_noidf", ["--stop-words", "english"]),
    ("count_token_pattern_group", ["--token-pattern", #"(\w+)[.,;:!]"#]),
  ])
  func printsScikitLearnsAnalyzerOutput(_ name: String, _ options: [String]) throws {
    let documents = try golden("documents")["documents"] as? [String] ?? []
    let expected = try golden(name)["analyzed"] as? [[String]] ?? []
    #expect(documents.count == 16 && expected.count == 16)
    let dir = try CLI.temporaryDirectory()
    let input = dir.appendingPathComponent("docs.jsonl")
    let lines = try documents.map {
      String(decoding: try JSONSerialization.data(withJSONObject: ["text": $0]), as: UTF8.self)
    }
    try (lines.joined(separator: "\n") + "\n").write(to: input, atomically: true, encoding: .utf8)
    let result = try CLI.run(["tokenize", input.path, "--preset", "sklearn"] + options)
    #expect(result.status == 0, "\(result.stderr)")
    let printed = try result.stdout.split(separator: "\n").map {
      try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String] ?? ["?"]
    }
    #expect(printed == expected)
  }

  @Test func warnsAboutStopWordsAsScikitLearnDoes() throws {
    let dir = try CLI.temporaryDirectory()
    let input = dir.appendingPathComponent("docs.txt")
    try "You've said \"hi\\\" there\n".write(to: input, atomically: true, encoding: .utf8)
    let stop = dir.appendingPathComponent("stop.txt")
    try "you've\nthe\n".write(to: stop, atomically: true, encoding: .utf8)
    // The sklearn tokenizer splits you've: the entry can never match.
    let split = try CLI.run([
      "tokenize", input.path, "--preset", "sklearn", "--stop-words", stop.path,
    ])
    #expect(split.status == 0, "\(split.stderr)")
    #expect(split.stdout == #"["you","ve","said","hi","there"]"# + "\n")
    #expect(split.stderr.contains("'you've' → 'you', 've'"), "\(split.stderr)")
    // The unicode tokenizer keeps it whole: no warning, and it is removed.
    let whole = try CLI.run(["tokenize", input.path, "--stop-words", stop.path])
    #expect(whole.stdout == #"["said","hi","there"]"# + "\n")
    #expect(!whole.stderr.contains("warning"), "\(whole.stderr)")
    // Stop words with a character analyzer are not used.
    let char = try CLI.run([
      "tokenize", input.path, "--stop-words", "english", "--analyzer", "char", "--ngrams", "1",
    ])
    #expect(char.status == 0)
    #expect(char.stderr.contains("--stop-words is not used with --analyzer char"))
    // The stop list in effect, and the word tokens before n-grams, with escapes.
    let list = try CLI.run(["tokenize", "--stop-words", stop.path, "--print-stop-words"])
    #expect(list.stdout == "you've\nthe\n")
    let quoted = dir.appendingPathComponent("q.txt")
    try "a \"quoted\\\" tab\there\n".write(to: quoted, atomically: true, encoding: .utf8)
    let tokens = try CLI.run([
      "tokenize", quoted.path, "--preset", "sklearn", "--token-pattern", #"\S+"#, "--tokens-only",
      "--ngrams", "2",
    ])
    #expect(tokens.stdout == #"["a","\"quoted\\\"","tab","here"]"# + "\n", "\(tokens.stdout)")
  }
}
