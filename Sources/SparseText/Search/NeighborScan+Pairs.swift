import Foundation

extension NeighborScan {
  /// Two target rows (`first < second`) and their exact score.
  struct Pair: Sendable, Equatable {
    var first: Int
    var second: Int
    var score: Float
  }

  /// Bytes one kept pair takes while pairs are collected.
  static let bytesPerPair = MemoryLayout<Pair>.stride

  /// Every pair of target rows whose exact score is at least `threshold`, each pair once, best
  /// first (ties by first row, then second).
  ///
  /// The upper triangle of the rows' products is computed in blocks (float32, through BLAS);
  /// a pair whose estimate is within the rounding bound of the threshold is rescored exactly.
  /// The rows are split over cores so that each gets the same share of the triangle.
  ///
  /// - Throws: ``DataError/exceedsMemory(what:bytes:available:suggestion:)`` when the pairs
  ///   would not fit in memory, `CancellationError` when `isCancelled` says so (asked between
  ///   blocks of rows).
  static func pairs(
    target: ScanTarget, threshold: Float, workers: Int? = nil, isCancelled: CancellationCheck?
  ) throws -> [Pair] {
    let n = target.rows
    guard n >= 2 else { return [] }
    let workers =
      workers ?? max(1, min(Parallel.defaultWorkerCount, n / minimumRowsPerWorker))
    // Row r pairs with the n − r − 1 rows after it: boundaries that give each worker the same
    // share of pairs.
    let boundaries =
      [0]
      + (1..<workers).map { w in
        let share = Double(w) / Double(workers)
        return min(n, Int((Double(n) * (1 - (1 - share).squareRoot())).rounded()))
      } + [n]
    // Each worker may keep up to its share of a quarter of the memory budget.
    let pairLimit = max(1 << 16, MemoryBudget.bytes / 4 / bytesPerPair / workers)
    let scan = { @Sendable (worker: Range<Int>) throws -> [Pair] in
      var pairs: [Pair] = []
      for w in worker {
        try pairsOfRows(
          boundaries[w]..<boundaries[w + 1], target: target, threshold: threshold,
          limit: pairLimit, into: &pairs, isCancelled: isCancelled)
      }
      return pairs
    }
    let parts =
      workers > 1
      ? try BLAS.singleThreaded { try Parallel.map(count: workers, workers: workers, scan) }
      : [try scan(0..<1)]
    var all = parts.flatMap { $0 }
    all.sort {
      $0.score != $1.score
        ? $0.score > $1.score : $0.first != $1.first ? $0.first < $1.first : $0.second < $1.second
    }
    return all
  }

  /// The pairs whose first row is in `rows`.
  private static func pairsOfRows(
    _ rows: Range<Int>, target: ScanTarget, threshold: Float, limit: Int, into pairs: inout [Pair],
    isCancelled: CancellationCheck?
  ) throws {
    let n = target.rows
    let d = target.dimension
    let bound = SearchBounds.rounding(dimension: d)
    let cut = threshold - bound - SearchBounds.slack
    let tile = rowTile
    var scores = [Float](repeating: 0, count: queryBlock * tile)
    try target.values.withUnsafeBufferPointer { x in
      let x = x.baseAddress!
      var blockStart = rows.lowerBound
      while blockStart < rows.upperBound {
        try checkCancellation(isCancelled)
        let height = min(queryBlock, rows.upperBound - blockStart)
        var tileStart = blockStart
        while tileStart < n {
          let width = min(tile, n - tileStart)
          scores.withUnsafeMutableBufferPointer { c in
            BLAS.sgemm(
              .none, .transpose, m: height, n: width, k: d, alpha: 1, a: x + blockStart * d,
              lda: d, b: x + tileStart * d, ldb: d, beta: 0, c: c.baseAddress!, ldc: width)
          }
          try scores.withUnsafeBufferPointer { c in
            for i in 0..<height {
              let first = blockStart + i
              let line = c.baseAddress! + i * width
              // Only pairs with the second row after the first.
              let from = max(0, first + 1 - tileStart)
              guard from < width else { continue }
              for j in from..<width where line[j] >= cut {
                let second = tileStart + j
                let score = exactScore(x + first * d, x + second * d, dimension: d)
                guard score >= threshold else { continue }
                pairs.append(Pair(first: first, second: second, score: score))
                if pairs.count > limit {
                  throw DataError.exceedsMemory(
                    what: "the pairs scoring at least \(threshold)",
                    bytes: Double(pairs.count) * Double(bytesPerPair) * Double(n)
                      / Double(max(1, first - rows.lowerBound + 1)),
                    available: MemoryBudget.bytes,
                    suggestion: "Raise `threshold`, or search fewer rows (`allowedIDs`).")
                }
              }
            }
          }
          tileStart += width
        }
        blockStart += height
      }
    }
  }
}
