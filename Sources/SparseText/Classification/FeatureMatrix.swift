/// A matrix of samples (rows) by features (columns) that ``LogisticRegression`` fits and scores:
/// ``SparseMatrix``, ``DenseMatrix`` and ``ConcatenatedFeatures``, each with the products the
/// solver needs. Apps pass a sparse or a dense matrix to the classifier's public methods.
package protocol FeatureMatrix: Sendable {
  /// The number of rows (samples).
  var rows: Int { get }
  /// The number of columns (features).
  var columns: Int { get }
  /// For rows in `range`: `out[(r - range.lowerBound) * k + j] = Σ_c x[r, c] · w[j * columns + c]`.
  func multiplyRows(
    _ range: Range<Int>, weights w: [Double], outputs k: Int, into out: inout [Double])
  /// For rows in `range`: `gradient[j * columns + c] += Σ_r x[r, c] · g[(r - lower) * k + j]`.
  func accumulateTransposed(
    _ range: Range<Int>, coefficients g: [Double], outputs k: Int, into gradient: inout [Double])
  /// The rows at `indices`, in that order.
  func selectingRows(_ indices: [Int]) -> Self
}

// The products of each kind of block, on weights laid out as `k` rows of `stride` values of
// which this block's columns start at `offset` (so blocks side by side share one weight matrix).

extension SparseMatrix {
  /// Adds `Σ_c x[r, c] · w[j * stride + offset + c]` to `out[(r - lower) * k + j]`.
  func addProducts(
    _ range: Range<Int>, weights w: UnsafePointer<Double>, stride: Int, offset: Int, outputs k: Int,
    into out: UnsafeMutablePointer<Double>
  ) {
    for r in range {
      let base = (r - range.lowerBound) * k
      for p in Int(rowOffsets[r])..<Int(rowOffsets[r + 1]) {
        let c = offset + Int(columnIndices[p])
        let v = Double(values[p])
        for j in 0..<k { out[base + j] += v * w[j * stride + c] }
      }
    }
  }

  /// Adds `Σ_r x[r, c] · g[(r - lower) * k + j]` to `gradient[j * stride + offset + c]`.
  func addTransposedProducts(
    _ range: Range<Int>, coefficients g: UnsafePointer<Double>, stride: Int, offset: Int,
    outputs k: Int, into gradient: UnsafeMutablePointer<Double>
  ) {
    for r in range {
      let base = (r - range.lowerBound) * k
      for p in Int(rowOffsets[r])..<Int(rowOffsets[r + 1]) {
        let c = offset + Int(columnIndices[p])
        let v = Double(values[p])
        for j in 0..<k { gradient[j * stride + c] += v * g[base + j] }
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

  /// `Σ_c Double(row[c]) · w[c]` over `count` entries, in eight lanes of Double.
  @inline(__always)
  static func dot(_ row: UnsafePointer<Float>, _ w: UnsafePointer<Double>, count: Int) -> Double {
    var lanes = SIMD8<Double>()
    var c = 0
    while c + 8 <= count {
      let x = SIMD8<Double>(UnsafeRawPointer(row + c).loadUnaligned(as: SIMD8<Float>.self))
      lanes += x * UnsafeRawPointer(w + c).loadUnaligned(as: SIMD8<Double>.self)
      c += 8
    }
    var sum = lanes.sum()
    while c < count {
      sum += Double(row[c]) * w[c]
      c += 1
    }
    return sum
  }

  /// `y[c] += a · Double(row[c])` over `count` entries, eight at a time.
  @inline(__always)
  static func axpy(
    _ a: Double, _ row: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Double>, count: Int
  ) {
    var c = 0
    let scalar = SIMD8<Double>(repeating: a)
    while c + 8 <= count {
      let x = SIMD8<Double>(UnsafeRawPointer(row + c).loadUnaligned(as: SIMD8<Float>.self))
      let target = UnsafeMutableRawPointer(y + c)
      target.storeBytes(
        of: target.loadUnaligned(as: SIMD8<Double>.self) + scalar * x, as: SIMD8<Double>.self)
      c += 8
    }
    while c < count {
      y[c] += a * Double(row[c])
      c += 1
    }
  }

  /// As ``SparseMatrix/addProducts(_:weights:stride:offset:outputs:into:)``: directly from the
  /// Float rows for up to ``directOutputs`` outputs, else with one BLAS product.
  func addProducts(
    _ range: Range<Int>, weights w: UnsafePointer<Double>, stride: Int, offset: Int, outputs k: Int,
    into out: UnsafeMutablePointer<Double>
  ) {
    guard columns > 0, !range.isEmpty else { return }
    if k <= Self.directOutputs {
      values.withUnsafeBufferPointer { v in
        for r in range {
          let row = v.baseAddress! + r * columns
          let o = out + (r - range.lowerBound) * k
          for j in 0..<k { o[j] += Self.dot(row, w + j * stride + offset, count: columns) }
        }
      }
      return
    }
    let x = doubleRows(range)
    BLAS.dgemm(
      .none, .transpose, m: range.count, n: k, k: columns, alpha: 1, a: x, lda: columns,
      b: w + offset, ldb: stride, beta: 1, c: out, ldc: k)
  }

  /// As ``SparseMatrix/addTransposedProducts(_:coefficients:stride:offset:outputs:into:)``:
  /// directly from the Float rows for up to ``directOutputs`` outputs, else with one BLAS
  /// product.
  func addTransposedProducts(
    _ range: Range<Int>, coefficients g: UnsafePointer<Double>, stride: Int, offset: Int,
    outputs k: Int, into gradient: UnsafeMutablePointer<Double>
  ) {
    guard columns > 0, !range.isEmpty else { return }
    if k <= Self.directOutputs {
      values.withUnsafeBufferPointer { v in
        for r in range {
          let row = v.baseAddress! + r * columns
          let coefficients = g + (r - range.lowerBound) * k
          for j in 0..<k where coefficients[j] != 0 {
            Self.axpy(coefficients[j], row, gradient + j * stride + offset, count: columns)
          }
        }
      }
      return
    }
    let x = doubleRows(range)
    BLAS.dgemm(
      .transpose, .none, m: k, n: columns, k: range.count, alpha: 1, a: g, lda: k, b: x,
      ldb: columns, beta: 1, c: gradient + offset, ldc: stride)
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
          range, weights: w.baseAddress!, stride: columns, offset: 0, outputs: k,
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
        addTransposedProducts(
          range, coefficients: g.baseAddress!, stride: columns, offset: 0, outputs: k,
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
          range, weights: w.baseAddress!, stride: columns, offset: 0, outputs: k,
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
        addTransposedProducts(
          range, coefficients: g.baseAddress!, stride: columns, offset: 0, outputs: k,
          into: gradient.baseAddress!)
      }
    }
  }
}

/// Sparse features and dense features side by side (`[sparse | dense]`), as TF-IDF ⊕ codes:
/// each block keeps its own layout, so the dense block's products go to BLAS instead of
/// becoming hundreds of stored entries per sparse row.
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
          range, weights: w.baseAddress!, stride: columns, offset: 0, outputs: k,
          into: result.baseAddress!)
        dense.addProducts(
          range, weights: w.baseAddress!, stride: columns, offset: sparse.columns, outputs: k,
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
          range, coefficients: g.baseAddress!, stride: columns, offset: 0, outputs: k,
          into: gradient.baseAddress!)
        dense.addTransposedProducts(
          range, coefficients: g.baseAddress!, stride: columns, offset: sparse.columns,
          outputs: k, into: gradient.baseAddress!)
      }
    }
  }
}
