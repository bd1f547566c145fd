import Foundation
import SparseText

/// Latent semantic analysis: the rank-k truncated SVD of TF-IDF rows in term space, as
/// scikit-learn's `TruncatedSVD(algorithm="randomized")` computes it (no centring, a randomized
/// range finder with power iterations: Halko, Martinsson & Tropp 2011), and the projection
/// `x·V_k` of rows on the top right singular vectors (scikit-learn's `transform`).
///
/// Unlike ``NoveltyBaselines/TruncatedSVD``, which works from the training rows' Gram matrix
/// (memory quadratic in the rows), this needs memory linear in the rows and the terms, so it
/// fits a corpus of any size: the products are sparse × dense, the orthonormalizations
/// Cholesky QR in double precision (twice), and the small final decomposition Jacobi's.
package struct LatentSemanticProjection: Sendable {
  /// The right singular vectors kept (terms × components), row-major.
  let vectors: [Float]
  /// The singular values, descending.
  package let singularValues: [Double]
  /// The terms (columns of the rows projected).
  package let terms: Int

  /// The number of components kept (at most the requested number and the rank).
  package var components: Int { singularValues.count }

  /// Fits the top `components` right singular vectors of `x`.
  ///
  /// - Parameters:
  ///   - x: the training rows.
  ///   - components: the rank (256 for the SVD-256).
  ///   - powerIterations: passes of the range finder (scikit-learn's default `n_iter` is 5).
  ///   - oversamples: extra columns of the range finder (scikit-learn's default is 10).
  ///   - seed: the Gaussian test matrix's seed.
  package init(
    fitting x: SparseMatrix, components: Int = 256, powerIterations: Int = 5,
    oversamples: Int = 10, seed: UInt64 = 13
  ) {
    let m = x.rows
    let n = x.columns
    terms = n
    let width = max(1, min(components + oversamples, m, n))
    var generator = SeededGenerator(seed: seed)
    let omega = (0..<(n * width)).map { _ in generator.nextGaussian() }
    let transposed = Self.transpose(x)
    var q = Self.orthonormalized(Self.product(x, omega, width: width), rows: m)
    for _ in 0..<max(0, powerIterations) {
      let z = Self.orthonormalized(Self.product(transposed, q.values, width: q.width), rows: n)
      q = Self.orthonormalized(Self.product(x, z.values, width: z.width), rows: m)
    }
    // Bᵀ = Xᵀ·Q (terms × l); B·Bᵀ = Zᵀ·Z = W·Σ²·Wᵀ; V = Bᵀ·W·Σ⁻¹.
    let l = q.width
    let bt = Self.product(transposed, q.values, width: l)
    var small = [Double](repeating: 0, count: l * l)
    bt.withUnsafeBufferPointer { b in
      small.withUnsafeMutableBufferPointer { c in
        BLAS.dgemm(
          .transpose, .none, m: l, n: l, k: n, alpha: 1, a: b.baseAddress!, lda: l,
          b: b.baseAddress!, ldb: l, beta: 0, c: c.baseAddress!, ldc: l)
      }
    }
    let (values, w) = NoveltyBaselines.TruncatedSVD.symmetricEigen(small, size: l)
    let order = (0..<l).sorted { values[$0] > values[$1] }
    let largest = max(values[order.first ?? 0], 0)
    let kept = order.prefix(components).filter { values[$0] > max(largest * 1e-12, 0) }
    let k = kept.count
    var scaledW = [Double](repeating: 0, count: l * k)
    for (column, e) in kept.enumerated() {
      let inverse = 1 / values[e].squareRoot()
      for j in 0..<l { scaledW[j * k + column] = w[j * l + e] * inverse }
    }
    var v = [Double](repeating: 0, count: n * k)
    if k > 0 {
      bt.withUnsafeBufferPointer { b in
        scaledW.withUnsafeBufferPointer { s in
          v.withUnsafeMutableBufferPointer { c in
            BLAS.dgemm(
              .none, .none, m: n, n: k, k: l, alpha: 1, a: b.baseAddress!, lda: l,
              b: s.baseAddress!, ldb: k, beta: 0, c: c.baseAddress!, ldc: k)
          }
        }
      }
    }
    vectors = v.map(Float.init)
    singularValues = kept.map { values[$0].squareRoot() }
  }

  /// `x·V_k`: each row's coordinates on the components (rows × ``components``).
  package func transform(_ x: SparseMatrix) -> DenseMatrix {
    precondition(x.columns == terms, "the rows have another number of terms")
    let k = components
    var out = [Float](repeating: 0, count: x.rows * k)
    out.withUnsafeMutableBufferPointer { buffer in
      let shared = UnsafeSharedBuffer(buffer)
      let v = vectors
      Parallel.forEach(count: x.rows, minimumChunk: 64) { range in
        v.withUnsafeBufferPointer { v in
          for r in range {
            let row = shared.base + r * k
            for p in x.storageRange(ofRow: r) {
              let value = x.values[p]
              let source = v.baseAddress! + Int(x.columnIndices[p]) * k
              for j in 0..<k { row[j] += value * source[j] }
            }
          }
        }
      }
    }
    return DenseMatrix(uncheckedRows: x.rows, columns: k, values: out)
  }

  /// `x·d` for sparse rows `x` and a dense row-major `x.columns × width` matrix `d`, in double
  /// precision, rows split over cores.
  static func product(_ x: SparseMatrix, _ d: [Double], width: Int) -> [Double] {
    var out = [Double](repeating: 0, count: x.rows * width)
    out.withUnsafeMutableBufferPointer { buffer in
      let shared = UnsafeSharedBuffer(buffer)
      d.withUnsafeBufferPointer { d in
        let source = UnsafeSharedBuffer(readOnly: d)
        Parallel.forEach(count: x.rows, minimumChunk: 64) { range in
          for r in range {
            let row = shared.base + r * width
            for p in x.storageRange(ofRow: r) {
              let value = Double(x.values[p])
              let from = source.base + Int(x.columnIndices[p]) * width
              for j in 0..<width { row[j] += value * from[j] }
            }
          }
        }
      }
    }
    return out
  }

  /// The transpose of `x` (columns as rows), in CSR.
  static func transpose(_ x: SparseMatrix) -> SparseMatrix {
    var counts = [Int64](repeating: 0, count: x.columns + 1)
    for c in x.columnIndices { counts[Int(c) + 1] += 1 }
    for c in 0..<x.columns { counts[c + 1] += counts[c] }
    var next = counts
    var rows = [Int32](repeating: 0, count: x.values.count)
    var values = [Float](repeating: 0, count: x.values.count)
    for r in 0..<x.rows {
      for p in x.storageRange(ofRow: r) {
        let c = Int(x.columnIndices[p])
        let slot = Int(next[c])
        rows[slot] = Int32(r)
        values[slot] = x.values[p]
        next[c] += 1
      }
    }
    return SparseMatrix(
      uncheckedRows: x.columns, columns: x.rows, rowOffsets: counts, columnIndices: rows,
      values: values)
  }

  /// Orthonormal columns spanning those of the row-major `rows × width` matrix `y`, by Cholesky
  /// QR done twice; where the Gram matrix is not numerically positive definite (dependent
  /// columns), by its eigenvectors instead, leaving out the directions it does not span.
  static func orthonormalized(_ y: [Double], rows: Int) -> (values: [Double], width: Int) {
    var current = y
    var width = rows > 0 ? y.count / rows : 0
    for _ in 0..<2 where width > 0 {
      let gram = Self.gram(current, rows: rows, width: width)
      let map: [Double]
      let newWidth: Int
      if let inverse = Self.inverseCholeskyFactor(gram, size: width) {
        (map, newWidth) = (inverse, width)
      } else {
        (map, newWidth) = Self.eigenWhitening(gram, size: width)
      }
      var next = [Double](repeating: 0, count: rows * newWidth)
      if newWidth > 0 {
        current.withUnsafeBufferPointer { a in
          map.withUnsafeBufferPointer { b in
            next.withUnsafeMutableBufferPointer { c in
              BLAS.dgemm(
                .none, .none, m: rows, n: newWidth, k: width, alpha: 1, a: a.baseAddress!,
                lda: width, b: b.baseAddress!, ldb: newWidth, beta: 0, c: c.baseAddress!,
                ldc: newWidth)
            }
          }
        }
      }
      current = next
      width = newWidth
    }
    return (current, width)
  }

  /// `yᵀ·y` (width × width).
  static func gram(_ y: [Double], rows: Int, width: Int) -> [Double] {
    var gram = [Double](repeating: 0, count: width * width)
    y.withUnsafeBufferPointer { a in
      gram.withUnsafeMutableBufferPointer { c in
        BLAS.dgemm(
          .transpose, .none, m: width, n: width, k: rows, alpha: 1, a: a.baseAddress!,
          lda: width, b: a.baseAddress!, ldb: width, beta: 0, c: c.baseAddress!, ldc: width)
      }
    }
    return gram
  }

  /// `R⁻¹` (upper triangular, row-major) for the Cholesky factor `G = RᵀR`, or `nil` when a
  /// pivot is not clearly positive (relative to the diagonal's largest entry).
  static func inverseCholeskyFactor(_ g: [Double], size n: Int) -> [Double]? {
    var r = [Double](repeating: 0, count: n * n)
    let scale = (0..<n).map { g[$0 * n + $0] }.max() ?? 0
    guard scale > 0 else { return nil }
    for j in 0..<n {
      var pivot = g[j * n + j]
      for k in 0..<j { pivot -= r[k * n + j] * r[k * n + j] }
      guard pivot > scale * 1e-10 else { return nil }
      let diagonal = pivot.squareRoot()
      r[j * n + j] = diagonal
      for i in (j + 1)..<max(j + 1, n) {
        var sum = g[j * n + i]
        for k in 0..<j { sum -= r[k * n + j] * r[k * n + i] }
        r[j * n + i] = sum / diagonal
      }
    }
    // Back substitution, column by column of the identity.
    var inverse = [Double](repeating: 0, count: n * n)
    for column in 0..<n {
      for i in stride(from: column, through: 0, by: -1) {
        var sum = i == column ? 1.0 : 0
        for k in (i + 1)..<max(i + 1, column + 1) { sum -= r[i * n + k] * inverse[k * n + column] }
        inverse[i * n + column] = sum / r[i * n + i]
      }
    }
    return inverse
  }

  /// `W·Λ^(−1/2)` for the eigenvalues of `g` above 10⁻¹² of the largest (size × kept).
  static func eigenWhitening(_ g: [Double], size n: Int) -> ([Double], Int) {
    let (values, vectors) = NoveltyBaselines.TruncatedSVD.symmetricEigen(g, size: n)
    let largest = values.max() ?? 0
    let kept = (0..<n).filter { values[$0] > largest * 1e-12 && values[$0] > 0 }.sorted {
      values[$0] > values[$1]
    }
    var map = [Double](repeating: 0, count: n * kept.count)
    for (column, e) in kept.enumerated() {
      let inverse = 1 / values[e].squareRoot()
      for i in 0..<n { map[i * kept.count + column] = vectors[i * n + e] * inverse }
    }
    return (map, kept.count)
  }
}
