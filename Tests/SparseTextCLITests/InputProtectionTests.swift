import Foundation
import SparseText
import Testing

/// Issue 24 item 1: no output is one of the inputs, for every path a command reads (the main
/// input, each file of a list, stop words, vocabularies, configurations, models, indexes, the
/// files a report directory will hold), compared by identity (hard and symbolic links count).
/// Each refusal is exit code 2, names both roles and the path, and writes nothing.
@Suite struct InputProtectionTests {
  /// The bytes of every ordinary file under `directory` (hidden ones too), by relative path.
  static func snapshot(_ directory: URL) throws -> [String: Data] {
    var files: [String: Data] = [:]
    let enumerator = try #require(FileManager.default.enumerator(atPath: directory.path))
    for case let name as String in enumerator {
      let url = directory.appendingPathComponent(name)
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory),
        !isDirectory.boolValue
      {
        files[name] = try Data(contentsOf: url)
      }
    }
    return files
  }

  /// Runs `arguments` expecting a refusal: status 2, a message naming `roles` and `path`, and
  /// every file under `directory` as it was.
  static func expectRefusal(
    _ arguments: [String], in directory: URL, naming roles: [String], path: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let before = try snapshot(directory)
    let result = try CLI.run(arguments + ["-q"])
    #expect(result.status == 2, "\(arguments): \(result.stderr)", sourceLocation: sourceLocation)
    for role in roles {
      #expect(
        result.stderr.contains(role), "\(arguments): no \(role) in \(result.stderr)",
        sourceLocation: sourceLocation)
    }
    #expect(
      result.stderr.contains(path), "\(arguments): no \(path) in \(result.stderr)",
      sourceLocation: sourceLocation)
    #expect(result.stderr.contains("Nothing was written"), sourceLocation: sourceLocation)
    #expect(try snapshot(directory) == before, "\(arguments)", sourceLocation: sourceLocation)
  }

  /// `score MODEL in.jsonl -o in.jsonl` replaced the input with scores (JSONL, CSV, through a
  /// symbolic link, through a hard link).
  @Test func scoreKeepsItsInput() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let corpus = try Hardening.corpus(in: dir)
    let model = try Hardening.bundle(in: dir, corpus: corpus)
    let jsonl = dir.appendingPathComponent("in.jsonl")
    try (0..<6).map { #"{"text": "goal match team \#($0)"}"# }.joined(separator: "\n")
      .write(to: jsonl, atomically: true, encoding: .utf8)
    let csv = dir.appendingPathComponent("in.csv")
    try "text\ngoal match team\nbank shares profit\n".write(
      to: csv, atomically: true, encoding: .utf8)
    let symbolic = dir.appendingPathComponent("soft.jsonl")
    try FileManager.default.createSymbolicLink(at: symbolic, withDestinationURL: jsonl)
    let hard = dir.appendingPathComponent("hard.jsonl")
    try FileManager.default.linkItem(at: jsonl, to: hard)
    for (input, output) in [
      (jsonl, jsonl), (csv, csv), (jsonl, symbolic), (symbolic, jsonl), (jsonl, hard),
    ] {
      try Self.expectRefusal(
        ["score", model.path, input.path, "-o", output.path], in: dir, naming: ["-o", "INPUT"],
        path: input.path)
    }
    // The model's own files are inputs too.
    try Self.expectRefusal(
      ["score", model.path, jsonl.path, "-o", model.appendingPathComponent("s.jsonl").path],
      in: dir, naming: ["-o", "MODEL"], path: model.path)
    let scores = dir.appendingPathComponent("scores.jsonl")
    #expect(try CLI.run(["score", model.path, jsonl.path, "-o", scores.path, "-q"]).status == 0)
    #expect(FileManager.default.fileExists(atPath: scores.path))
  }

  /// `vectorize c.txt --stop-words sw.jsonl -o sw.jsonl` replaced the stop-word list; the same
  /// for `--vocabulary-in`.
  @Test func vectorizeKeepsStopWordsAndVocabulary() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let corpus = try Hardening.corpus(in: dir)
    let stopWords = dir.appendingPathComponent("sw.jsonl")
    try "the\nand\n".write(to: stopWords, atomically: true, encoding: .utf8)
    try Self.expectRefusal(
      ["vectorize", corpus.path, "--stop-words", stopWords.path, "-o", stopWords.path], in: dir,
      naming: ["-o", "--stop-words"], path: stopWords.path)
    let hard = dir.appendingPathComponent("sw-link.jsonl")
    try FileManager.default.linkItem(at: stopWords, to: hard)
    try Self.expectRefusal(
      ["vectorize", corpus.path, "--stop-words", stopWords.path, "-o", hard.path], in: dir,
      naming: ["-o", "--stop-words", "another name"], path: stopWords.path)
    let vocabulary = dir.appendingPathComponent("v.json")
    try #"{"goal": 0, "bank": 1}"#.write(to: vocabulary, atomically: true, encoding: .utf8)
    try Self.expectRefusal(
      [
        "vectorize", corpus.path, "--vocabulary-in", vocabulary.path, "-o",
        dir.appendingPathComponent("x.npz").path, "--vocabulary-out", vocabulary.path,
      ], in: dir, naming: ["--vocabulary-out", "--vocabulary-in"], path: vocabulary.path)
    // The statistics of a part, counted without the stop words they would replace.
    let statistics = dir.appendingPathComponent("sw.stats")
    try "the\nand\n".write(to: statistics, atomically: true, encoding: .utf8)
    try Self.expectRefusal(
      [
        "vectorize", corpus.path, "--stop-words", statistics.path, "--statistics-out",
        statistics.path,
      ], in: dir, naming: ["--statistics-out", "--stop-words"], path: statistics.path)
  }

  /// `vectorize --files-from list.lst -o doc.jsonl`, where the list names `doc.jsonl`, replaced
  /// that document; also with the list on standard input (checked when it is read) and by
  /// hashing, which writes while it reads.
  @Test func vectorizeKeepsTheFilesOfAList() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let document = dir.appendingPathComponent("doc.jsonl")
    try "a goal in the cup final\n".write(to: document, atomically: true, encoding: .utf8)
    let other = dir.appendingPathComponent("other.txt")
    try "bank rates rise\n".write(to: other, atomically: true, encoding: .utf8)
    let list = dir.appendingPathComponent("list.txt")
    try "\(other.path)\n\(document.path)\n".write(to: list, atomically: true, encoding: .utf8)
    try Self.expectRefusal(
      ["vectorize", "--files-from", list.path, "-o", document.path], in: dir,
      naming: ["-o", "a file listed in --files-from"], path: document.path)
    try Self.expectRefusal(
      [
        "vectorize", "--files-from", list.path, "-o", dir.appendingPathComponent("x.jsonl").path,
        "--labels-out", list.path,
      ],
      in: dir, naming: ["--labels-out", "--files-from"], path: list.path)
    for extra in [[], ["--hashing", "16"]] {
      let before = try Self.snapshot(dir)
      let result = try CLI.run(
        ["vectorize", "--files-from", "-", "-o", document.path, "-q"] + extra,
        input: Data("\(other.path)\n\(document.path)\n".utf8))
      #expect(result.status == 2, "\(extra): \(result.stderr)")
      #expect(result.stderr.contains("a file listed in --files-from"), "\(result.stderr)")
      #expect(try Self.snapshot(dir) == before)
    }
  }

  /// `experiment … --report DIR` overwrote an input in DIR: every file the report directory
  /// will hold is an output, checked before any work; other files in DIR may be read.
  @Test func experimentKeepsInputsInItsReportDirectory() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let report = dir.appendingPathComponent("out")
    try FileManager.default.createDirectory(at: report, withIntermediateDirectories: false)
    let train = try Hardening.corpus(in: report, name: "report.md")
    let test = try Hardening.corpus(in: dir, name: "test.txt", count: 20)
    let arguments = [
      "experiment", "--train", train.path, "--test", test.path, "--format", "fasttext",
      "--no-autoencoder", "--report",
    ]
    try Self.expectRefusal(
      arguments + [report.path], in: dir, naming: ["--report", "--train"], path: train.path)
    // A hard link from the report's place to an input elsewhere.
    let elsewhere = try Hardening.corpus(in: dir, name: "train.txt")
    let second = dir.appendingPathComponent("second")
    try FileManager.default.createDirectory(at: second, withIntermediateDirectories: false)
    try FileManager.default.linkItem(
      at: elsewhere, to: second.appendingPathComponent("report.json"))
    try Self.expectRefusal(
      [
        "experiment", "--train", elsewhere.path, "--test", test.path, "--no-autoencoder",
        "--report", second.path,
      ], in: dir, naming: ["--report", "--train", "another name"], path: elsewhere.path)
    // An input beside the report's files is read, and the report is written.
    let beside = try Hardening.corpus(in: report, name: "train.txt")
    let run = try CLI.run([
      "experiment", "--train", beside.path, "--test", test.path, "--no-autoencoder", "--report",
      report.path, "-q",
    ])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(FileManager.default.fileExists(atPath: report.appendingPathComponent("report.md").path))
  }

  /// The configuration and statistics a fit reads may not be in the bundle it writes.
  @Test func fitKeepsItsConfiguration() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let corpus = try Hardening.corpus(in: dir)
    let model = try Hardening.bundle(in: dir, corpus: corpus)
    try Self.expectRefusal(
      [
        "fit", corpus.path, "--config", model.appendingPathComponent("config.json").path, "-o",
        model.path,
      ], in: dir, naming: ["-o", "--config"], path: model.appendingPathComponent("config.json").path
    )
    try Self.expectRefusal(
      ["fit", model.appendingPathComponent("vocabulary.json").path, "-o", model.path], in: dir,
      naming: ["-o", "INPUT"], path: model.path)
  }

  /// `index`, `search` and `duplicates`: an index inside the model it reads, search results
  /// over the queries, or inside the index or the model the index records.
  @Test func searchCommandsKeepTheirInputs() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let corpus = try Hardening.corpus(in: dir)
    let model = try Hardening.bundle(in: dir, corpus: corpus)
    try Self.expectRefusal(
      ["index", model.path, corpus.path, "-o", model.appendingPathComponent("index").path],
      in: dir, naming: ["-o", "MODEL"], path: model.path)
    let index = dir.appendingPathComponent("idx")
    let made = try CLI.run(["index", model.path, corpus.path, "-o", index.path, "-q"])
    #expect(made.status == 0, "\(made.stderr)")
    let queries = dir.appendingPathComponent("q.jsonl")
    try #"{"text": "goal match"}"#.write(to: queries, atomically: true, encoding: .utf8)
    try Self.expectRefusal(
      ["search", index.path, "--queries", queries.path, "-o", queries.path], in: dir,
      naming: ["-o", "--queries"], path: queries.path)
    try Self.expectRefusal(
      ["search", index.path, "goal", "-o", index.appendingPathComponent("hits.jsonl").path],
      in: dir, naming: ["-o", "INDEX"], path: index.path)
    // The model the index records is read for text queries, though not named on the line.
    try Self.expectRefusal(
      ["search", index.path, "goal", "-o", model.appendingPathComponent("hits.jsonl").path],
      in: dir, naming: ["-o", "the model INDEX records"], path: model.path)
    try Self.expectRefusal(
      ["duplicates", index.path, "-o", index.appendingPathComponent("pairs.csv").path], in: dir,
      naming: ["-o", "INDEX"], path: index.path)
  }

  /// The other commands that write files: encode, predict, export-embeddings, train-sae,
  /// statistics merge, and a folder corpus read as a whole.
  @Test func everyOtherWriterKeepsItsInputs() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let corpus = try Hardening.corpus(in: dir)
    let model = try Hardening.bundle(in: dir, corpus: corpus)
    let csv = dir.appendingPathComponent("in.csv")
    try "text\ngoal match team\nbank shares profit\n".write(
      to: csv, atomically: true, encoding: .utf8)
    let hard = dir.appendingPathComponent("hard.csv")
    try FileManager.default.linkItem(at: csv, to: hard)
    try Self.expectRefusal(
      ["encode", model.path, csv.path, "-o", hard.path], in: dir, naming: ["-o", "INPUT"],
      path: csv.path)
    try Self.expectRefusal(
      ["predict", model.path, csv.path, "-o", csv.path], in: dir, naming: ["-o", "INPUT"],
      path: csv.path)
    let vectors = dir.appendingPathComponent("v.txt")
    try "keep\n".write(to: vectors, atomically: true, encoding: .utf8)
    try Self.expectRefusal(
      ["export-embeddings", model.path, "-o", model.appendingPathComponent("v.txt").path],
      in: dir, naming: ["-o", "MODEL"], path: model.path)
    let x = dir.appendingPathComponent("x.npz")
    #expect(try CLI.run(["vectorize", corpus.path, "-o", x.path, "-q"]).status == 0)
    let sae = dir.appendingPathComponent("sae")
    try FileManager.default.createDirectory(at: sae, withIntermediateDirectories: false)
    let inside = sae.appendingPathComponent("x.npz")
    try FileManager.default.linkItem(at: x, to: inside)
    // train-sae replaces only its own directories, so features inside one are refused first
    // for that reason; either way nothing is written.
    let train = try CLI.run(["train-sae", inside.path, "-o", sae.path, "--hidden", "2", "-q"])
    #expect(train.status == 2, "\(train.stderr)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: sae.path) == ["x.npz"])
    let part = dir.appendingPathComponent("a.stats")
    #expect(
      try CLI.run(["vectorize", corpus.path, "--statistics-out", part.path, "-q"]).status == 0)
    try Self.expectRefusal(
      ["statistics", "merge", part.path, "-o", part.path], in: dir, naming: ["-o", "PART"],
      path: part.path)
    // A folder corpus covers its files: a link to one of them is that file.
    let folder = dir.appendingPathComponent("folder")
    try FileManager.default.createDirectory(
      at: folder.appendingPathComponent("sport"), withIntermediateDirectories: true)
    let document = folder.appendingPathComponent("sport/1.txt")
    try "a late goal".write(to: document, atomically: true, encoding: .utf8)
    let linked = dir.appendingPathComponent("labels.txt")
    try FileManager.default.linkItem(at: document, to: linked)
    try Self.expectRefusal(
      ["vectorize", folder.path, "-o", x.path, "--labels-out", linked.path], in: dir,
      naming: ["--labels-out", "INPUT", "under another name"], path: folder.path)
  }

  /// Two outputs of one run name each other's role.
  @Test func twoOutputsAreNamed() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let corpus = try Hardening.corpus(in: dir)
    let a = dir.appendingPathComponent("a.jsonl").path
    try Self.expectRefusal(
      ["corpus", "split", corpus.path, "--train-out", a, "--test-out", a], in: dir,
      naming: ["--train-out", "--test-out", "two outputs"], path: a)
  }
}
