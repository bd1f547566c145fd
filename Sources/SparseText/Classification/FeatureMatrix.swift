import CKernels

/// A matrix of samples (rows) by features (columns) that ``LogisticRegression`` fits and scores:
/// ``SparseMatrix``, ``DenseMatrix`` and ``ConcatenatedFeatures``, each with the products the
/// solver needs. Apps pass a sparse or a dense matrix to the classifier's public methods.
package protocol FeatureMatrix: Sendable {
  /// The number of rows (samples).
  var rows: Int { get }
  /// The number of columns (features).
  var columns: Int { get }
  /// For rows in `range`: `out[(r - range.lowerBound) * k + j] = Σ_c x[r, c] · w[c * k + j]`,
  /// with the weights feature-major (`columns × k`: the `k` weights of a feature side by side,
  /// so a stored entry reads one run of `k` values).
  func multiplyRows(
    _ range: Range<Int>, weights w: [Double], outputs k: Int, into out: inout [Double])
  /// For rows in `range`: `gradient[c * k + j] += Σ_r x[r, c] · g[(r - lower) * k + j]`, the
  /// gradient feature-major like the weights of ``multiplyRows(_:weights:outputs:into:)``.
  func accumulateTransposed(
    _ range: Range<Int>, coefficients g: [Double], outputs k: Int, into gradient: inout [Double])
  /// The rows at `indices`, in that order.
  func selectingRows(_ indices: [Int]) -> Self
}

// The products of each kind of block, on weights laid out feature-major: `columns × k` for
// the whole matrix, the weights of feature `c` at `w[c * k ..< (c + 1) * k]`, of which this
// block's features start at feature `offset` (so blocks side by side share one weight
// matrix, each reading a contiguous slice of it).

extension SparseMatrix {
  /// Adds `Σ_c x[r, c] · w[(offset + c) * k + j]` to `out[(r - lower) * k + j]`.
  func addProducts(
    _ range: Range<Int>, weights w: UnsafePointer<Double>, offset: Int, outputs k: Int,
    into out: UnsafeMutablePointer<Double>
  ) {
    let w = w + offset * k
    if k == 1 {
      // One output (a binary model): each row's sum in a register.
      for r in range {
        var sum = 0.0
        for p in Int(rowOffsets[r])..<Int(rowOffsets[r + 1]) {
          sum += Double(values[p]) * w[Int(columnIndices[p])]
        }
        out[r - range.lowerBound] += sum
      }
      return
    }
    for r in range {
      let o = out + (r - range.lowerBound) * k
      for p in Int(rowOffsets[r])..<Int(rowOffsets[r + 1]) {
        let weights = w + Int(columnIndices[p]) * k
        let v = Double(values[p])
        for j in 0..<k { o[j] += v * weights[j] }
      }
    }
  }

  /// Adds `Σ_r x[r, c] · g[(r - lower) * k + j]` to `gradient[(offset + c) * k + j]`.
  func addTransposedProducts(
    _ range: Range<Int>, coefficients g: UnsafePointer<Double>, offset: Int, outputs k: Int,
    into gradient: UnsafeMutablePointer<Double>
  ) {
    let gradient = gradient + offset * k
    if k == 1 {
      for r in range where g[r - range.lowerBound] != 0 {
        let coefficient = g[r - range.lowerBound]
        for p in Int(rowOffsets[r])..<Int(rowOffsets[r + 1]) {
          gradient[Int(columnIndices[p])] += Double(values[p]) * coefficient
        }
      }
      return
    }
    for r in range {
      let coefficients = g + (r - range.lowerBound) * k
      for p in Int(rowOffsets[r])..<Int(rowOffsets[r + 1]) {
        let target = gradient + Int(columnIndices[p]) * k
        let v = Double(values[p])
        for j in 0..<k { target[j] += v * coefficients[j] }
      }
    }
  }
}

extension DenseMatrix {
  /// The rows in `range` in double precision, for BLAS.
  func doubleRows(_ range: Range<Int>) -> [Double] {
    values[(range.lowerBound * columns)..<(range.upperBound * columns)].map(Double.init)
  }

  /// Up to this many outputs (classes), the products below read the Float rows directly
  /// instead of converting them to Double for BLAS: with few outputs a product is bound by
  /// reading the rows, and converting and packing them for a double-precision product cost
  /// several times the arithmetic (on 30,000 × 256 codes, three quarters of a classifier fit).
  static let directOutputs = 16

  /// `Σ_c Double(row[c]) · w[c]` over `count` entries, in eight lanes of Double (in C, with
  /// AVX2 where the processor has it and the same result everywhere).
  @inline(__always)
  static func dot(_ row: UnsafePointer<Float>, _ w: UnsafePointer<Double>, count: Int) -> Double {
    sparsetext_dot_f32_f64(row, w, count)
  }

  /// `y[c] += a · Double(row[c])` over `count` entries, eight at a time (in C, as
  /// ``dot(_:_:count:)``).
  @inline(__always)
  static func axpy(
    _ a: Double, _ row: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Double>, count: Int
  ) {
    sparsetext_axpy_f32_f64(a, row, y, count)
  }

  /// As ``SparseMatrix/addProducts(_:weights:offset:outputs:into:)``: for up to
  /// ``directOutputs`` outputs, directly from the Float rows with this block's weights copied
  /// class-major (`k × columns`, each class's weights contiguous for ``dot(_:_:count:)``),
  /// else with one BLAS product on the feature-major weights.
  func addProducts(
    _ range: Range<Int>, weights w: UnsafePointer<Double>, offset: Int, outputs k: Int,
    into out: UnsafeMutablePointer<Double>
  ) {
    guard columns > 0, !range.isEmpty else { return }
    let w = w + offset * k
    if k <= Self.directOutputs {
      let columns = self.columns
      var classMajor = [Double](repeating: 0, count: k * columns)
      classMajor.withUnsafeMutableBufferPointer { t in
        for c in 0..<columns { for j in 0..<k { t[j * columns + c] = w[c * k + j] } }
      }
      values.withUnsafeBufferPointer { v in
        classMajor.withUnsafeBufferPointer { t in
          for r in range {
            let row = v.baseAddress! + r * columns
            let o = out + (r - range.lowerBound) * k
            for j in 0..<k { o[j] += Self.dot(row, t.baseAddress! + j * columns, count: columns) }
          }
        }
      }
      return
    }
    // out (rows × k) += X (rows × columns) · W (columns × k).
    let x = doubleRows(range)
    BLAS.dgemm(
      .none, .none, m: range.count, n: k, k: columns, alpha: 1, a: x, lda: columns, b: w,
      ldb: k, beta: 1, c: out, ldc: k)
  }

  /// As ``SparseMatrix/addTransposedProducts(_:coefficients:offset:outputs:into:)``: for up
  /// to ``directOutputs`` outputs, directly from the Float rows into a class-major scratch
  /// (`k × columns`, each class's gradient contiguous for ``axpy(_:_:_:count:)``) then added
  /// to the feature-major gradient, else with one BLAS product on the feature-major gradient.
  func addTransposedProducts(
    _ range: Range<Int>, coefficients g: UnsafePointer<Double>, offset: Int, outputs k: Int,
    into gradient: UnsafeMutablePointer<Double>
  ) {
    guard columns > 0, !range.isEmpty else { return }
    let gradient = gradient + offset * k
    if k <= Self.directOutputs {
      let columns = self.columns
      var classMajor = [Double](repeating: 0, count: k * columns)
      values.withUnsafeBufferPointer { v in
        classMajor.withUnsafeMutableBufferPointer { t in
          for r in range {
            let row = v.baseAddress! + r * columns
            let coefficients = g + (r - range.lowerBound) * k
            for j in 0..<k where coefficients[j] != 0 {
              Self.axpy(coefficients[j], row, t.baseAddress! + j * columns, count: columns)
            }
          }
          for c in 0..<columns { for j in 0..<k { gradient[c * k + j] += t[j * columns + c] } }
        }
      }
      return
    }
    // gradient (columns × k) += Xᵀ (columns × rows) · G (rows × k).
    let x = doubleRows(range)
    BLAS.dgemm(
      .transpose, .none, m: columns, n: k, k: range.count, alpha: 1, a: x, lda: columns, b: g,
      ldb: k, beta: 1, c: gradient, ldc: k)
  }
}

extension SparseMatrix: FeatureMatrix {
  /// See ``FeatureMatrix/multiplyRows(_:weights:outputs:into:)``.
  package func multiplyRows(
    _ range: Range<Int>, weights w: [Double], outputs k: Int, into out: inout [Double]
  ) {
    var result = [Double](repeating: 0, count: range.count * k)
    w.withUnsafeBufferPointer { w in
      result.withUnsafeMutableBufferPointer { result in
        addProducts(
          range, weights: w.baseAddress!, offset: 0, outputs: k, into: result.baseAddress!)
      }
    }
    out = result
  }

  /// See ``FeatureMatrix/accumulateTransposed(_:coefficients:outputs:into:)``.
  package func accumulateTransposed(
    _ range: Range<Int>, coefficients g: [Double], outputs k: Int, into gradient: inout [Double]
  ) {
    g.withUnsafeBufferPointer { g in
      gradient.withUnsafeMutableBufferPointer { gradient in
        addTransposedProducts(
          range, coefficients: g.baseAddress!, offset: 0, outputs: k,
          into: gradient.baseAddress!)
      }
    }
  }
}

extension DenseMatrix: FeatureMatrix {
  /// See ``FeatureMatrix/multiplyRows(_:weights:outputs:into:)``.
  package func multiplyRows(
    _ range: Range<Int>, weights w: [Double], outputs k: Int, into out: inout [Double]
  ) {
    var result = [Double](repeating: 0, count: range.count * k)
    w.withUnsafeBufferPointer { w in
      result.withUnsafeMutableBufferPointer { result in
        addProducts(
          range, weights: w.baseAddress!, offset: 0, outputs: k, into: result.baseAddress!)
      }
    }
    out = result
  }

  /// See ``FeatureMatrix/accumulateTransposed(_:coefficients:outputs:into:)``.
  package func accumulateTransposed(
    _ range: Range<Int>, coefficients g: [Double], outputs k: Int, into gradient: inout [Double]
  ) {
    g.withUnsafeBufferPointer { g in
      gradient.withUnsafeMutableBufferPointer { gradient in
        addTransposedProducts(
          range, coefficients: g.baseAddress!, offset: 0, outputs: k,
          into: gradient.baseAddress!)
      }
    }
  }
}

/// Sparse features and dense features side by side (`[sparse | dense]`), as TF-IDF ⊕ codes:
/// each block keeps its own layout, so the dense block's products go to SIMD kernels or BLAS
/// instead of becoming hundreds of stored entries per sparse row. In the feature-major weights
/// the sparse block's features come first (feature offset 0), then the dense block's (feature
/// offset `sparse.columns`).
package struct ConcatenatedFeatures: FeatureMatrix {
  /// The left block.
  package let sparse: SparseMatrix
  /// The right block.
  package let dense: DenseMatrix

  /// `[sparse | dense]`; both must have the same rows.
  package init(_ sparse: SparseMatrix, _ dense: DenseMatrix) throws {
    guard sparse.rows == dense.rows else {
      throw DataError.shapeMismatch(
        what: "rows of the dense block", expected: sparse.rows, actual: dense.rows)
    }
    self.sparse = sparse
    self.dense = dense
  }

  /// See ``FeatureMatrix/rows``.
  package var rows: Int { sparse.rows }
  /// See ``FeatureMatrix/columns``.
  package var columns: Int { sparse.columns + dense.columns }

  /// The rows at `indices`, in that order.
  package func selectingRows(_ indices: [Int]) -> ConcatenatedFeatures {
    // Both blocks keep the same rows, so the shapes agree.
    // swift-format-ignore: NeverUseForceTry
    try! ConcatenatedFeatures(sparse.selectingRows(indices), dense.selectingRows(indices))
  }

  /// See ``FeatureMatrix/multiplyRows(_:weights:outputs:into:)``.
  package func multiplyRows(
    _ range: Range<Int>, weights w: [Double], outputs k: Int, into out: inout [Double]
  ) {
    var result = [Double](repeating: 0, count: range.count * k)
    w.withUnsafeBufferPointer { w in
      result.withUnsafeMutableBufferPointer { result in
        sparse.addProducts(
          range, weights: w.baseAddress!, offset: 0, outputs: k, into: result.baseAddress!)
        dense.addProducts(
          range, weights: w.baseAddress!, offset: sparse.columns, outputs: k,
          into: result.baseAddress!)
      }
    }
    out = result
  }

  /// See ``FeatureMatrix/accumulateTransposed(_:coefficients:outputs:into:)``.
  package func accumulateTransposed(
    _ range: Range<Int>, coefficients g: [Double], outputs k: Int, into gradient: inout [Double]
  ) {
    g.withUnsafeBufferPointer { g in
      gradient.withUnsafeMutableBufferPointer { gradient in
        sparse.addTransposedProducts(
          range, coefficients: g.baseAddress!, offset: 0, outputs: k,
          into: gradient.baseAddress!)
        dense.addTransposedProducts(
          range, coefficients: g.baseAddress!, offset: sparse.columns, outputs: k,
          into: gradient.baseAddress!)
      }
    }
  }
}
