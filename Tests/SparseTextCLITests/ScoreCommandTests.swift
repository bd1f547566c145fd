import Foundation
import Testing

@Suite struct ScoreCommandTests {
  static let sport = ["match", "goal", "team", "season", "coach", "league", "cup", "striker"]
  static let money = ["bank", "shares", "profit", "market", "rates", "investors", "growth", "bond"]
  static let music = ["album", "band", "singer", "chart", "tour", "guitar", "song", "stage"]

  /// JSONL records with ids `doc-N` and labels, from word lists.
  static func jsonl(_ count: Int, offset: Int = 0, topics: [(String, [String])]) -> String {
    (offset..<(offset + count)).map { i in
      let (label, words) = topics[i % topics.count]
      let text = (0..<5).map { words[(i + 3 * $0) % words.count] }.joined(separator: " ")
      return "{\"id\": \"doc-\(i)\", \"label\": \"\(label)\", \"text\": \"\(text)\"}"
    }.joined(separator: "\n") + "\n"
  }

  @Test func scoresInInputOrderInEveryFormat() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let train = dir.appendingPathComponent("train.jsonl")
    try Self.jsonl(60, topics: [("sport", Self.sport), ("money", Self.money)])
      .write(to: train, atomically: true, encoding: .utf8)
    let model = dir.appendingPathComponent("model").path
    let fit = try CLI.run([
      "fit", train.path, "-o", model, "--hidden", "4", "--epochs", "2", "--no-classifier", "-q",
    ])
    #expect(fit.status == 0, "\(fit.stderr)")
    // JSONL on standard output, ids from --id-field, about 1% flagged on the training text.
    let out = try CLI.run(["score", model, train.path, "--id-field", "id", "-q"])
    #expect(out.status == 0, "\(out.stderr)")
    let rows = out.stdout.split(separator: "\n").map {
      try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
    }
    #expect(rows.count == 60)
    #expect(rows.map { $0["id"] as? String } == (0..<60).map { "doc-\($0)" })
    for key in [
      "score", "squared_error", "squared_norm", "own_terms_error", "cosine_distance",
      "own_terms_cosine_distance", "code_mass",
    ] {
      #expect(rows[0][key] is Double, "\(key)")
    }
    // The default score: √(own-terms error / ‖x‖² × own-terms cosine distance).
    for row in rows.prefix(5) {
      let own = try #require(row["own_terms_error"] as? Double)
      let norm = try #require(row["squared_norm"] as? Double)
      let angle = try #require(row["own_terms_cosine_distance"] as? Double)
      let score = try #require(row["score"] as? Double)
      #expect(abs(score - (own / norm * angle).squareRoot()) <= 1e-12)
    }
    // At most 1% of the training text is above its 0.99 quantile (ties of repeated texts: 0).
    #expect(rows.filter { $0["outlier"] as? Bool == true }.count <= 1)
    // Standard input, a --json summary, and CSV and .npy files.
    let data = try Data(contentsOf: train)
    let csv = dir.appendingPathComponent("scores.csv").path
    let viaStdin = try CLI.run(
      ["score", model, "-", "--format", "jsonl", "-o", csv, "--json"], input: data)
    #expect(viaStdin.status == 0, "\(viaStdin.stderr)")
    let summary =
      try JSONSerialization.jsonObject(with: Data(viaStdin.stdout.utf8)) as! [String: Any]
    #expect(summary["documents"] as? Int == 60 && summary["outliers"] as? Int ?? 99 <= 1)
    #expect(summary["threshold"] is Double)
    let lines = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
    #expect(lines.count == 61 && lines[0].hasPrefix("id,score,"))
    #expect(lines[1].hasPrefix("0,"))
    let npy = dir.appendingPathComponent("scores.npy").path
    #expect(try CLI.run(["score", model, train.path, "-o", npy, "-q"]).status == 0)
    let bytes = try Data(contentsOf: URL(fileURLWithPath: npy))
    let header = String(decoding: bytes.prefix(128), as: UTF8.self)
    #expect(header.contains("(60, 10)"))
    #expect(bytes.count == 128 + 60 * 10 * 4)
    // A threshold below every score flags every document; a quantile outside (0, 1] is a
    // usage error.
    let all = try CLI.run([
      "score", model, train.path, "--threshold=-1e30", "--json", "-o", csv,
    ])
    #expect(
      (try JSONSerialization.jsonObject(with: Data(all.stdout.utf8)) as! [String: Any])["outliers"]
        as? Int == 60)
    #expect(try CLI.run(["score", model, train.path, "--outlier-quantile", "2"]).status == 2)
  }

  @Test func modelWithoutAutoencoderIsAUsageError() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let train = dir.appendingPathComponent("train.jsonl")
    try Self.jsonl(20, topics: [("sport", Self.sport), ("money", Self.money)])
      .write(to: train, atomically: true, encoding: .utf8)
    let model = dir.appendingPathComponent("model").path
    #expect(try CLI.run(["fit", train.path, "-o", model, "--no-autoencoder", "-q"]).status == 0)
    let result = try CLI.run(["score", model, train.path])
    #expect(result.status == 2)
    #expect(result.stderr.contains("no autoencoder"))
    #expect(result.stdout.isEmpty)
  }

  @Test func noveltyExperimentWritesItsReport() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let topics = [("sport", Self.sport), ("money", Self.money), ("music", Self.music)]
    let train = dir.appendingPathComponent("train.jsonl")
    let test = dir.appendingPathComponent("test.jsonl")
    try Self.jsonl(60, topics: topics).write(to: train, atomically: true, encoding: .utf8)
    try Self.jsonl(30, offset: 60, topics: topics).write(
      to: test, atomically: true, encoding: .utf8)
    let report = dir.appendingPathComponent("report").path
    let result = try CLI.run([
      "experiment", "--novelty", "--train", train.path, "--test", test.path, "--hidden", "4",
      "--epochs", "2", "--report", report, "-q",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("svd_error") && result.stdout.contains("nn_cosine_distance"))
    let json =
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: URL(fileURLWithPath: report + "/report.json"))) as! [String: Any]
    let heldOut = json["held_out"] as! [[String: Any]]
    #expect(heldOut.map { $0["held_out"] as? String } == ["money", "music", "sport"])
    // Topics with disjoint words: the nearest-neighbour baseline separates them perfectly.
    let auc = heldOut[0]["auc"] as! [String: Double]
    #expect(auc["nn_cosine_distance"] == 1)
    #expect(FileManager.default.fileExists(atPath: report + "/roc.svg"))
    let markdown = try String(contentsOfFile: report + "/report.md", encoding: .utf8)
    #expect(markdown.contains("| **mean** |"))
  }
}

@Suite struct ScoreIDColumnTests {
  @Test func csvInputTakesItsIDsFromAColumnAndLinesInputRefusesAnIDField() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let train = dir.appendingPathComponent("train.jsonl")
    try ScoreCommandTests.jsonl(
      40, topics: [("sport", ScoreCommandTests.sport), ("money", ScoreCommandTests.money)]
    )
    .write(to: train, atomically: true, encoding: .utf8)
    let model = dir.appendingPathComponent("model").path
    let fit = try CLI.run([
      "fit", train.path, "-o", model, "--hidden", "4", "--epochs", "2", "--no-classifier", "-q",
    ])
    #expect(fit.status == 0, "\(fit.stderr)")
    let csv = dir.appendingPathComponent("new.csv")
    try "key,text\nr-7,match goal team\n\"r,9\",bank shares profit\n"
      .write(to: csv, atomically: true, encoding: .utf8)
    let out = try CLI.run(["score", model, csv.path, "--id-field", "key", "-q"])
    #expect(out.status == 0, "\(out.stderr)")
    let ids = out.stdout.split(separator: "\n").map {
      (try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any])["id"] as? String
    }
    #expect(ids == ["r-7", "r,9"])
    // By index too; a column the header lacks is an error naming the columns.
    let byIndex = try CLI.run(["score", model, csv.path, "--id-field", "0", "-q"])
    #expect(byIndex.stdout.contains("\"id\":\"r-7\""), "\(byIndex.stdout)")
    let missing = try CLI.run(["score", model, csv.path, "--id-field", "nope", "-q"])
    #expect(missing.status != 0 && missing.stderr.contains("key, text"), "\(missing.stderr)")
    // Plain lines have no field to read an id from: refused, not ignored.
    let lines = dir.appendingPathComponent("new.txt")
    try "match goal team\n".write(to: lines, atomically: true, encoding: .utf8)
    let refused = try CLI.run(["score", model, lines.path, "--id-field", "id", "-q"])
    #expect(refused.status != 0 && refused.stderr.contains("id field"), "\(refused.stderr)")
    #expect(refused.stdout.isEmpty)
  }
}
