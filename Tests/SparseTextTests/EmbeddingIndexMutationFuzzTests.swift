import Foundation
import Testing

@testable import SparseText

/// The index loader under ``MutationFuzzTests``' seeded mutations (`make fuzz` runs it with the
/// others, `make test` a short slice): each file of a valid index directory mutated in turn,
/// the others left valid; every case loads (and then answers a search) or is refused with a
/// typed error, never a crash or a hang.
@Suite(.serialized) struct EmbeddingIndexMutationFuzzTests {
  @Test(arguments: ["index.json", "ids.json", "vectors.npy"])
  func indexDirectories(file: String) throws {
    let directory = try MutationFuzzTests.scratch()
    defer { try? FileManager.default.removeItem(at: directory) }
    var generator = SeededGenerator(seed: 5)
    let vectors = try DenseMatrix(
      rows: 5, columns: 4, values: (0..<20).map { _ in Float(generator.nextGaussian()) })
    let index = try EmbeddingIndex(
      vectors: vectors, ids: ["a", "b", "c", "d", "é \"e\""])
    try index.write(to: directory)
    let names = ["index.json", "ids.json", "vectors.npy"]
    let good = try names.map { Array(try Data(contentsOf: directory.appendingPathComponent($0))) }
    let target = names.firstIndex(of: file)!
    let query = try DenseMatrix(rows: 1, columns: 4, values: [1, 0, 0, 0])
    let tally = MutationFuzzTests.fuzz(
      "index \(file)", seeds: [good[target]], salt: UInt64(90 + target)
    ) { bytes in
      try MutationFuzzTests.put(bytes, directory.appendingPathComponent(file))
      let loaded = try EmbeddingIndex(contentsOf: directory)
      _ = try loaded.search(query, options: .init(k: 3))
      _ = try loaded.duplicates(.init(threshold: 0.5))
    }
    #expect(tally.refused > 0)
    #expect(tally.accepted > 0)
  }
}
