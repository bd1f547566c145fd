import Foundation
import Testing

/// `vectorize --statistics-out`, `statistics merge`, and `fit`/`vectorize --statistics`: the
/// vocabulary, idf and bundle from merged parts equal a fit on the whole corpus, bit for bit.
@Suite struct StatisticsCLITests {
  static let words = [
    "match", "goal", "team", "bank", "shares", "profit", "café", "straße", "北京", "🙂",
    "album", "band", "singer", "chart", "tour", "rates", "market", "bond", "coach", "cup",
  ]

  /// 210 JSONL records with skewed word frequencies.
  static func records() -> [String] {
    (0..<210).map { i in
      let text = (0..<(3 + i % 7)).map { k in
        let r = (i * 7 + k * 13) % words.count
        return words[(r * r) / words.count]
      }.joined(separator: " ")
      return "{\"id\": \"d\(i)\", \"text\": \"\(text)\"}"
    }
  }

  static let options = ["--min-df", "2", "--max-df", "0.8", "--max-features", "9", "-q"]

  @Test(arguments: [1, 2, 7])
  func mergedStatisticsFitTheSameBundleAsTheWholeCorpus(parts: Int) throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let records = Self.records()
    try (records.joined(separator: "\n") + "\n").write(
      to: dir.appendingPathComponent("all.jsonl"), atomically: true, encoding: .utf8)
    // Round-robin parts, so no part is a contiguous run of the corpus.
    var statisticsFiles: [String] = []
    for p in 0..<parts {
      let part = stride(from: p, to: records.count, by: parts).map { records[$0] }
      try (part.joined(separator: "\n") + "\n").write(
        to: dir.appendingPathComponent("part-\(p).jsonl"), atomically: true, encoding: .utf8)
      let counted = try CLI.run(
        ["vectorize", "part-\(p).jsonl", "--statistics-out", "part-\(p).stats", "-q"], in: dir)
      #expect(counted.status == 0, "\(counted.stderr)")
      statisticsFiles.append("part-\(p).stats")
    }
    let merge = try CLI.run(
      ["statistics", "merge"] + statisticsFiles.reversed() + ["-o", "all.stats", "--json"],
      in: dir)
    #expect(merge.status == 0, "\(merge.stderr)")
    #expect(merge.stdout.contains("\"documents\":210"))
    let direct = try CLI.run(
      ["vectorize", "all.jsonl", "-o", "direct.npz", "--vocabulary-out", "direct.json"]
        + Self.options, in: dir)
    #expect(direct.status == 0, "\(direct.stderr)")
    let merged = try CLI.run(
      [
        "vectorize", "all.jsonl", "--statistics", "all.stats", "-o", "merged.npz",
        "--vocabulary-out", "merged.json",
      ] + Self.options, in: dir)
    #expect(merged.status == 0, "\(merged.stderr)")
    func bytes(_ name: String) throws -> Data {
      try Data(contentsOf: dir.appendingPathComponent(name))
    }
    #expect(try bytes("merged.json") == bytes("direct.json"))
    #expect(try bytes("merged.npz").count > 0)
    // Fitted bundles: the same vocabulary and every tensor (idf, encoder, ...) bit for bit.
    let fitOptions = ["--hidden", "3", "--epochs", "2", "--no-classifier"] + Self.options
    let fitDirect = try CLI.run(["fit", "all.jsonl", "-o", "direct"] + fitOptions, in: dir)
    #expect(fitDirect.status == 0, "\(fitDirect.stderr)")
    let fitMerged = try CLI.run(
      ["fit", "all.jsonl", "--statistics", "all.stats", "-o", "merged"] + fitOptions, in: dir)
    #expect(fitMerged.status == 0, "\(fitMerged.stderr)")
    #expect(try bytes("merged/vocabulary.json") == bytes("direct/vocabulary.json"))
    #expect(try bytes("merged/model.safetensors") == bytes("direct/model.safetensors"))
    let vocabulary = try JSONSerialization.jsonObject(with: bytes("merged/vocabulary.json"))
    #expect((vocabulary as? [String])?.count == 9)
  }

  @Test func mergeRefusesPartsOfAnotherTokenizer() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    try (Self.records().joined(separator: "\n") + "\n").write(
      to: dir.appendingPathComponent("all.jsonl"), atomically: true, encoding: .utf8)
    #expect(
      try CLI.run(["vectorize", "all.jsonl", "--statistics-out", "a.stats", "-q"], in: dir).status
        == 0)
    #expect(
      try CLI.run(
        ["vectorize", "all.jsonl", "--statistics-out", "b.stats", "--ngrams", "1-2", "-q"],
        in: dir
      ).status == 0)
    let merge = try CLI.run(
      ["statistics", "merge", "a.stats", "b.stats", "-o", "m.stats"], in: dir)
    #expect(merge.status == 2 && merge.stderr.contains("tokenizer"))
    #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("m.stats").path))
    // Fitting with other tokenizer options than the statistics were counted with is refused.
    let fit = try CLI.run(
      ["vectorize", "all.jsonl", "--statistics", "b.stats", "-o", "x.npz", "-q"], in: dir)
    #expect(fit.status == 2 && fit.stderr.contains("tokenizer"))
    // A damaged file is a model-format error.
    try Data("SPTXSTAT".utf8).write(to: dir.appendingPathComponent("bad.stats"))
    let bad = try CLI.run(["statistics", "merge", "bad.stats", "-o", "m.stats"], in: dir)
    #expect(bad.status == 4)
  }
}
