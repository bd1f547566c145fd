import CKernels
import Foundation
import Testing

@testable import SparseText

/// Seeded Gaussian rows.
func gaussianMatrix(rows: Int, columns: Int, seed: UInt64) -> DenseMatrix {
  var generator = SeededGenerator(seed: seed)
  let values = (0..<(rows * columns)).map { _ in Float(generator.nextGaussian()) }
  return try! DenseMatrix(rows: rows, columns: columns, values: values)
}

/// The plain reference: cosine similarities in double precision from the vectors as given
/// (0 against a zero vector), every row visited, the k best by score, ties by row.
enum BruteForce {
  static func cosine(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Double {
    a.withUnsafeBufferPointer { a in
      b.withUnsafeBufferPointer { b in
        var dot: Double = 0
        var aa: Double = 0
        var bb: Double = 0
        for i in 0..<min(a.count, b.count) {
          dot += Double(a[i]) * Double(b[i])
          aa += Double(a[i]) * Double(a[i])
          bb += Double(b[i]) * Double(b[i])
        }
        return aa == 0 || bb == 0 ? 0 : dot / (aa.squareRoot() * bb.squareRoot())
      }
    }
  }

  static func topK(
    _ index: DenseMatrix, query: ArraySlice<Float>, k: Int, rows: [Int]? = nil,
    excluding: Int? = nil, minimumScore: Double? = nil
  ) -> [(row: Int, score: Double)] {
    var scored: [(row: Int, score: Double)] = []
    for r in rows ?? Array(0..<index.rows) where r != excluding {
      let score = cosine(index.row(r), query)
      if let minimumScore, score < minimumScore { continue }
      scored.append((r, score))
    }
    scored.sort { $0.score != $1.score ? $0.score > $1.score : $0.row < $1.row }
    return Array(scored.prefix(k))
  }
}

/// The index's answer against the reference: the same rows in the same order, except that two
/// rows whose reference scores differ by less than float32 rounding may swap; scores equal to
/// float32 rounding.
func expectSameNeighbors(
  _ found: [EmbeddingIndex.Neighbor], _ expected: [(row: Int, score: Double)],
  sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(found.count == expected.count, sourceLocation: sourceLocation)
  for (position, (hit, reference)) in zip(found, expected).enumerated() {
    #expect(hit.rank == position + 1, sourceLocation: sourceLocation)
    #expect(abs(Double(hit.score) - reference.score) < 1e-6, sourceLocation: sourceLocation)
    if hit.row != reference.row {
      // Only a near-tie may swap: the reference score of the row found must be that close.
      let swapped = expected.first { $0.row == hit.row }
      #expect(
        swapped.map { abs($0.score - reference.score) < 2e-6 } ?? false,
        "row \(hit.row) found where the reference has row \(reference.row)",
        sourceLocation: sourceLocation)
    }
  }
}

@Suite struct EmbeddingIndexTests {
  /// Several sizes, k below and above the row count, single queries (the int8 scan), small
  /// batches and large ones (float32 products), for both scan settings.
  @Test(arguments: [
    (rows: 1, dimension: 3, k: 1), (rows: 7, dimension: 5, k: 20),
    (rows: 100, dimension: 16, k: 10),
    (rows: 1000, dimension: 33, k: 10), (rows: 3000, dimension: 64, k: 50),
  ])
  func topKEqualsBruteForce(rows: Int, dimension: Int, k: Int) throws {
    let vectors = gaussianMatrix(rows: rows, columns: dimension, seed: UInt64(rows))
    let queries = gaussianMatrix(rows: 30, columns: dimension, seed: 99)
    let expected = (0..<30).map { BruteForce.topK(vectors, query: queries.row($0), k: k) }
    for scan in EmbeddingIndex.Configuration.Scan.allCases {
      let index = try EmbeddingIndex(vectors: vectors, configuration: .init(scan: scan))
      for batch in [1, 5, 30] {
        let found = try index.search(queries.selectingRows(0..<batch), options: .init(k: k))
        #expect(found.count == batch)
        for q in 0..<batch {
          expectSameNeighbors(found[q], expected[q])
          #expect(found[q].map(\.id) == found[q].map { String($0.row) })
        }
      }
    }
  }

  /// The answer does not depend on the scan, the batch or the number of cores: candidates are
  /// rescored exactly, ties broken by row.
  @Test func everyScanGivesTheSameAnswer() throws {
    let vectors = gaussianMatrix(rows: 2500, columns: 24, seed: 5)
    let queries = gaussianMatrix(rows: 12, columns: 24, seed: 6)
    let target = { (quantized: Bool) in
      let index = try EmbeddingIndex(
        vectors: vectors, configuration: .init(scan: quantized ? .int8 : .float32))
      return try index.scanTarget(allowedIDs: nil, quantized: quantized)
    }
    var unit = queries.values
    try EmbeddingIndex.normalizeRows(&unit, rows: 12, columns: 24)
    var answers: [[[NeighborScan.Hit]]] = []
    for quantized in [true, false] {
      for workers in [1, 2, 3] {
        for batch in [1, 4, 12] {
          var answer: [[NeighborScan.Hit]] = []
          for start in stride(from: 0, to: 12, by: batch) {
            answer += try NeighborScan.topK(
              queries: Array(unit[(start * 24)..<((start + batch) * 24)]), count: batch,
              target: try target(quantized), k: 7, minimumScore: nil, excluded: nil,
              workers: workers, isCancelled: nil)
          }
          answers.append(answer)
        }
      }
    }
    for answer in answers.dropFirst() { #expect(answer == answers[0]) }
  }

  /// A batch of several product blocks (more than ``NeighborScan/queryBlock`` queries) answers
  /// each query as a search of that query alone does.
  @Test func longBatchesAnswerAsSingleQueriesDo() throws {
    let vectors = gaussianMatrix(rows: 1500, columns: 8, seed: 12)
    let count = NeighborScan.queryBlock * 2 + 37
    let queries = gaussianMatrix(rows: count, columns: 8, seed: 13)
    let index = try EmbeddingIndex(vectors: vectors)
    let batched = try index.search(queries, options: .init(k: 3))
    #expect(batched.count == count)
    for q in stride(from: 0, to: count, by: 97) {
      #expect(
        batched[q]
          == (try index.search(queries.selectingRows(q..<(q + 1)), options: .init(k: 3)))[0])
    }
    #expect(
      batched[count - 1]
        == (try index.search(queries.selectingRows((count - 1)..<count), options: .init(k: 3)))[0])
  }

  /// Rows with the same direction score the same and come in row order; a zero row scores 0
  /// against everything, and a zero query finds the first rows.
  @Test func tiesGoToTheEarlierRowAndZeroVectorsScoreZero() throws {
    var rows = gaussianMatrix(rows: 40, columns: 8, seed: 3).values
    let v = Array(rows[0..<8])
    // Rows 5, 12 and 31 point the way row 0 does (row 12 twice as long), row 20 is zero.
    for (r, factor) in [(5, Float(1)), (12, 2), (31, 1)] {
      for c in 0..<8 { rows[r * 8 + c] = v[c] * factor }
    }
    for c in 0..<8 { rows[20 * 8 + c] = 0 }
    let vectors = try DenseMatrix(rows: 40, columns: 8, values: rows)
    for scan in EmbeddingIndex.Configuration.Scan.allCases {
      let index = try EmbeddingIndex(vectors: vectors, configuration: .init(scan: scan))
      let query = try DenseMatrix(rows: 1, columns: 8, values: v.map { $0 * 3 })
      let found = try index.search(query, options: .init(k: 4))[0]
      #expect(found.prefix(4).map(\.row) == [0, 5, 12, 31])
      #expect(Set(found.prefix(4).map(\.score)).count == 1)
      let zero = try index.search(DenseMatrix(zeros: 1, columns: 8), options: .init(k: 3))[0]
      #expect(zero.map(\.row) == [0, 1, 2])
      #expect(zero.allSatisfy { $0.score == 0 })
      let againstZero = try index.search(vectors, options: .init(k: 40))
      for list in againstZero {
        #expect(list.first { $0.row == 20 }?.score == 0)
      }
      // The zero row's own neighbours: everything at 0, in row order, itself left out.
      let ofZero = try index.neighbors(of: ["20"], options: .init(k: 3))[0]
      #expect(ofZero.map(\.row) == [0, 1, 2])
    }
  }

  /// An allow-list limits the rows returned, and a minimum score cuts the list.
  @Test func allowListsAndMinimumScores() throws {
    let vectors = gaussianMatrix(rows: 500, columns: 12, seed: 8)
    let ids = (0..<500).map { "doc-\($0)" }
    let query = gaussianMatrix(rows: 3, columns: 12, seed: 9)
    var generator = SeededGenerator(seed: 10)
    let allowed = (0..<500).filter { _ in generator.nextDouble() < 0.3 }
    for scan in EmbeddingIndex.Configuration.Scan.allCases {
      let index = try EmbeddingIndex(vectors: vectors, ids: ids, configuration: .init(scan: scan))
      let found = try index.search(
        query, options: .init(k: 15, allowedIDs: Set(allowed.map { "doc-\($0)" })))
      for q in 0..<3 {
        expectSameNeighbors(
          found[q], BruteForce.topK(vectors, query: query.row(q), k: 15, rows: allowed))
        #expect(found[q].allSatisfy { $0.id == "doc-\($0.row)" })
      }
      let above = try index.search(query, options: .init(k: 500, minimumScore: 0.3))
      for q in 0..<3 {
        let expected = BruteForce.topK(vectors, query: query.row(q), k: 500, minimumScore: 0.3)
        #expect(!expected.isEmpty)
        expectSameNeighbors(above[q], expected)
      }
      #expect(throws: EmbeddingIndexError.unknownID(id: "doc-900")) {
        try index.search(query, options: .init(allowedIDs: ["doc-1", "doc-900"]))
      }
      #expect(try index.search(query, options: .init(allowedIDs: [])) == [[], [], []])
    }
  }

  /// Neighbours of the index's own rows leave each row out, but not its duplicates.
  @Test func neighborsOfRowsLeaveThemselvesOut() throws {
    var values = gaussianMatrix(rows: 300, columns: 10, seed: 11).values
    for c in 0..<10 { values[250 * 10 + c] = values[7 * 10 + c] }
    let vectors = try DenseMatrix(rows: 300, columns: 10, values: values)
    for scan in EmbeddingIndex.Configuration.Scan.allCases {
      let index = try EmbeddingIndex(vectors: vectors, configuration: .init(scan: scan))
      let ids = ["7", "250", "3", "299"]
      let found = try index.neighbors(of: ids, options: .init(k: 6))
      for (q, id) in ids.enumerated() {
        let row = Int(id)!
        expectSameNeighbors(
          found[q], BruteForce.topK(vectors, query: vectors.row(row), k: 6, excluding: row))
        #expect(!found[q].contains { $0.row == row })
      }
      #expect(found[0].first?.row == 250)
      #expect(found[1].first?.row == 7)
      // With an allow-list too: row 7 is allowed, so it is left out of its own list.
      let allowed: Set<String> = ["7", "250", "1", "2", "3"]
      let filtered = try index.neighbors(of: ["7"], options: .init(k: 10, allowedIDs: allowed))[0]
      #expect(Set(filtered.map(\.id)) == ["250", "1", "2", "3"])
      #expect(filtered.first?.id == "250")
    }
  }

  /// Clusters of near copies: a few hundred pairs above 0.9 among 1000 rows, and the pairs the
  /// reference finds above it in double precision (and those within rounding of it).
  static let clusters: (vectors: DenseMatrix, pairs: [(Int, Int, Double)], borderline: Set<[Int]>) =
    {
      var generator = SeededGenerator(seed: 21)
      let centers = gaussianMatrix(rows: 100, columns: 16, seed: 20)
      var values: [Float] = []
      for r in 0..<1000 {
        let center = centers.row(r % 100)
        let noise = r < 500 ? 0.25 : 1.5
        values += center.map { $0 + Float(generator.nextGaussian() * noise) }
      }
      let vectors = try! DenseMatrix(rows: 1000, columns: 16, values: values)
      var expected: [(Int, Int, Double)] = []
      var borderline: Set<[Int]> = []
      for i in 0..<1000 {
        for j in (i + 1)..<1000 {
          let score = BruteForce.cosine(vectors.row(i), vectors.row(j))
          if abs(score - 0.9) < 1e-6 { borderline.insert([i, j]) }
          if score >= 0.9 { expected.append((i, j, score)) }
        }
      }
      return (vectors, expected, borderline)
    }()

  /// Every pair at or above the threshold, once, first row before second, best first; the
  /// reference checks every pair in double precision.
  @Test(arguments: [1, 2, 3])
  func duplicatesAreEveryPairAboveTheThreshold(workers: Int) throws {
    let (vectors, expected, borderline) = Self.clusters
    let index = try EmbeddingIndex(vectors: vectors)
    let threshold: Float = 0.9
    let target = try index.scanTarget(allowedIDs: nil, quantized: false)
    let pairs = try NeighborScan.pairs(
      target: target, threshold: threshold, workers: workers, isCancelled: nil)
    #expect(expected.count > 100)
    let found = pairs.filter { !borderline.contains([$0.first, $0.second]) }
    let reference = expected.filter { !borderline.contains([$0.0, $0.1]) }
    #expect(found.count == reference.count)
    #expect(Set(found.map { [$0.first, $0.second] }) == Set(reference.map { [$0.0, $0.1] }))
    for pair in pairs {
      #expect(pair.first < pair.second)
      #expect(
        abs(
          Double(pair.score) - BruteForce.cosine(vectors.row(pair.first), vectors.row(pair.second)))
          < 1e-6)
    }
    // Best first, ties by first row, then second.
    for (a, b) in zip(pairs, pairs.dropFirst()) {
      #expect(
        a.score > b.score
          || (a.score == b.score
            && [a.first, a.second].lexicographicallyPrecedes([b.first, b.second]))
      )
    }
    let viaIndex = try index.duplicates(.init(threshold: threshold))
    #expect(viaIndex.map { [$0.firstRow, $0.secondRow] } == pairs.map { [$0.first, $0.second] })
    #expect(
      viaIndex.allSatisfy {
        $0.firstID == String($0.firstRow) && $0.secondID == String($0.secondRow)
      })
    // Among allowed rows only.
    let allowed = Set((0..<1000).filter { $0 % 3 != 0 }.map(String.init))
    let filtered = try index.duplicates(.init(threshold: threshold, allowedIDs: allowed))
    #expect(
      filtered.map { [$0.firstRow, $0.secondRow] }
        == pairs.filter { $0.first % 3 != 0 && $0.second % 3 != 0 }.map { [$0.first, $0.second] })
  }

  /// Exact copies score 1 and are found at threshold 1; no row pairs with itself.
  @Test func exactCopiesAreDuplicatesAtOne() throws {
    var values = gaussianMatrix(rows: 50, columns: 6, seed: 30).values
    for c in 0..<6 { values[40 * 6 + c] = values[2 * 6 + c] * 4 }
    let index = try EmbeddingIndex(vectors: DenseMatrix(rows: 50, columns: 6, values: values))
    let pairs = try index.duplicates(.init(threshold: 0.999_999))
    #expect(pairs.map { [$0.firstRow, $0.secondRow] } == [[2, 40]])
    #expect(abs(pairs[0].score - 1) < 1e-6)
    #expect(try EmbeddingIndex(vectors: DenseMatrix(zeros: 1, columns: 3)).duplicates().isEmpty)
  }

  /// The int8 copy's estimate plus its bound is never below the exact score, and the estimate
  /// minus it never above.
  @Test func theQuantizedBoundHolds() throws {
    for dimension in [1, 7, 16, 33, 256] {
      let rows = 300
      var values = gaussianMatrix(rows: rows, columns: dimension, seed: UInt64(dimension)).values
      // Peaky rows too: one large value among small ones.
      for r in stride(from: 0, to: rows, by: 10) { values[r * dimension] = 50 }
      try EmbeddingIndex.normalizeRows(&values, rows: rows, columns: dimension)
      let copy = QuantizedRows(unitRows: values, rows: rows, dimension: dimension)
      var queries = gaussianMatrix(rows: 6, columns: dimension, seed: 77).values
      try EmbeddingIndex.normalizeRows(&queries, rows: 6, columns: dimension)
      var uppers = [Float](repeating: 0, count: 6 * rows)
      sparsetext_scan_int8(
        copy.codes, rows, dimension, copy.scales, copy.bounds, queries, dimension, 6, &uppers,
        rows)
      for q in 0..<6 {
        for r in 0..<rows {
          var exact: Double = 0
          for c in 0..<dimension {
            exact += Double(values[r * dimension + c]) * Double(queries[q * dimension + c])
          }
          let upper = Double(uppers[q * rows + r])
          let lower = upper - 2 * Double(copy.bounds[r])
          #expect(upper >= exact && lower <= exact, "row \(r), query \(q), d \(dimension)")
          #expect(copy.bounds[r] < 0.2)
        }
      }
    }
  }

  @Test func badQueriesAndSettingsAreRefused() throws {
    let vectors = gaussianMatrix(rows: 20, columns: 4, seed: 40)
    let index = try EmbeddingIndex(vectors: vectors)
    #expect(throws: ConfigurationError.self) { try index.search(vectors, options: .init(k: 0)) }
    #expect(throws: ConfigurationError.self) {
      try index.search(vectors, options: .init(minimumScore: .nan))
    }
    #expect(throws: ConfigurationError.self) { try index.duplicates(.init(threshold: .infinity)) }
    #expect(throws: DataError.self) { try index.search(DenseMatrix(zeros: 1, columns: 5)) }
    #expect(throws: DataError.self) {
      try index.search(DenseMatrix(rows: 1, columns: 4, values: [1, .nan, 0, 0]))
    }
    // Text needs a pipeline.
    #expect(throws: ConfigurationError.self) { try index.search(["some text"]) }
    #expect(throws: EmbeddingIndexError.duplicateID(id: "a", firstRow: 0, secondRow: 2)) {
      try EmbeddingIndex(vectors: vectors.selectingRows(0..<3), ids: ["a", "b", "a"])
    }
    #expect(throws: DataError.self) {
      try EmbeddingIndex(vectors: vectors.selectingRows(0..<3), ids: ["a", "b"])
    }
    #expect(throws: DataError.self) {
      try EmbeddingIndex(vectors: DenseMatrix(rows: 1, columns: 2, values: [.infinity, 0]))
    }
    #expect(throws: DataError.self) {
      try EmbeddingIndex(vectors: DenseMatrix(zeros: 3, columns: 0))
    }
    #expect(throws: EmbeddingIndexError.unknownID(id: "x")) { try index.neighbors(of: ["x"]) }
    #expect(throws: ConfigurationError.self) {
      try EmbeddingIndex(vectors: vectors, configuration: .init(blockSize: 0))
    }
    // The messages say what to do.
    #expect(
      EmbeddingIndexError.duplicateID(id: "a", firstRow: 0, secondRow: 2).description.contains(
        "its own id"))
    #expect(
      EmbeddingIndexError.modelMismatch(
        indexDigest: nil, modelDigest: String(repeating: "a", count: 64)
      ).description.contains("build the index again"))
    // An empty index answers with nothing.
    let empty = try EmbeddingIndex(vectors: DenseMatrix(zeros: 0, columns: 4))
    #expect(try empty.search(vectors.selectingRows(0..<2)) == [[], []])
    #expect(try empty.duplicates().isEmpty)
  }

  /// Rows added block by block make the index one call makes; row-number ids continue across
  /// blocks.
  @Test func aBuilderAddsBlocks() throws {
    let vectors = gaussianMatrix(rows: 30, columns: 5, seed: 50)
    var builder = try EmbeddingIndex.Builder(dimension: 5)
    try builder.add(vectors.selectingRows(0..<10))
    try builder.add(vectors.selectingRows(10..<25))
    try builder.add(vectors.selectingRows(25..<30))
    let blocks = try builder.finish()
    let whole = try EmbeddingIndex(vectors: vectors)
    #expect(blocks.ids == whole.ids)
    #expect(blocks.vectors == whole.vectors)
    #expect(throws: DataError.self) { try builder.add(DenseMatrix(zeros: 1, columns: 4)) }
    #expect(throws: ConfigurationError.self) { try builder.add(documents: ["text"]) }
    #expect(throws: ConfigurationError.self) { try EmbeddingIndex.Builder() }
  }
}
