import Foundation
import SparseText
import Testing

/// `index`, `search` and `duplicates` end to end on a tiny corpus: what they write, read back,
/// and what a moved model, a bad flag or a damaged index gives.
@Suite struct SearchCommandTests {
  typealias Topics = ScoreCommandTests

  /// A directory with `train.jsonl` (60 documents, ids `doc-N`), a model bundle `model/` and
  /// its index `index/`.
  static func indexed() throws -> URL {
    let dir = try CLI.temporaryDirectory()
    let train = dir.appendingPathComponent("train.jsonl")
    try Topics.jsonl(
      60, topics: [("sport", Topics.sport), ("money", Topics.money), ("music", Topics.music)]
    ).write(to: train, atomically: true, encoding: .utf8)
    let model = dir.appendingPathComponent("model").path
    let fit = try CLI.run([
      "fit", train.path, "-o", model, "--hidden", "6", "--epochs", "3", "--no-classifier", "-q",
    ])
    #expect(fit.status == 0, "\(fit.stderr)")
    let index = try CLI.run([
      "index", model, train.path, "-o", dir.appendingPathComponent("index").path, "--id-field",
      "id", "--json",
    ])
    #expect(index.status == 0, "\(index.stderr)")
    let summary = try JSONSerialization.jsonObject(with: Data(index.stdout.utf8)) as? [String: Any]
    #expect(summary?["documents"] as? Int == 60 && summary?["dimension"] as? Int == 6)
    #expect(index.stderr.contains("indexed 60 documents"))
    return dir
  }

  static func rows(_ text: String) -> [[String: Any]] {
    text.split(separator: "\n").map {
      (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) ?? [:]
    }
  }

  @Test func searchWritesTheLibrarysNeighboursAsJSONLinesAndCSV() throws {
    let dir = try Self.indexed()
    defer { try? FileManager.default.removeItem(at: dir) }
    let index = dir.appendingPathComponent("index")
    let queries = ["goal match team", "bank shares profit"]
    let out = try CLI.run(["search", index.path] + queries + ["-k", "4", "-q"])
    #expect(out.status == 0, "\(out.stderr)")
    #expect(out.stderr.isEmpty)
    let rows = Self.rows(out.stdout)
    #expect(rows.count == 8)
    #expect(out.stdout.hasPrefix("{\"query\":\"goal match team\",\"id\":\"doc-"))
    // The same neighbours as the library finds with the index and its recorded model.
    let loaded = try EmbeddingIndex(contentsOf: index, modelBundle: nil)
    let expected = try loaded.search(queries, options: .init(k: 4))
    #expect(
      rows.map { $0["query"] as? String } == queries.flatMap { Array(repeating: $0, count: 4) })
    #expect(rows.map { $0["id"] as? String } == expected.flatMap { $0.map(\.id) })
    #expect(rows.map { $0["rank"] as? Int } == [1, 2, 3, 4, 1, 2, 3, 4])
    for (row, hit) in zip(rows, expected.flatMap { $0 }) {
      #expect((row["score"] as? Double).map(Float.init) == hit.score)
    }
    // Documents like indexed ones: their own row left out, no model needed.
    try FileManager.default.moveItem(
      at: dir.appendingPathComponent("model"), to: dir.appendingPathComponent("gone"))
    let like = try CLI.run(["search", index.path, "--like", "doc-4", "--like", "doc-5", "-k", "3"])
    #expect(like.status == 0, "\(like.stderr)")
    let likeRows = Self.rows(like.stdout)
    let neighbours = try loaded.neighbors(of: ["doc-4", "doc-5"], options: .init(k: 3))
    #expect(
      likeRows.map { $0["query"] as? String } == [
        "doc-4", "doc-4", "doc-4", "doc-5", "doc-5", "doc-5",
      ])
    #expect(likeRows.map { $0["id"] as? String } == neighbours.flatMap { $0.map(\.id) })
    #expect(!likeRows.prefix(3).contains { $0["id"] as? String == "doc-4" })
    try FileManager.default.moveItem(
      at: dir.appendingPathComponent("gone"), to: dir.appendingPathComponent("model"))

    // Queries from a corpus file, ids from --id-field, to a CSV file; a --min-score bound.
    let questions = dir.appendingPathComponent("questions.jsonl")
    try
      "{\"id\": \"q-a\", \"text\": \"album band tour\"}\n{\"id\": \"q-b\", \"text\": \"rates bond\"}\n"
      .write(to: questions, atomically: true, encoding: .utf8)
    let csv = dir.appendingPathComponent("hits.csv")
    let toFile = try CLI.run([
      "search", index.path, "--queries", questions.path, "--id-field", "id", "-o", csv.path,
      "-k", "3", "--json",
    ])
    #expect(toFile.status == 0, "\(toFile.stderr)")
    let summary =
      try JSONSerialization.jsonObject(with: Data(toFile.stdout.utf8)) as? [String: Any]
    #expect(summary?["queries"] as? Int == 2 && summary?["neighbors"] as? Int == 6)
    let lines = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n")
    #expect(lines.count == 7 && lines[0] == "query,id,score,rank")
    #expect(lines[1].hasPrefix("q-a,doc-") && lines[4].hasPrefix("q-b,doc-"))
    let bounded = try CLI.run([
      "search", index.path, "album band tour", "-k", "60", "--min-score", "0.5", "-q",
    ])
    let scores = Self.rows(bounded.stdout).compactMap { $0["score"] as? Double }
    #expect(!scores.isEmpty && scores.count < 60 && scores.allSatisfy { $0 >= 0.5 })
    #expect(scores == scores.sorted(by: >))

    // A stream stage: queries on standard input, rows on standard output, the summary on
    // standard error; an empty stream is no error.
    let piped = try CLI.run(
      ["search", index.path, "--queries", "-", "--format", "jsonl", "-k", "1", "--json"],
      input: Data(contentsOf: questions))
    #expect(piped.status == 0, "\(piped.stderr)")
    #expect(Self.rows(piped.stdout).map { $0["query"] as? String } == ["0", "1"])
    #expect(piped.stderr.contains("\"queries\":2"))
    let empty = try CLI.run(
      ["search", index.path, "--queries", "-", "--format", "lines", "-q"], input: Data())
    #expect(empty.status == 0 && empty.stdout.isEmpty)
  }

  /// `search INDEX "text"` finds the model the index was built with; a moved model gives an
  /// error naming --model, and --model another model's bundle is refused.
  @Test func searchFindsTheModelOrSaysWhichFlagToPass() throws {
    let dir = try Self.indexed()
    defer { try? FileManager.default.removeItem(at: dir) }
    let index = dir.appendingPathComponent("index").path
    let model = dir.appendingPathComponent("model")
    let before = try CLI.run(["search", index, "goal match", "-k", "2", "-q"])
    #expect(before.status == 0 && Self.rows(before.stdout).count == 2)

    let moved = dir.appendingPathComponent("models/news")
    try FileManager.default.createDirectory(
      at: moved.deletingLastPathComponent(), withIntermediateDirectories: true)
    try FileManager.default.moveItem(at: model, to: moved)
    let lost = try CLI.run(["search", index, "goal match", "-k", "2"])
    #expect(lost.status == 2)
    #expect(lost.stdout.isEmpty)
    #expect(lost.stderr.contains(model.path) && lost.stderr.contains("(--model)"), "\(lost.stderr)")
    let given = try CLI.run(["search", index, "goal match", "-k", "2", "--model", moved.path])
    #expect(given.status == 0 && given.stdout == before.stdout)

    // The index and the model moved together (relative paths), from another directory.
    let project = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: project) }
    try FileManager.default.moveItem(at: moved, to: project.appendingPathComponent("model"))
    try FileManager.default.moveItem(
      atPath: index, toPath: project.appendingPathComponent("index").path)
    let together = try CLI.run(["search", "index", "goal match", "-k", "2"], in: project)
    #expect(together.status == 0 && together.stdout == before.stdout, "\(together.stderr)")

    // Another model's bundle.
    let other = dir.appendingPathComponent("other").path
    let fit = try CLI.run([
      "fit", dir.appendingPathComponent("train.jsonl").path, "-o", other, "--hidden", "6",
      "--epochs", "1", "--seed", "5", "--no-classifier", "-q",
    ])
    #expect(fit.status == 0, "\(fit.stderr)")
    let wrong = try CLI.run([
      "search", project.appendingPathComponent("index").path, "goal", "--model", other,
    ])
    #expect(wrong.status == 2)
    #expect(wrong.stderr.contains("another space") && wrong.stderr.contains("(--model)"))
  }

  @Test func duplicatesListsEachPairOnceBestFirst() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let train = dir.appendingPathComponent("train.jsonl")
    // doc-60 repeats doc-7's text, doc-61 doc-20's.
    var corpus = Topics.jsonl(
      60, topics: [("sport", Topics.sport), ("money", Topics.money), ("music", Topics.music)])
    let texts = Self.rows(corpus).map { $0["text"] as? String ?? "" }
    corpus += "{\"id\": \"doc-60\", \"label\": \"x\", \"text\": \"\(texts[7])\"}\n"
    corpus += "{\"id\": \"doc-61\", \"label\": \"x\", \"text\": \"\(texts[20])\"}\n"
    try corpus.write(to: train, atomically: true, encoding: .utf8)
    let model = dir.appendingPathComponent("model").path
    let index = dir.appendingPathComponent("index").path
    let fit = try CLI.run([
      "fit", train.path, "-o", model, "--hidden", "6", "--epochs", "2", "--no-classifier", "-q",
    ])
    #expect(fit.status == 0, "\(fit.stderr)")
    #expect(
      try CLI.run(["index", model, train.path, "-o", index, "--id-field", "id", "-q"]).status == 0)

    let out = try CLI.run(["duplicates", index, "--threshold", "0.9999", "-q"])
    #expect(out.status == 0, "\(out.stderr)")
    let pairs = Self.rows(out.stdout)
    let named = Set(
      pairs.map { "\($0["first_id"] as? String ?? "")|\($0["second_id"] as? String ?? "")" })
    #expect(named.contains("doc-7|doc-60") && named.contains("doc-20|doc-61"), "\(named)")
    #expect(pairs.allSatisfy { ($0["score"] as? Double ?? 0) >= 0.9999 })
    // The library's pairs, in its order; each pair once, first indexed first.
    let expected = try EmbeddingIndex(contentsOf: URL(fileURLWithPath: index)).duplicates(
      .init(threshold: 0.9999))
    #expect(pairs.map { $0["first_id"] as? String } == expected.map(\.firstID))
    #expect(pairs.map { $0["second_id"] as? String } == expected.map(\.secondID))

    // A lower threshold lists more, to a CSV file; the summary counts them.
    let csv = dir.appendingPathComponent("pairs.csv").path
    let more = try CLI.run(["duplicates", index, "--threshold", "0.5", "-o", csv, "--json"])
    #expect(more.status == 0, "\(more.stderr)")
    let summary = try JSONSerialization.jsonObject(with: Data(more.stdout.utf8)) as? [String: Any]
    let count = try #require(summary?["pairs"] as? Int)
    #expect(count > pairs.count)
    #expect(summary?["threshold"] as? Double == 0.5)
    let lines = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
    #expect(lines.count == count + 1 && lines[0] == "first_id,second_id,score")
  }

  @Test func experimentRetrievalWritesAReport() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let topics = [("sport", Topics.sport), ("money", Topics.money), ("music", Topics.music)]
    let train = dir.appendingPathComponent("train.jsonl")
    let test = dir.appendingPathComponent("test.jsonl")
    try Topics.jsonl(60, topics: topics).write(to: train, atomically: true, encoding: .utf8)
    try Topics.jsonl(15, offset: 60, topics: topics).write(
      to: test, atomically: true, encoding: .utf8)
    let report = dir.appendingPathComponent("report")
    let result = try CLI.run([
      "experiment", "--retrieval", "--train", train.path, "--test", test.path, "--hidden", "6",
      "--epochs", "2", "--report", report.path, "-q",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let lines = result.stdout.split(separator: "\n")
    #expect(lines.first?.hasPrefix("representation") == true)
    #expect(lines.contains { $0.hasPrefix("tfidf ") } && lines.contains { $0.hasPrefix("svd_256") })
    #expect(
      lines.contains { $0.hasPrefix("codes ") } && lines.contains { $0.hasPrefix("codes_raw") })
    let json =
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: report.appendingPathComponent("report.json"))) as? [String: Any]
    let summary = try #require(json?["summary"] as? [[String: Any]])
    #expect(summary.map { $0["name"] as? String } == ["tfidf", "svd_256", "codes", "codes_raw"])
    #expect(summary.allSatisfy { $0["precision_at_k"] is Double && $0["nmi_mean"] is Double })
    let markdown = try String(
      contentsOf: report.appendingPathComponent("report.md"), encoding: .utf8)
    #expect(markdown.contains("| representation | dim | P@10 | MAP |"))
    // One division only.
    let cv = try CLI.run(["experiment", "--retrieval", train.path, "--cv", "3", "-q"])
    #expect(cv.status == 2 && cv.stderr.contains("--retrieval runs on one training/test division"))
  }

  @Test func badInputsGiveActionableErrors() throws {
    let dir = try Self.indexed()
    defer { try? FileManager.default.removeItem(at: dir) }
    let index = dir.appendingPathComponent("index").path
    let train = dir.appendingPathComponent("train.jsonl").path
    let model = dir.appendingPathComponent("model").path
    func check(_ arguments: [String], status: Int32, _ message: String) throws {
      let result = try CLI.run(arguments)
      #expect(result.status == status, "\(arguments): \(result.stderr)")
      #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
      #expect(result.stdout.isEmpty, "\(arguments)")
    }
    try check(["search", index, "goal", "-k", "0"], status: 2, "-k is 0, but it must be 1 or more")
    try check(["search", index, "goal", "--min-score", "nan"], status: 2, "--min-score is nan")
    try check(["search", index], status: 2, "give query texts, --queries FILE")
    try check(
      ["search", index, "goal", "--queries", train], status: 2,
      "give one of query texts, --queries and --like")
    try check(
      ["search", index, "--like", "doc-999"], status: 3, "no row of the index has the id 'doc-999'")
    try check(
      ["search", index, "goal", "-o", dir.path + "/hits.txt"], status: 2,
      "hits.txt' ends in .txt, which names no format it can be written in: end it in .jsonl or .csv"
    )
    try check(["duplicates", index, "--threshold", "inf"], status: 2, "--threshold is inf")
    try check(
      ["duplicates", index, "-o", dir.path + "/pairs.npy"], status: 2,
      "pairs.npy' ends in .npy, which names no format")
    try check(
      ["index", model, train, "-o", dir.path + "/index.npy"], status: 2,
      "names a directory, but ends in .npy like a file")
    #expect(!FileManager.default.fileExists(atPath: dir.path + "/hits.txt"))

    // A corpus that gives two documents one id.
    let twice = dir.appendingPathComponent("twice.jsonl").path
    try "{\"id\": \"a\", \"text\": \"goal match\"}\n{\"id\": \"a\", \"text\": \"bank rates\"}\n"
      .write(toFile: twice, atomically: true, encoding: .utf8)
    try check(
      ["index", model, twice, "-o", dir.path + "/twice", "--id-field", "id"], status: 3,
      "the id 'a' is given to rows 0 and 1")
    #expect(!FileManager.default.fileExists(atPath: dir.path + "/twice"))
    // A model without an autoencoder, and an output that is not an index directory.
    let plain = dir.appendingPathComponent("plain").path
    #expect(
      try CLI.run(["fit", train, "-o", plain, "--no-autoencoder", "--no-classifier", "-q"]).status
        == 0)
    try check(["index", plain, train, "-o", dir.path + "/i2"], status: 2, "no autoencoder")
    try check(["index", model, train, "-o", model], status: 2, model)
    // A damaged index.
    let vectors = URL(fileURLWithPath: index).appendingPathComponent("vectors.npy")
    let bytes = try Data(contentsOf: vectors)
    try bytes.prefix(bytes.count - 5).write(to: vectors)
    try check(["duplicates", index], status: 4, "vectors.npy")
    try check(["search", index, "goal"], status: 4, "vectors.npy")
  }
}
