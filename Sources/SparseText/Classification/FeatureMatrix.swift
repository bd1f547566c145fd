/// The two products a linear model needs, for sparse and dense inputs alike.
public protocol FeatureMatrix: Sendable {
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
}

extension SparseMatrix: FeatureMatrix {
  /// See ``FeatureMatrix/multiplyRows(_:weights:outputs:into:)``.
  public func multiplyRows(
    _ range: Range<Int>, weights w: [Double], outputs k: Int, into out: inout [Double]
  ) {
    let d = columns
    var result = [Double](repeating: 0, count: range.count * k)
    result.withUnsafeMutableBufferPointer { result in
      for r in range {
        let base = (r - range.lowerBound) * k
        for p in Int(rowOffsets[r])..<Int(rowOffsets[r + 1]) {
          let c = Int(columnIndices[p])
          let v = Double(values[p])
          for j in 0..<k { result[base + j] += v * w[j * d + c] }
        }
      }
    }
    out = result
  }

  /// See ``FeatureMatrix/accumulateTransposed(_:coefficients:outputs:into:)``.
  public func accumulateTransposed(
    _ range: Range<Int>, coefficients g: [Double], outputs k: Int, into gradient: inout [Double]
  ) {
    let d = columns
    gradient.withUnsafeMutableBufferPointer { gradient in
      for r in range {
        let base = (r - range.lowerBound) * k
        for p in Int(rowOffsets[r])..<Int(rowOffsets[r + 1]) {
          let c = Int(columnIndices[p])
          let v = Double(values[p])
          for j in 0..<k { gradient[j * d + c] += v * g[base + j] }
        }
      }
    }
  }
}

extension DenseMatrix: FeatureMatrix {
  /// See ``FeatureMatrix/multiplyRows(_:weights:outputs:into:)``.
  public func multiplyRows(
    _ range: Range<Int>, weights w: [Double], outputs k: Int, into out: inout [Double]
  ) {
    let d = columns
    var result = [Double](repeating: 0, count: range.count * k)
    for r in range {
      let row = r * d
      for j in 0..<k {
        var sum = 0.0
        let wj = j * d
        for c in 0..<d { sum += Double(values[row + c]) * w[wj + c] }
        result[(r - range.lowerBound) * k + j] = sum
      }
    }
    out = result
  }

  /// See ``FeatureMatrix/accumulateTransposed(_:coefficients:outputs:into:)``.
  public func accumulateTransposed(
    _ range: Range<Int>, coefficients g: [Double], outputs k: Int, into gradient: inout [Double]
  ) {
    let d = columns
    for r in range {
      let row = r * d
      for j in 0..<k {
        let coefficient = g[(r - range.lowerBound) * k + j]
        if coefficient == 0 { continue }
        let wj = j * d
        for c in 0..<d { gradient[wj + c] += Double(values[row + c]) * coefficient }
      }
    }
  }
}
