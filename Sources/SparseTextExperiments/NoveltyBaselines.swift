import Foundation
import SparseText

/// The two reference novelty scores of ``NoveltyExperiment``, on TF-IDF rows: the error of a
/// rank-k (truncated SVD) reconstruction, and one minus the cosine to the nearest training row.
package enum NoveltyBaselines {
  /// `A·Bᵀ` for sparse rows (`a.rows × b.rows`), by an inverted index of `b`'s columns; rows of
  /// `a` are split over cores.
  package static func innerProducts(_ a: SparseMatrix, _ b: SparseMatrix) -> DenseMatrix {
    precondition(a.columns == b.columns, "the matrices have different widths")
    // b by column: for each column, the (row, value) pairs that hold it.
    var starts = [Int](repeating: 0, count: b.columns + 1)
    for c in b.columnIndices { starts[Int(c) + 1] += 1 }
    for c in 0..<b.columns { starts[c + 1] += starts[c] }
    var next = starts
    var rowsOf = [Int32](repeating: 0, count: b.values.count)
    var valuesOf = [Float](repeating: 0, count: b.values.count)
    for r in 0..<b.rows {
      for p in b.storageRange(ofRow: r) {
        let c = Int(b.columnIndices[p])
        rowsOf[next[c]] = Int32(r)
        valuesOf[next[c]] = b.values[p]
        next[c] += 1
      }
    }
    let m = b.rows
    let (columnStarts, rows, values) = (starts, rowsOf, valuesOf)
    var out = [Float](repeating: 0, count: a.rows * m)
    out.withUnsafeMutableBufferPointer { buffer in
      let shared = UnsafeSharedBuffer(buffer)
      Parallel.forEach(count: a.rows, minimumChunk: 16) { range in
        for r in range {
          let base = r * m
          for p in a.storageRange(ofRow: r) {
            let c = Int(a.columnIndices[p])
            let v = a.values[p]
            for q in columnStarts[c]..<columnStarts[c + 1] {
              shared[base + Int(rows[q])] += v * values[q]
            }
          }
        }
      }
    }
    return DenseMatrix(uncheckedRows: a.rows, columns: m, values: out)
  }

  /// `1 − max_j cos(xᵢ, tⱼ)` for each row `xᵢ` of `x` against the training rows `t`; 1 for an
  /// empty row.
  package static func nearestNeighbourDistance(_ x: SparseMatrix, training t: SparseMatrix)
    -> [Double]
  {
    let products = innerProducts(x, t)
    let xNorms = rowNorms(x)
    let tNorms = rowNorms(t)
    return (0..<x.rows).map { r in
      guard xNorms[r] > 0 else { return 1 }
      var best = 0.0
      for j in 0..<t.rows where tNorms[j] > 0 {
        best = max(best, Double(products.values[r * t.rows + j]) / (xNorms[r] * tNorms[j]))
      }
      return 1 - best
    }
  }

  /// A rank-`components` truncated SVD of training rows (no centring, like scikit-learn's
  /// `TruncatedSVD`), kept in the row space: the projection of a row `x` on the top right
  /// singular vectors is `‖x·Tᵀ·U·Λ^(−1/2)‖²`, with `T·Tᵀ = U·Λ·Uᵀ` the training rows' Gram
  /// matrix, so only inner products with the training rows are needed.
  package struct TruncatedSVD: Sendable {
    /// The training rows.
    package let training: SparseMatrix
    /// The kept eigenvectors of the Gram matrix (training rows × components), row-major.
    let vectors: [Float]
    /// Their eigenvalues (the squared singular values), descending.
    package let eigenvalues: [Double]

    /// The number of components kept (at most the requested number and the rank).
    package var components: Int { eigenvalues.count }

    /// Fits the top `components` by a randomized range finder on the Gram matrix (Halko,
    /// Martinsson & Tropp 2011) with `powerIterations` passes and 10 extra columns, then the
    /// exact eigen-decomposition of the small projected matrix (Jacobi).
    package init(
      training t: SparseMatrix, components: Int = 256, powerIterations: Int = 4,
      seed: UInt64 = SeededGenerator.defaultSeed
    ) {
      let m = t.rows
      let gram = NoveltyBaselines.innerProducts(t, t).values
      let k = max(1, min(components, m))
      let l = min(m, k + 10)
      var generator = SeededGenerator(seed: seed)
      var q = (0..<(m * l)).map { _ in Float(generator.nextGaussian()) }
      Self.orthonormalizeColumns(&q, rows: m, columns: l)
      var y = [Float](repeating: 0, count: m * l)
      for _ in 0..<max(1, powerIterations) {
        BLAS.sgemm(
          .none, .none, m: m, n: l, k: m, alpha: 1, a: gram, lda: m, b: q, ldb: l, beta: 0,
          c: &y, ldc: l)
        q = y
        Self.orthonormalizeColumns(&q, rows: m, columns: l)
      }
      // T = Qᵀ G Q (l × l), decomposed exactly.
      BLAS.sgemm(
        .none, .none, m: m, n: l, k: m, alpha: 1, a: gram, lda: m, b: q, ldb: l, beta: 0, c: &y,
        ldc: l)
      var small = [Float](repeating: 0, count: l * l)
      BLAS.sgemm(
        .transpose, .none, m: l, n: l, k: m, alpha: 1, a: q, lda: l, b: y, ldb: l, beta: 0,
        c: &small, ldc: l)
      let (values, vectors) = Self.symmetricEigen(small.map(Double.init), size: l)
      let order = (0..<l).sorted { values[$0] > values[$1] }
      let largest = max(values[order[0]], 0)
      let kept = order.prefix(k).filter { values[$0] > largest * 1e-6 && values[$0] > 0 }
      // U = Q · V (m × kept).
      var u = [Float](repeating: 0, count: m * kept.count)
      for i in 0..<m {
        for (column, e) in kept.enumerated() {
          var sum = 0.0
          for j in 0..<l { sum += Double(q[i * l + j]) * vectors[j * l + e] }
          u[i * kept.count + column] = Float(sum)
        }
      }
      self.training = t
      self.vectors = u
      self.eigenvalues = kept.map { values[$0] }
    }

    /// `‖x − x·V·Vᵀ‖² = ‖x‖² − ‖x·V‖²` for each row of `x`, V the right singular vectors kept.
    package func reconstructionError(_ x: SparseMatrix) -> [Double] {
      let m = training.rows
      let k = components
      let products = NoveltyBaselines.innerProducts(x, training).values
      var projected = [Float](repeating: 0, count: x.rows * k)
      BLAS.sgemm(
        .none, .none, m: x.rows, n: k, k: m, alpha: 1, a: products, lda: m, b: vectors, ldb: k,
        beta: 0, c: &projected, ldc: k)
      let norms = NoveltyBaselines.rowNorms(x)
      return (0..<x.rows).map { r in
        var energy = 0.0
        for j in 0..<k {
          let v = Double(projected[r * k + j])
          energy += v * v / eigenvalues[j]
        }
        return max(0, norms[r] * norms[r] - energy)
      }
    }

    /// Modified Gram–Schmidt, twice, on the columns of a row-major `rows × columns` matrix;
    /// a column that vanishes is left at zero.
    static func orthonormalizeColumns(_ a: inout [Float], rows: Int, columns: Int) {
      for _ in 0..<2 {
        for j in 0..<columns {
          for previous in 0..<j {
            var dot = 0.0
            for i in 0..<rows {
              dot += Double(a[i * columns + j]) * Double(a[i * columns + previous])
            }
            for i in 0..<rows { a[i * columns + j] -= Float(dot) * a[i * columns + previous] }
          }
          var norm = 0.0
          for i in 0..<rows { norm += Double(a[i * columns + j]) * Double(a[i * columns + j]) }
          let scale = norm > 1e-20 ? Float(1 / norm.squareRoot()) : 0
          for i in 0..<rows { a[i * columns + j] *= scale }
        }
      }
    }

    /// Eigenvalues and eigenvectors (columns of a row-major matrix) of a symmetric matrix, by
    /// cyclic Jacobi rotations.
    static func symmetricEigen(_ matrix: [Double], size n: Int) -> ([Double], [Double]) {
      var a = matrix
      var v = [Double](repeating: 0, count: n * n)
      for i in 0..<n { v[i * n + i] = 1 }
      for _ in 0..<60 {
        var off = 0.0
        var total = 0.0
        for i in 0..<n {
          for j in 0..<n {
            total += a[i * n + j] * a[i * n + j]
            if i != j { off += a[i * n + j] * a[i * n + j] }
          }
        }
        if off <= 1e-22 * max(total, 1e-300) { break }
        for p in 0..<n {
          for q in (p + 1)..<max(p + 1, n) {
            let apq = a[p * n + q]
            if abs(apq) < 1e-300 { continue }
            let theta = (a[q * n + q] - a[p * n + p]) / (2 * apq)
            let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
            let c = 1 / (t * t + 1).squareRoot()
            let s = t * c
            for k in 0..<n {
              let akp = a[k * n + p]
              let akq = a[k * n + q]
              a[k * n + p] = c * akp - s * akq
              a[k * n + q] = s * akp + c * akq
            }
            for k in 0..<n {
              let apk = a[p * n + k]
              let aqk = a[q * n + k]
              a[p * n + k] = c * apk - s * aqk
              a[q * n + k] = s * apk + c * aqk
            }
            for k in 0..<n {
              let vkp = v[k * n + p]
              let vkq = v[k * n + q]
              v[k * n + p] = c * vkp - s * vkq
              v[k * n + q] = s * vkp + c * vkq
            }
          }
        }
      }
      return ((0..<n).map { a[$0 * n + $0] }, v)
    }
  }

  static func rowNorms(_ x: SparseMatrix) -> [Double] {
    (0..<x.rows).map { r in
      var sum = 0.0
      for p in x.storageRange(ofRow: r) { sum += Double(x.values[p]) * Double(x.values[p]) }
      return sum.squareRoot()
    }
  }
}
