import CKernels

/// The rows a search reads: the whole index, or the rows of an allow-list (gathered, in index
/// order, so ties still go to the earlier row).
struct ScanTarget: Sendable {
  /// `rows × dimension` unit rows.
  let values: [Float]
  /// Their int8 copy, when the index keeps one.
  let quantized: QuantizedRows?
  /// The number of rows.
  let rows: Int
  /// The length of each row.
  let dimension: Int
  /// The index row of each target row, ascending; `nil` when they are the same.
  let indexRows: [Int]?

  /// The index row of target row `row`.
  func indexRow(_ row: Int) -> Int { indexRows?[row] ?? row }
}

/// Exact top-k and threshold search over unit rows.
///
/// A scan estimates every score (float32 products through BLAS, or the int8 copy) and keeps,
/// per query, the rows whose highest possible score (estimate + error bound) reaches the k-th
/// best lowest possible score seen so far: a superset of the true k best. Those candidates are
/// rescored exactly, and the k best by (score, then row) are returned. The answer depends on
/// the stored vectors only: not on the scan, the processor or the number of threads.
enum NeighborScan {
  /// A row and its exact score.
  struct Hit: Sendable, Equatable {
    /// The target row.
    var row: Int
    /// The exact score.
    var score: Float
  }

  /// Queries per float32 product (the rows of one `sgemm`). BLAS copies each tile of index
  /// rows into its own layout once per product, so the more queries share a product, the less
  /// that copy costs: with 512, the copies take about 5% of a batched search's samples (`perf`,
  /// 100,000 × 256, 2,048 queries), against 10% with 128.
  static let queryBlock = 512
  /// Index rows per float32 product: the scores of a product, 512 × 1024 floats (2 MB), stay in
  /// a core's cache while they are read.
  static let rowTile = 1024
  /// Index rows per int8 kernel call.
  static let quantizedTile = 4096
  /// Batches up to this many queries scan the int8 copy; larger ones use float32 products.
  static let quantizedBatchLimit = 8
  /// Rows below which a scan is not split over cores.
  static let minimumRowsPerWorker = 8192

  /// The exact score of two unit rows: the dot product in double precision (four interleaved
  /// sums, always in the same order, so a pair scores the same whichever row is the query),
  /// rounded to float32 and clamped to [-1, 1].
  @inline(__always)
  static func exactScore(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, dimension: Int)
    -> Float
  {
    var s0: Double = 0
    var s1: Double = 0
    var s2: Double = 0
    var s3: Double = 0
    var i = 0
    while i + 4 <= dimension {
      s0 += Double(a[i]) * Double(b[i])
      s1 += Double(a[i + 1]) * Double(b[i + 1])
      s2 += Double(a[i + 2]) * Double(b[i + 2])
      s3 += Double(a[i + 3]) * Double(b[i + 3])
      i += 4
    }
    while i < dimension {
      s0 += Double(a[i]) * Double(b[i])
      i += 1
    }
    return min(1, max(-1, Float((s0 + s1) + (s2 + s3))))
  }

  /// Error bounds of estimates: one for every row, or one per row (the int8 copy's).
  struct Bounds {
    let uniform: Float
    let perRow: UnsafePointer<Float>?

    @inline(__always) subscript(row: Int) -> Float { perRow?[row] ?? uniform }
  }

  /// One query's candidates: rows with the highest score each can have.
  struct Candidates: Sendable {
    var rows: [Int] = []
    var uppers: [Float] = []
    /// No row whose highest possible score is below `tau − slack` can be among the k best
    /// (nor below the minimum score).
    var tau: Float
    let k: Int
    var limit: Int

    init(k: Int, floor: Float) {
      self.k = k
      tau = floor
      limit = max(2 * k, k + 64)
    }

    @inline(__always) var threshold: Float { tau - SearchBounds.slack }

    @inline(__always)
    mutating func add(row: Int, upper: Float, bounds: Bounds) {
      rows.append(row)
      uppers.append(upper)
      if rows.count >= limit { compact(bounds) }
    }

    /// Adds the rows of one scanned tile that can reach `tau`: `estimates[j]` is row
    /// `firstRow + j`'s estimate, whose highest possible score is the estimate plus `margin`
    /// (the int8 kernel returns that sum itself: margin 0).
    @inline(__always)
    mutating func collect(
      _ estimates: UnsafePointer<Float>, count: Int, firstRow: Int, margin: Float, skipping: Int,
      bounds: Bounds
    ) {
      var threshold = self.threshold - margin
      for j in 0..<count where estimates[j] >= threshold {
        let row = firstRow + j
        if row == skipping { continue }
        add(row: row, upper: estimates[j] + margin, bounds: bounds)
        threshold = self.threshold - margin
      }
    }

    /// Raises `tau` to the k-th best lowest possible score and drops the rows that cannot
    /// reach it.
    mutating func compact(_ bounds: Bounds) {
      if rows.count >= k {
        var lowers = [Float](unsafeUninitializedCapacity: rows.count) { buffer, count in
          for i in rows.indices { buffer[i] = uppers[i] - 2 * bounds[rows[i]] }
          count = rows.count
        }
        lowers.sort(by: >)
        tau = max(tau, lowers[k - 1])
      }
      let threshold = self.threshold
      var kept = 0
      for i in rows.indices where uppers[i] >= threshold {
        rows[kept] = rows[i]
        uppers[kept] = uppers[i]
        kept += 1
      }
      rows.removeSubrange(kept...)
      uppers.removeSubrange(kept...)
      // Many rows within the bounds of each other (duplicates): make room before the next
      // compaction rather than sorting them again at every row.
      limit = max(limit, 2 * kept)
    }

    /// The candidates of several scans of the same query, merged.
    mutating func merge(_ other: Candidates) {
      rows += other.rows
      uppers += other.uppers
      tau = max(tau, other.tau)
    }
  }

  /// The k best rows of each unit query (row after row in `queries`), best first.
  ///
  /// - Parameters:
  ///   - queries: `count × target.dimension` unit (or zero) rows.
  ///   - count: the number of queries.
  ///   - target: the rows searched.
  ///   - k: the rows returned per query, at most.
  ///   - minimumScore: the lowest score returned, if any.
  ///   - excluded: per query, a target row never to return (the query's own), or -1.
  ///   - workers: the cores the rows are split over; by default all of them, for targets of at
  ///     least ``minimumRowsPerWorker`` rows per core.
  ///   - isCancelled: asked between blocks of queries and of rows.
  /// - Returns: per query, its hits by descending score, ties by row.
  /// - Throws: `CancellationError` when `isCancelled` says so.
  static func topK(
    queries: [Float], count: Int, target: ScanTarget, k: Int, minimumScore: Float?,
    excluded: [Int]?, workers: Int? = nil, isCancelled: CancellationCheck?
  ) throws -> [[Hit]] {
    var results: [[Hit]] = []
    results.reserveCapacity(count)
    let d = target.dimension
    let floor = minimumScore ?? -.infinity
    let useQuantized = target.quantized != nil && count <= quantizedBatchLimit
    let block = useQuantized ? max(1, count) : queryBlock
    let workers =
      workers ?? max(1, min(Parallel.defaultWorkerCount, target.rows / minimumRowsPerWorker))
    var start = 0
    while start < count {
      try checkCancellation(isCancelled)
      let size = min(block, count - start)
      let blockQueries = Array(queries[(start * d)..<((start + size) * d)])
      let blockExcluded = excluded.map { Array($0[start..<(start + size)]) }
      let scan = { @Sendable (range: Range<Int>) throws(CancellationError) -> [Candidates] in
        if useQuantized {
          return try scanQuantized(
            blockQueries, count: size, rows: range, target: target, k: k, floor: floor,
            excluded: blockExcluded, isCancelled: isCancelled)
        }
        return try scanFloat(
          blockQueries, count: size, rows: range, target: target, k: k, floor: floor,
          excluded: blockExcluded, isCancelled: isCancelled)
      }
      let parts: [[Candidates]] =
        workers > 1
        ? try BLAS.singleThreaded {
          try Parallel.map(count: target.rows, workers: workers, minimumChunk: 1, scan)
        }
        : [try scan(0..<target.rows)]
      let uniform = SearchBounds.rounding(dimension: d)
      try blockQueries.withUnsafeBufferPointer { q in
        try target.values.withUnsafeBufferPointer { x in
          try (target.quantized?.bounds ?? []).withUnsafeBufferPointer { perRow in
            let bounds = Bounds(
              uniform: uniform, perRow: useQuantized ? perRow.baseAddress : nil)
            for i in 0..<size {
              var merged = Candidates(k: k, floor: floor)
              for part in parts { merged.merge(part[i]) }
              try checkCancellation(isCancelled)
              results.append(
                rescore(
                  merged, bounds: bounds, query: q.baseAddress! + i * d, rows: x.baseAddress!,
                  dimension: d, k: k, floor: floor))
            }
          }
        }
      }
      start += size
    }
    return results
  }

  /// The k best of one query's candidates, rescored exactly.
  static func rescore(
    _ candidates: Candidates, bounds: Bounds, query: UnsafePointer<Float>,
    rows: UnsafePointer<Float>, dimension d: Int, k: Int, floor: Float
  ) -> [Hit] {
    var candidates = candidates
    candidates.compact(bounds)
    var hits: [Hit] = []
    hits.reserveCapacity(candidates.rows.count)
    for row in candidates.rows {
      let score = exactScore(rows + row * d, query, dimension: d)
      if score >= floor { hits.append(Hit(row: row, score: score)) }
    }
    hits.sort { $0.score != $1.score ? $0.score > $1.score : $0.row < $1.row }
    if hits.count > k { hits.removeSubrange(k...) }
    return hits
  }

  /// Scans `rows` of the target with float32 products for a block of queries.
  static func scanFloat(
    _ queries: [Float], count: Int, rows: Range<Int>, target: ScanTarget, k: Int, floor: Float,
    excluded: [Int]?, isCancelled: CancellationCheck?
  ) throws(CancellationError) -> [Candidates] {
    let d = target.dimension
    var candidates = [Candidates](repeating: Candidates(k: k, floor: floor), count: count)
    let bound = SearchBounds.rounding(dimension: d)
    let bounds = Bounds(uniform: bound, perRow: nil)
    let tile = rowTile
    var scores = [Float](repeating: 0, count: count * tile)
    var tileStart = rows.lowerBound
    while tileStart < rows.upperBound {
      if isCancelled?() == true { throw CancellationError() }
      let width = min(tile, rows.upperBound - tileStart)
      queries.withUnsafeBufferPointer { q in
        target.values.withUnsafeBufferPointer { x in
          scores.withUnsafeMutableBufferPointer { c in
            let rowsStart = x.baseAddress! + tileStart * d
            if count == 1 {
              BLAS.sgemv(
                .none, rows: width, columns: d, alpha: 1, a: rowsStart, lda: d,
                x: q.baseAddress!, beta: 0, y: c.baseAddress!)
            } else {
              BLAS.sgemm(
                .none, .transpose, m: count, n: width, k: d, alpha: 1, a: q.baseAddress!,
                lda: d, b: rowsStart, ldb: d, beta: 0, c: c.baseAddress!, ldc: width)
            }
          }
        }
      }
      scores.withUnsafeBufferPointer { c in
        for i in 0..<count {
          candidates[i].collect(
            c.baseAddress! + i * width, count: width, firstRow: tileStart, margin: bound,
            skipping: excluded?[i] ?? -1, bounds: bounds)
        }
      }
      tileStart += width
    }
    return candidates
  }

  /// Scans `rows` of the target's int8 copy for a few queries.
  static func scanQuantized(
    _ queries: [Float], count: Int, rows: Range<Int>, target: ScanTarget, k: Int, floor: Float,
    excluded: [Int]?, isCancelled: CancellationCheck?
  ) throws(CancellationError) -> [Candidates] {
    let d = target.dimension
    let copy = target.quantized!
    var candidates = [Candidates](repeating: Candidates(k: k, floor: floor), count: count)
    let tile = quantizedTile
    var uppers = [Float](repeating: 0, count: count * tile)
    var tileStart = rows.lowerBound
    while tileStart < rows.upperBound {
      if isCancelled?() == true { throw CancellationError() }
      let width = min(tile, rows.upperBound - tileStart)
      copy.codes.withUnsafeBufferPointer { codes in
        copy.scales.withUnsafeBufferPointer { scales in
          copy.bounds.withUnsafeBufferPointer { bounds in
            queries.withUnsafeBufferPointer { q in
              uppers.withUnsafeMutableBufferPointer { out in
                sparsetext_scan_int8(
                  codes.baseAddress! + tileStart * d, width, d, scales.baseAddress! + tileStart,
                  bounds.baseAddress! + tileStart, q.baseAddress!, d, count, out.baseAddress!,
                  width)
              }
            }
          }
        }
      }
      copy.bounds.withUnsafeBufferPointer { perRow in
        let bounds = Bounds(uniform: 0, perRow: perRow.baseAddress!)
        uppers.withUnsafeBufferPointer { u in
          for i in 0..<count {
            candidates[i].collect(
              u.baseAddress! + i * width, count: width, firstRow: tileStart, margin: 0,
              skipping: excluded?[i] ?? -1, bounds: bounds)
          }
        }
      }
      tileStart += width
    }
    return candidates
  }
}
