import Foundation
import Testing

/// Writes `lines` as a one-document-per-line file in `directory`.
private func writeLines(_ lines: [String], in directory: URL, name: String = "docs.txt") throws
  -> URL
{
  let url = directory.appendingPathComponent(name)
  try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
  return url
}

/// The rows of a `.jsonl` matrix: each row's columns and values.
private func readRows(_ url: URL) throws -> [(indices: [Int], values: [Double])] {
  try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { line in
    let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
    return (object?["indices"] as? [Int] ?? [], object?["values"] as? [Double] ?? [])
  }
}

/// A vocabulary JSON file's terms in column order.
private func readVocabulary(_ url: URL) throws -> [String] {
  let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Int]
  return (object ?? [:]).sorted { $0.value < $1.value }.map(\.key)
}

@Suite struct VectorizeOptionsTests {
  @Test func binaryMaxFeaturesRanksByDocumentFrequency() throws {
    let dir = try CLI.temporaryDirectory()
    let docs = try writeLines(["aa aa aa aa", "bb", "bb"], in: dir)
    let x = dir.appendingPathComponent("x.jsonl")
    let vocabulary = dir.appendingPathComponent("v.json")
    let result = try CLI.run([
      "vectorize", docs.path, "-o", x.path, "--vocabulary-out", vocabulary.path, "--counts",
      "--binary", "--max-features", "1", "--quiet",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(try readVocabulary(vocabulary) == ["bb"])
    let rows = try readRows(x)
    #expect(rows.map(\.indices) == [[], [0], [0]])
    // Without --binary, the total count decides.
    let raw = try CLI.run([
      "vectorize", docs.path, "-o", x.path, "--vocabulary-out", vocabulary.path, "--counts",
      "--max-features", "1", "--quiet",
    ])
    #expect(raw.status == 0, "\(raw.stderr)")
    #expect(try readVocabulary(vocabulary) == ["aa"])
  }
}
