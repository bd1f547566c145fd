/// Per-unit statistics of codes, accumulated a block of rows at a time: each unit's sum, sum of
/// squares and how many rows it fires on. Blocks added in row order give exactly the numbers
/// of all the rows at once, so a million documents' codes (1 GB at 256 units) need never be
/// held together to fit a ``CodeScaler`` or measure firing rates.
package struct CodeStatistics: Sendable {
  /// The activity above which a unit counts as firing.
  package let threshold: Float
  /// Rows added so far.
  package private(set) var rows = 0
  private var sums: [Double]
  private var squares: [Double]
  private var firing: [Int]

  /// Empty statistics of `units` units, counting a unit as firing above `threshold`.
  package init(units: Int, threshold: Float) {
    self.threshold = threshold
    sums = [Double](repeating: 0, count: units)
    squares = sums
    firing = [Int](repeating: 0, count: units)
  }

  /// The number of units.
  package var units: Int { sums.count }

  /// Adds the rows of `codes` (one column per unit).
  package mutating func add(_ codes: DenseMatrix) {
    precondition(codes.columns == units, "codes have \(codes.columns) units, not \(units)")
    let h = units
    codes.values.withUnsafeBufferPointer { values in
      for r in 0..<codes.rows {
        let base = r * h
        for j in 0..<h {
          let v = values[base + j]
          let d = Double(v)
          sums[j] += d
          squares[j] += d * d
          if v > threshold { firing[j] += 1 }
        }
      }
    }
    rows += codes.rows
  }

  /// For each unit, the fraction of the rows on which it fired.
  package var firingRates: [Double] {
    firing.map { Double($0) / Double(max(1, rows)) }
  }

  /// The scaler that standardizes the rows added: each unit's mean and standard deviation
  /// (1 for a unit whose spread is at float rounding level, which is then only centred).
  package var scaler: CodeScaler {
    let n = Double(max(1, rows))
    var mean = [Float](repeating: 0, count: units)
    var scale = [Float](repeating: 1, count: units)
    for j in 0..<units {
      let m = sums[j] / n
      let variance = max(0, squares[j] / n - m * m)
      mean[j] = Float(m)
      let deviation = variance.squareRoot()
      scale[j] = deviation > 1e-6 * max(1, abs(m)) ? Float(deviation) : 1
    }
    return CodeScaler(uncheckedMean: mean, scale: scale)
  }
}
