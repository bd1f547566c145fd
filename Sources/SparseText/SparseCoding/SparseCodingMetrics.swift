/// How well a sparse autoencoder reconstructs a matrix and how sparse its codes are.
public struct SparseCodingMetrics: Sendable, Equatable, Codable {
  /// Mean squared error over every entry (in the input's scale).
  public var meanSquaredError: Double
  /// `½‖x̂ − x‖²` per document, averaged (in the input's scale).
  public var halfSquaredErrorPerDocument: Double
  /// Fraction of variance unexplained: `Σ(x̂ − x)² / Σ(x − x̄)²`, x̄ the column means.
  public var fractionOfVarianceUnexplained: Double
  /// Mean activation over documents and units (ρ̂).
  public var meanActivation: Double
  /// The target ρ.
  public var sparsityTarget: Double
  /// Units never above the active threshold on these documents.
  public var deadUnits: Int
  /// Hidden units in all.
  public var hiddenUnits: Int
  /// Mean number of units above the active threshold per document (L0).
  public var activeUnitsPerDocument: Double

  init(model: SparseAutoencoder, x: SparseMatrix) {
    let codes = model.encode(x)
    let reconstruction = model.reconstruct(x)
    let n = x.columns
    let h = codes.columns
    var squaredError = 0.0
    var columnSums = [Double](repeating: 0, count: n)
    var columnSquares = [Double](repeating: 0, count: n)
    for r in 0..<x.rows {
      var row = [Double](repeating: 0, count: n)
      for p in x.storageRange(ofRow: r) {
        row[Int(x.columnIndices[p])] = Double(x.values[p])
      }
      for c in 0..<n {
        let d = Double(reconstruction.values[r * n + c]) - row[c]
        squaredError += d * d
        columnSums[c] += row[c]
        columnSquares[c] += row[c] * row[c]
      }
    }
    let rows = Double(max(1, x.rows))
    var variance = 0.0
    for c in 0..<n { variance += columnSquares[c] - columnSums[c] * columnSums[c] / rows }
    let threshold = Float(model.configuration.activeThreshold)
    var fired = [Bool](repeating: false, count: h)
    var active = 0
    var total = 0.0
    for r in 0..<codes.rows {
      for j in 0..<h {
        let value = codes.values[r * h + j]
        total += Double(value)
        if value > threshold {
          active += 1
          fired[j] = true
        }
      }
    }
    meanSquaredError = squaredError / (rows * Double(max(1, n)))
    halfSquaredErrorPerDocument = 0.5 * squaredError / rows
    fractionOfVarianceUnexplained = variance > 0 ? squaredError / variance : 0
    meanActivation = total / (rows * Double(max(1, h)))
    sparsityTarget = model.configuration.sparsityTarget
    deadUnits = fired.filter { !$0 }.count
    hiddenUnits = h
    activeUnitsPerDocument = Double(active) / rows
  }
}
