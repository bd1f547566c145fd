import Foundation
import Testing

@testable import SparseText

/// Search results and duplicate pairs as JSON lines and CSV, read back.
@Suite struct NeighborWriterTests {
  static let hits: [[EmbeddingIndex.Neighbor]] = [
    [
      .init(id: "doc \"7\", the first", row: 7, score: 0.75, rank: 1),
      .init(id: "naïve\nid", row: 2, score: -0.5, rank: 2),
    ],
    [],
    [.init(id: "3", row: 3, score: 1, rank: 1)],
  ]

  static func directory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-neighbors-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  @Test func neighborsAsJSONLinesAndCSV() throws {
    let dir = try Self.directory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let jsonl = dir.appendingPathComponent("hits.jsonl")
    let writer = try NeighborWriter(url: jsonl, rows: .neighbors)
    try writer.append(queries: ["q1", "q2"], neighbors: Array(Self.hits.prefix(2)))
    // Nothing is in place before finish().
    #expect(!FileManager.default.fileExists(atPath: jsonl.path))
    try writer.append(queries: ["q,3"], neighbors: [Self.hits[2]])
    try writer.finish()
    #expect(writer.count == 3)
    let lines = try String(contentsOf: jsonl, encoding: .utf8).split(separator: "\n")
    #expect(lines.count == 3)
    #expect(lines[0].hasPrefix("{\"query\":\"q1\",\"id\":"))
    let rows = try lines.map {
      try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
    }
    #expect(rows.map { $0["query"] as? String } == ["q1", "q1", "q,3"])
    #expect(rows.map { $0["id"] as? String } == ["doc \"7\", the first", "naïve\nid", "3"])
    #expect(rows.map { $0["score"] as? Double } == [0.75, -0.5, 1])
    #expect(rows.map { $0["rank"] as? Int } == [1, 2, 1])

    let csv = dir.appendingPathComponent("hits.csv")
    let table = try NeighborWriter(url: csv, rows: .neighbors)
    try table.append(queries: ["q1", "q2", "q,3"], neighbors: Self.hits)
    try table.finish()
    #expect(
      try String(contentsOf: csv, encoding: .utf8)
        == "query,id,score,rank\nq1,\"doc \"\"7\"\", the first\",0.75,1\n"
        + "q1,\"naïve\nid\",-0.5,2\n\"q,3\",3,1.0,1\n")
  }

  @Test func pairsToAStreamAndTheExtensionsRefused() throws {
    var text = ""
    let writer = NeighborWriter(stream: { text += $0 }, rows: .pairs)
    try writer.append(pairs: [
      .init(firstID: "a", secondID: "b", firstRow: 0, secondRow: 4, score: 0.5)
    ])
    try writer.finish()
    #expect(text == "{\"first_id\":\"a\",\"second_id\":\"b\",\"score\":0.5}\n")
    let dir = try Self.directory()
    defer { try? FileManager.default.removeItem(at: dir) }
    for name in ["hits.txt", "hits.npy", "hits"] {
      #expect(
        throws: ConfigurationError.outOfRange(
          field: .outputFile, value: name, allowed: "a .jsonl or .csv file")
      ) {
        try NeighborWriter(url: dir.appendingPathComponent(name), rows: .neighbors)
      }
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
  }
}
