import Foundation
import SparseText

/// Rows of a representation the retrieval experiment measures: dense embeddings, or sparse
/// TF-IDF rows.
package enum EmbeddingRows: Sendable {
  /// Dense rows (codes, SVD coordinates).
  case dense(DenseMatrix)
  /// Sparse rows (TF-IDF).
  case sparse(SparseMatrix)

  /// The number of rows.
  package var rows: Int {
    switch self {
    case .dense(let x): x.rows
    case .sparse(let x): x.rows
    }
  }

  /// The width of each row.
  package var columns: Int {
    switch self {
    case .dense(let x): x.columns
    case .sparse(let x): x.columns
    }
  }

  /// The rows scaled to unit L2 norm (zero rows stay zero).
  package func normalized() -> EmbeddingRows {
    switch self {
    case .dense(var x):
      var values = x.values
      for r in 0..<x.rows {
        let range = (r * x.columns)..<((r + 1) * x.columns)
        let norm = values[range].reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        guard norm > 0 else { continue }
        for i in range { values[i] = Float(Double(values[i]) / norm) }
      }
      x = DenseMatrix(uncheckedRows: x.rows, columns: x.columns, values: values)
      return .dense(x)
    case .sparse(let x):
      var values = x.values
      for r in 0..<x.rows {
        let range = x.storageRange(ofRow: r)
        let norm = values[range].reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        guard norm > 0 else { continue }
        for i in range { values[i] = Float(Double(values[i]) / norm) }
      }
      return .sparse(
        SparseMatrix(
          uncheckedRows: x.rows, columns: x.columns, rowOffsets: x.rowOffsets,
          columnIndices: x.columnIndices, values: values))
    }
  }

  /// The rows at `selection`, in its order.
  package func selecting(_ selection: [Int]) -> EmbeddingRows {
    switch self {
    case .dense(let x): .dense(x.selectingRows(selection))
    case .sparse(let x): .sparse(x.selectingRows(selection))
    }
  }

  /// `x_r · c` for a dense vector `c` of ``columns`` values.
  func dot(_ r: Int, _ c: UnsafePointer<Double>) -> Double {
    var sum = 0.0
    switch self {
    case .dense(let x):
      x.values.withUnsafeBufferPointer { v in
        let row = v.baseAddress! + r * x.columns
        for j in 0..<x.columns { sum += Double(row[j]) * c[j] }
      }
    case .sparse(let x):
      for p in x.storageRange(ofRow: r) { sum += Double(x.values[p]) * c[Int(x.columnIndices[p])] }
    }
    return sum
  }

  /// Adds row `r` to the dense vector `c`.
  func add(_ r: Int, to c: UnsafeMutablePointer<Double>) {
    switch self {
    case .dense(let x):
      x.values.withUnsafeBufferPointer { v in
        let row = v.baseAddress! + r * x.columns
        for j in 0..<x.columns { c[j] += Double(row[j]) }
      }
    case .sparse(let x):
      for p in x.storageRange(ofRow: r) { c[Int(x.columnIndices[p])] += Double(x.values[p]) }
    }
  }

  /// `‖x_r‖²`.
  func squaredNorm(_ r: Int) -> Double {
    switch self {
    case .dense(let x): x.row(r).reduce(0.0) { $0 + Double($1) * Double($1) }
    case .sparse(let x):
      x.storageRange(ofRow: r).reduce(0.0) { $0 + Double(x.values[$1]) * Double(x.values[$1]) }
    }
  }
}

/// Lloyd's k-means with greedy k-means++ seeding (Arthur & Vassilvitskii 2007; 2 + ⌊ln k⌋
/// candidates per centre, as scikit-learn samples them), in double precision. The same seed
/// gives the same clustering whatever the thread count: rows are assigned in parallel, but
/// each row's choice and the centroid sums (in row order) do not depend on the split.
package struct KMeans: Sendable {
  /// Each row's cluster, in `0..<k`.
  package let assignments: [Int]
  /// The sum of squared distances of the rows to their centroids.
  package let inertia: Double
  /// Lloyd iterations run (the last one changed nothing, unless the limit was reached).
  package let iterations: Int

  /// Clusters `rows` into `k` clusters.
  ///
  /// - Parameters:
  ///   - rows: the rows (at least `k`).
  ///   - k: the number of clusters (at least 1).
  ///   - seed: the seeding's random draws.
  ///   - maxIterations: the most Lloyd iterations (scikit-learn's default is 300).
  package init(clustering rows: EmbeddingRows, k: Int, seed: UInt64, maxIterations: Int = 300) {
    precondition(k >= 1 && rows.rows >= k, "k-means needs at least k rows")
    let n = rows.rows
    let d = rows.columns
    let norms = (0..<n).map { rows.squaredNorm($0) }
    var generator = SeededGenerator(seed: seed)
    var centroids = [Double](repeating: 0, count: k * d)

    /// Squared distances of every row to the centroid stored at `c`.
    func distances(to c: UnsafePointer<Double>, norm: Double) -> [Double] {
      let shared = UnsafeSharedBuffer(readOnly: c, count: d)
      return Parallel.map(count: n, minimumChunk: 256) { range in
        range.map { max(0, norms[$0] - 2 * rows.dot($0, shared.base) + norm) }
      }.flatMap { $0 }
    }
    func set(_ center: Int, toRow r: Int) {
      centroids.withUnsafeMutableBufferPointer { c in
        let base = c.baseAddress! + center * d
        base.update(repeating: 0, count: d)
        rows.add(r, to: base)
      }
    }
    func distances(toRow r: Int, center: Int) -> [Double] {
      set(center, toRow: r)
      return centroids.withUnsafeBufferPointer {
        distances(to: $0.baseAddress! + center * d, norm: norms[r])
      }
    }

    // Greedy k-means++.
    let trials = 2 + Int(log(Double(k)))
    let first = Int(generator.next() % UInt64(n))
    var closest = distances(toRow: first, center: 0)
    for center in 1..<max(1, k) {
      let total = closest.reduce(0, +)
      var best: (row: Int, potential: Double, distances: [Double])?
      for _ in 0..<trials {
        var target = generator.nextDouble() * total
        var candidate = n - 1
        if total > 0 {
          for (i, value) in closest.enumerated() {
            target -= value
            if target < 0 {
              candidate = i
              break
            }
          }
        } else {
          candidate = Int(generator.next() % UInt64(n))
        }
        let candidateDistances = distances(toRow: candidate, center: center)
        let updated = zip(closest, candidateDistances).map { min($0, $1) }
        let potential = updated.reduce(0, +)
        if best == nil || potential < best!.potential {
          best = (candidate, potential, updated)
        }
      }
      set(center, toRow: best!.row)
      closest = best!.distances
    }

    // Lloyd.
    var assignments = [Int](repeating: -1, count: n)
    var iterations = 0
    var inertia = 0.0
    while iterations < maxIterations {
      iterations += 1
      let centroidNorms = (0..<k).map { c in
        centroids[(c * d)..<((c + 1) * d)].reduce(0.0) { $0 + $1 * $1 }
      }
      let choices = centroids.withUnsafeBufferPointer { buffer in
        let shared = UnsafeSharedBuffer(readOnly: buffer)
        return Parallel.map(count: n, minimumChunk: 256) { range in
          range.map { r -> (Int, Double) in
            var best = (0, Double.infinity)
            for c in 0..<k {
              let distance = norms[r] - 2 * rows.dot(r, shared.base + c * d) + centroidNorms[c]
              if distance < best.1 { best = (c, distance) }
            }
            return (best.0, max(0, best.1))
          }
        }.flatMap { $0 }
      }
      inertia = choices.reduce(0) { $0 + $1.1 }
      let next = choices.map(\.0)
      if next == assignments { break }
      assignments = next
      // New centroids: the means of their rows; an empty cluster takes the row farthest from
      // its centroid.
      var sums = [Double](repeating: 0, count: k * d)
      var counts = [Int](repeating: 0, count: k)
      sums.withUnsafeMutableBufferPointer { s in
        for r in 0..<n {
          rows.add(r, to: s.baseAddress! + assignments[r] * d)
          counts[assignments[r]] += 1
        }
      }
      for c in 0..<k where counts[c] == 0 {
        let farthest = (0..<n).max { choices[$0].1 < choices[$1].1 }!
        counts[assignments[farthest]] -= 1
        sums.withUnsafeMutableBufferPointer { s in
          let from = s.baseAddress! + assignments[farthest] * d
          let to = s.baseAddress! + c * d
          to.update(repeating: 0, count: d)
          var row = [Double](repeating: 0, count: d)
          row.withUnsafeMutableBufferPointer { rows.add(farthest, to: $0.baseAddress!) }
          for j in 0..<d {
            from[j] -= row[j]
            to[j] = row[j]
          }
        }
        assignments[farthest] = c
        counts[c] = 1
      }
      for c in 0..<k {
        for j in 0..<d { centroids[c * d + j] = sums[c * d + j] / Double(max(1, counts[c])) }
      }
    }
    self.assignments = assignments
    self.inertia = inertia
    self.iterations = iterations
  }

  /// The normalized mutual information of two labellings of the same items, with the
  /// arithmetic mean of the two entropies as normalizer (scikit-learn's default, equal to the
  /// V-measure); 1 when both put every item in one group.
  package static func normalizedMutualInformation<A: Hashable, B: Hashable>(_ a: [A], _ b: [B])
    -> Double
  {
    precondition(a.count == b.count, "the labellings have different lengths")
    let n = Double(a.count)
    guard n > 0 else { return 1 }
    var joint: [Pair<A, B>: Int] = [:]
    var left: [A: Int] = [:]
    var right: [B: Int] = [:]
    for (x, y) in zip(a, b) {
      joint[Pair(first: x, second: y), default: 0] += 1
      left[x, default: 0] += 1
      right[y, default: 0] += 1
    }
    // Sums in a fixed order (a dictionary's order differs between instances), so the same
    // labellings give the same bits.
    func entropy(_ counts: some Collection<Int>) -> Double {
      counts.sorted().reduce(0) { sum, count in
        let p = Double(count) / n
        return sum - p * log(p)
      }
    }
    let hA = entropy(left.values)
    let hB = entropy(right.values)
    guard hA > 0 || hB > 0 else { return 1 }
    let cells = joint.map { pair, count in
      [count, left[pair.first]!, right[pair.second]!]
    }.sorted { $0.lexicographicallyPrecedes($1) }
    var mutual = 0.0
    for cell in cells {
      let pXY = Double(cell[0]) / n
      mutual += pXY * log(pXY * n * n / (Double(cell[1]) * Double(cell[2])))
    }
    return max(0, mutual) / ((hA + hB) / 2)
  }

  private struct Pair<A: Hashable, B: Hashable>: Hashable {
    let first: A
    let second: B
  }
}
