import Foundation
import Testing

/// `encode`, `vectorize --model` and `score` as a stage of a stream: JSONL on standard input,
/// one JSON line per document on standard output, in input order, with ids from --id-field.
@Suite struct StreamingCLITests {
  /// Runs `script` with `/bin/sh -c`, `$B` naming the sparsetext binary.
  static func shell(_ script: String, in directory: URL) throws -> CLIResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", script]
    process.currentDirectoryURL = directory
    var environment = ProcessInfo.processInfo.environment
    environment["B"] = CLI.executable.path
    process.environment = environment
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CLIResult(
      status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
      stderr: String(decoding: errData, as: UTF8.self))
  }

  static func rows(_ text: String) -> [[String: Any]] {
    text.split(separator: "\n").compactMap {
      try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
  }

  static let sport = ["match", "goal", "team", "season", "coach", "league", "cup", "striker"]
  static let money = ["bank", "shares", "profit", "market", "rates", "investors", "growth", "bond"]

  /// A bundle fitted on 5,000 short documents (more than one 4,096-document block), ids in
  /// reverse so that positions and ids differ.
  static func fixture() throws -> URL {
    let dir = try CLI.temporaryDirectory()
    let records = (0..<5000).map { i -> String in
      let topic = i % 2 == 0 ? Self.sport : Self.money
      let text = (0..<5).map { topic[(i + 3 * $0) % topic.count] }.joined(separator: " ")
      return "{\"id\": \"doc-\(4999 - i)\", \"text\": \"\(text) w\(i % 50)\"}"
    }
    try (records.joined(separator: "\n") + "\n").write(
      to: dir.appendingPathComponent("corpus.jsonl"), atomically: true, encoding: .utf8)
    let fit = try CLI.run(
      [
        "fit", "corpus.jsonl", "-o", "model", "--hidden", "4", "--epochs", "1",
        "--no-classifier", "-q",
      ], in: dir)
    #expect(fit.status == 0, "\(fit.stderr)")
    return dir
  }

  @Test func encodeStreamsCodesWithIdsThroughAPipe() throws {
    let dir = try Self.fixture()
    defer { try? FileManager.default.removeItem(at: dir) }
    let piped = try Self.shell(
      "cat corpus.jsonl | \"$B\" encode model - --format jsonl -o - --output-format jsonl "
        + "--id-field id -q | cat > piped.jsonl", in: dir)
    #expect(piped.status == 0, "\(piped.stderr)")
    let file = try CLI.run(
      ["encode", "model", "corpus.jsonl", "--id-field", "id", "-o", "file.jsonl", "-q"], in: dir)
    #expect(file.status == 0, "\(file.stderr)")
    let streamed = try String(
      contentsOf: dir.appendingPathComponent("piped.jsonl"), encoding: .utf8)
    let written = try String(contentsOf: dir.appendingPathComponent("file.jsonl"), encoding: .utf8)
    // The same bytes as the file output, in input order, with the records' ids.
    #expect(streamed == written)
    let rows = Self.rows(streamed)
    #expect(rows.count == 5000)
    #expect(rows.map { $0["id"] as? String } == (0..<5000).map { "doc-\(4999 - $0)" })
    #expect((rows.first?["code"] as? [Double])?.count == 4)
    // Nothing but rows on standard output, even with --json (the summary goes to stderr).
    let json = try Self.shell(
      "head -3 corpus.jsonl | \"$B\" encode model - --format jsonl -o - --json", in: dir)
    #expect(json.status == 0 && Self.rows(json.stdout).allSatisfy { $0["code"] != nil })
    #expect(Self.rows(json.stdout).count == 3 && json.stderr.contains("\"documents\":3"))
  }

  @Test func vectorizeAndScoreStreamRowsWithIds() throws {
    let dir = try Self.fixture()
    defer { try? FileManager.default.removeItem(at: dir) }
    let vectors = try Self.shell(
      "\"$B\" vectorize --model model - --format jsonl -o - --output-format jsonl --id-field id "
        + "-q < corpus.jsonl", in: dir)
    #expect(vectors.status == 0, "\(vectors.stderr)")
    let file = try CLI.run(
      ["vectorize", "corpus.jsonl", "--model", "model", "-o", "x.jsonl"], in: dir)
    #expect(file.status == 0, "\(file.stderr)")
    let streamed = Self.rows(vectors.stdout)
    let written = Self.rows(
      try String(contentsOf: dir.appendingPathComponent("x.jsonl"), encoding: .utf8))
    #expect(streamed.count == 5000 && written.count == 5000)
    #expect(streamed.map { $0["id"] as? String } == (0..<5000).map { "doc-\(4999 - $0)" })
    for (a, b) in zip(streamed, written) {
      #expect(a["indices"] as? [Int] == b["indices"] as? [Int])
      #expect(a["values"] as? [Double] == b["values"] as? [Double])
    }
    let scores = try Self.shell(
      "cat corpus.jsonl | \"$B\" score model - --format jsonl -o - --output-format jsonl "
        + "--id-field id -q", in: dir)
    #expect(scores.status == 0, "\(scores.stderr)")
    let scored = Self.rows(scores.stdout)
    #expect(scored.count == 5000 && scored.last?["id"] as? String == "doc-0")
    #expect(scored.allSatisfy { $0["score"] is Double })
  }

  @Test func searchStreamsNeighboursOfQueriesThroughAPipe() throws {
    let dir = try Self.fixture()
    defer { try? FileManager.default.removeItem(at: dir) }
    let index = try CLI.run(
      ["index", "model", "corpus.jsonl", "-o", "index", "--id-field", "id", "-q"], in: dir)
    #expect(index.status == 0, "\(index.stderr)")
    let piped = try Self.shell(
      "cat corpus.jsonl | \"$B\" search index --queries - --format jsonl --id-field id -k 2 "
        + "--json | cat > piped.jsonl", in: dir)
    #expect(piped.status == 0, "\(piped.stderr)")
    #expect(piped.stderr.contains("\"queries\":5000"))
    let file = try CLI.run(
      [
        "search", "index", "--queries", "corpus.jsonl", "--id-field", "id", "-k", "2", "-o",
        "hits.jsonl", "-q",
      ], in: dir)
    #expect(file.status == 0, "\(file.stderr)")
    let streamed = try String(
      contentsOf: dir.appendingPathComponent("piped.jsonl"), encoding: .utf8)
    #expect(
      streamed
        == (try String(contentsOf: dir.appendingPathComponent("hits.jsonl"), encoding: .utf8)))
    let rows = Self.rows(streamed)
    #expect(rows.count == 10_000)
    #expect(rows.last?["query"] as? String == "doc-0" && rows.last?["rank"] as? Int == 2)
    let empty = try Self.shell(": | \"$B\" search index --queries - --format jsonl", in: dir)
    #expect(empty.status == 0 && empty.stdout.isEmpty, "\(empty.stderr)")
  }

  @Test func anEmptyStreamIsAnEmptyPartitionNotAnError() throws {
    let dir = try Self.fixture()
    defer { try? FileManager.default.removeItem(at: dir) }
    for command in [
      "\"$B\" encode model - --format jsonl -o -",
      "\"$B\" vectorize --model model - --format jsonl -o -",
      "\"$B\" score model - --format jsonl -o -",
    ] {
      let result = try Self.shell(": | " + command, in: dir)
      #expect(result.status == 0, "\(command): \(result.stderr)")
      #expect(result.stdout.isEmpty)
    }
    // A file output still needs documents; -o - needs a fixed vocabulary.
    #expect(
      try Self.shell(": | \"$B\" encode model - --format jsonl -o e.jsonl", in: dir).status != 0)
    let unfitted = try Self.shell("\"$B\" vectorize corpus.jsonl -o -", in: dir)
    #expect(unfitted.status == 2 && unfitted.stderr.contains("--model"))
  }
}
