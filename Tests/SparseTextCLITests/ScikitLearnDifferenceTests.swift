import Foundation
import SparseText
import Testing

/// Issue 24 items 6 and 7: warnings scikit-learn gives that the command line did not, options
/// that were silently ignored, `tokenize --preprocess-only`, and the record bound's flag.
@Suite struct ScikitLearnDifferenceTests {
  /// scikit-learn: "The parameter 'token_pattern' will not be used since 'analyzer' != 'word'".
  @Test func tokenPatternWithCharacterAnalyzersWarns() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let corpus = try Hardening.corpus(in: dir)
    for analyzer in ["char", "char_wb"] {
      let result = try CLI.run([
        "vectorize", corpus.path, "--preset", "sklearn", "--analyzer", analyzer, "--ngrams", "2",
        "--token-pattern", "\\w+", "-o", dir.path + "/x-\(analyzer).npz",
      ])
      #expect(result.status == 0, "\(result.stderr)")
      #expect(
        result.stderr.contains("warning: --token-pattern is not used with --analyzer \(analyzer)"),
        "\(result.stderr)")
    }
    let word = try CLI.run([
      "vectorize", corpus.path, "--preset", "sklearn", "--token-pattern", "\\w+", "-o",
      dir.path + "/w.npz",
    ])
    #expect(word.status == 0 && !word.stderr.contains("not used"), "\(word.stderr)")
  }

  /// scikit-learn: "Upper case characters found in vocabulary while 'lowercase' is True. These
  /// entries will not be matched with any documents".
  @Test func upperCaseVocabularyTermsWarnWhileLowercasing() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let corpus = try Hardening.corpus(in: dir)
    let vocabulary = dir.appendingPathComponent("v.json")
    try #"["goal", "Bank", "MATCH"]"#.write(to: vocabulary, atomically: true, encoding: .utf8)
    let lowercasing = try CLI.run([
      "vectorize", corpus.path, "--vocabulary-in", vocabulary.path, "-o", dir.path + "/x.npz",
    ])
    #expect(lowercasing.status == 0, "\(lowercasing.stderr)")
    #expect(lowercasing.stderr.contains("2 of the vocabulary's 3 terms"), "\(lowercasing.stderr)")
    #expect(lowercasing.stderr.contains("'Bank', 'MATCH'"), "\(lowercasing.stderr)")
    #expect(lowercasing.stderr.contains("pass --no-lowercase"), "\(lowercasing.stderr)")
    let kept = try CLI.run([
      "vectorize", corpus.path, "--vocabulary-in", vocabulary.path, "--no-lowercase", "-o",
      dir.path + "/y.npz",
    ])
    #expect(kept.status == 0 && !kept.stderr.contains("upper-case"), "\(kept.stderr)")
  }

  /// With --model, --ngrams, --preset, --norm and --binary were ignored while --min-df was
  /// refused: every vectorizer option is refused alike.
  @Test func modelRefusesEveryVectorizerOption() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let corpus = try Hardening.corpus(in: dir)
    let model = try Hardening.bundle(in: dir, corpus: corpus)
    for option in [
      ["--ngrams", "1-2"], ["--preset", "sklearn"], ["--norm", "l1"], ["--binary"],
      ["--min-df", "2"], ["--no-lowercase"], ["--stop-words", "english"],
    ] {
      let x = dir.appendingPathComponent("x.npz")
      let result = try CLI.run(
        ["vectorize", "--model", model.path, corpus.path, "-o", x.path] + option)
      #expect(result.status == 2, "\(option): \(result.stderr)")
      #expect(result.stderr.contains("drop "), "\(option): \(result.stderr)")
      #expect(!FileManager.default.fileExists(atPath: x.path))
    }
    let plain = try CLI.run([
      "vectorize", "--model", model.path, corpus.path, "-o", dir.path + "/x.npz", "-q",
    ])
    #expect(plain.status == 0, "\(plain.stderr)")
  }

  /// scikit-learn's `build_preprocessor()`: lowercasing and accent stripping, before tokens.
  @Test func preprocessOnlyPrintsThePreprocessedText() throws {
    let input = Data("Héllo WORLD, naïve Café\nSecond LINE\n".utf8)
    let sklearn = try CLI.run(
      [
        "tokenize", "-", "--format", "lines", "--preset", "sklearn", "--strip-accents", "unicode",
        "--preprocess-only",
      ], input: input)
    #expect(sklearn.status == 0, "\(sklearn.stderr)")
    // >>> TfidfVectorizer(strip_accents="unicode").build_preprocessor()("Héllo WORLD, naïve Café")
    // 'hello world, naive cafe'
    #expect(sklearn.stdout == "\"hello world, naive cafe\"\n\"second line\"\n")
    let kept = try CLI.run(
      ["tokenize", "-", "--format", "lines", "--preset", "sklearn", "--preprocess-only"],
      input: input)
    #expect(kept.stdout.hasPrefix("\"héllo world, naïve café\"\n"), "\(kept.stdout)")
    let both = try CLI.run(["tokenize", "-", "--preprocess-only", "--tokens-only"], input: input)
    #expect(both.status == 2)
  }

  /// The record bound (64 MiB by default) has a flag, named by the error it gives.
  @Test func recordBoundHasAFlag() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let corpus = dir.appendingPathComponent("long.txt")
    try ("short line\n" + String(repeating: "word ", count: 100) + "\n").write(
      to: corpus, atomically: true, encoding: .utf8)
    let bounded = try CLI.run(["tokenize", corpus.path, "--max-record-bytes", "64"])
    #expect(bounded.status == 3, "\(bounded.stderr)")
    #expect(bounded.stderr.contains("--max-record-bytes"), "\(bounded.stderr)")
    #expect(bounded.stderr.contains("\(corpus.path):2:"), "\(bounded.stderr)")
    let raised = try CLI.run(["tokenize", corpus.path, "--max-record-bytes", "1000"])
    #expect(raised.status == 0, "\(raised.stderr)")
    #expect(try CLI.run(["tokenize", corpus.path, "--max-record-bytes", "0"]).status == 2)
    // A file of a --files-from list is one record.
    let list = dir.appendingPathComponent("list.txt")
    try (corpus.path + "\n").write(to: list, atomically: true, encoding: .utf8)
    let listed = try CLI.run([
      "vectorize", "--files-from", list.path, "--max-record-bytes", "64", "-o",
      dir.path + "/x.npz",
    ])
    #expect(listed.status == 3, "\(listed.stderr)")
    #expect(listed.stderr.contains(corpus.path), "\(listed.stderr)")
  }

  /// `--hashing N --vocabulary-out F` exited 0 without writing F; a split that leaves no test
  /// document exited 0.
  @Test func outputsThatWouldBeMissingAreRefused() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let corpus = try Hardening.corpus(in: dir, count: 4)
    let hashing = try CLI.run([
      "vectorize", corpus.path, "--hashing", "16", "-o", dir.path + "/x.npz",
      "--vocabulary-out", dir.path + "/v.json",
    ])
    #expect(hashing.status == 2, "\(hashing.stderr)")
    #expect(hashing.stderr.contains("--vocabulary-out"), "\(hashing.stderr)")
    #expect(!FileManager.default.fileExists(atPath: dir.path + "/x.npz"))
    let single = try Hardening.corpus(in: dir, name: "one.txt", count: 1)
    let split = try CLI.run([
      "corpus", "split", single.path, "--train-out",
      dir.path + "/a.jsonl", "--test-out", dir.path + "/b.jsonl",
    ])
    #expect(split.status == 2, "\(split.stderr)")
    #expect(split.stderr.contains("0 test documents"), "\(split.stderr)")
    #expect(!FileManager.default.fileExists(atPath: dir.path + "/a.jsonl"))
  }
}

/// Issue 24 item 6: messages that showed Foundation's raw text or contradicted what happened.
@Suite struct Issue24MessageTests {
  /// `--statistics /dev/null` printed `NSCocoaErrorDomain Code=257 … UserInfo={…}`, and a
  /// device as a stop-word list "You don't have permission".
  @Test func devicesAndDirectoriesAreNamedForWhatTheyAre() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let corpus = try Hardening.corpus(in: dir)
    let statistics = try CLI.run([
      "fit", corpus.path, "--statistics", "/dev/null", "-o", dir.path + "/m", "-q",
    ])
    #expect(statistics.status == 4, "\(statistics.stderr)")
    #expect(statistics.stderr.contains("'/dev/null'"), "\(statistics.stderr)")
    #expect(statistics.stderr.contains("not a sparsetext term-statistics file"))
    let folder = dir.appendingPathComponent("lists")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
    for path in ["/dev/null", folder.path] {
      let stopWords = try CLI.run([
        "vectorize", corpus.path, "--stop-words", path, "-o", dir.path + "/x.npz", "-q",
      ])
      #expect(!stopWords.stderr.contains("You don"), "\(stopWords.stderr)")
      #expect(!stopWords.stderr.contains("NSCocoaErrorDomain"), "\(stopWords.stderr)")
      if path == folder.path {
        #expect(stopWords.status == 3, "\(stopWords.stderr)")
        #expect(stopWords.stderr.contains("it is a directory"), "\(stopWords.stderr)")
      } else {
        // An empty list: nothing to drop.
        #expect(stopWords.status == 0, "\(stopWords.stderr)")
      }
    }
  }

  /// `experiment --label-fractions 2` was refused only after every pipeline was fitted (82 s on
  /// BBC's training part): now before any reading (a missing input is not even opened).
  @Test func labelFractionsAreCheckedBeforeAnyWork() throws {
    let result = try CLI.run([
      "experiment", "/nonexistent/corpus.jsonl", "--label-fractions", "0.5,2", "--no-autoencoder",
    ])
    #expect(result.status == 2, "\(result.stderr)")
    #expect(result.stderr.contains("--label-fractions is 2.0, but it must be in (0, 1]"))
    #expect(!result.stderr.contains("corpus.jsonl"), "\(result.stderr)")
  }

  /// The warning about records skipped by `--on-bad-record skip` told the user to set
  /// `onBadRecord` to skip.
  @Test func skippedRecordsAreReportedWithoutAdviceToSkipThem() throws {
    let input = Data("{\"text\": \"a\"\n{\"text\": \"goal match\"}\n".utf8)
    let result = try CLI.run(
      ["tokenize", "-", "--format", "jsonl", "--on-bad-record", "skip"], input: input)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout == "[\"goal\",\"match\"]\n")
    #expect(result.stderr.contains("skipped 1 malformed record(s); first: <stdin>:1"))
    #expect(!result.stderr.contains("onBadRecord") && !result.stderr.contains("to skip"))
  }
}
