import Foundation

/// The sizes an autoencoder's settings multiply, checked before anything is allocated: a value
/// whose products overflow or need more memory than the machine has is a
/// ``ConfigurationError`` naming the field, never an arithmetic trap or a failed allocation.
extension SparseAutoencoder.Configuration {
  /// The largest count setting (hidden units, batch size, epochs, patience, TopK's k, sampled
  /// columns): 2³¹ − 1, so that products of two of them, or of one and a matrix dimension, stay
  /// within `Int`, and every count prints as what it is.
  package static let countLimit = Int(Int32.max)

  /// The range of ``inputScale`` when it is set: beyond it, inputs or their reconstructions
  /// leave the range of Float (a scale of 1e-320 made every anomaly score infinite), and the
  /// automatic scale (√(columns / mean squared row norm)) never gets near either end.
  package static let inputScaleRange = 1e-6...1e6

  /// Checks the count settings against ``countLimit``, and the input scale against
  /// ``inputScaleRange`` (for any data, on any machine); a bundle's configuration is checked
  /// with it too.
  package func checkCounts() throws {
    if let scale = inputScale, !Self.inputScaleRange.contains(scale) {
      throw ConfigurationError.outOfRange(
        field: .inputScale, value: "\(scale)",
        allowed:
          "from \(Self.inputScaleRange.lowerBound) to \(Int(Self.inputScaleRange.upperBound)), or nil to choose it from the training rows"
      )
    }
    let counts: [(ConfigurationField, Int)] = [
      (.hiddenUnits, hiddenUnits), (.batchSize, batchSize ?? 1), (.epochs, epochs),
      (.patience, patience), (.topK, topK ?? 1), (.sampledColumns, sampledColumns ?? 1),
    ]
    for (field, value) in counts where value > Self.countLimit {
      throw ConfigurationError.outOfRange(
        field: field, value: "\(value)", allowed: "at most \(Self.countLimit)")
    }
  }

  /// The memory a training over `rows` rows of `inputColumns` columns needs, in bytes, and what
  /// most of it is for (the field that sets it): the weights (one matrix of hidden units ×
  /// columns, two when not tied) with their gradient and the optimizer's two moments; a batch's
  /// activations and reconstructions (a few arrays of batch × (hidden units + columns), or of
  /// batch × (hidden units + 1,024 columns) for the blocked step, which decodes a block of
  /// columns at a time per worker); the codes of every row (kept for the code scaler, the
  /// classifier and the anomaly scores). An unset batch size counts as the one chosen for
  /// `rows`.
  package func memoryNeeded(inputColumns: Int, rows: Int) -> (
    weights: Double, batch: Double, codes: Double
  ) {
    let h = Double(hiddenUnits)
    let n = Double(inputColumns)
    let matrices = tiedWeights ? 1.0 : 2.0
    let b = Double(min(batchSize(rows: rows), max(1, rows)))
    return (
      weights: 4 * 4 * (matrices * h * n + h + n),
      batch: 4 * 4 * b * (h + batchColumns(inputColumns: inputColumns)),
      codes: 4 * 3 * Double(rows) * h
    )
  }

  /// Checks that a training over `rows` rows of `inputColumns` columns fits the memory budget
  /// (``MemoryBudget``), before anything is allocated; throws ``ConfigurationError`` naming the
  /// setting to lower (`hiddenUnits`, or `batchSize`) with the largest value that fits.
  package func checkSizes(inputColumns: Int, rows: Int) throws {
    let batchSize = batchSize(rows: rows)
    try checkCounts()
    let budget = Double(MemoryBudget.bytes)
    let need = memoryNeeded(inputColumns: inputColumns, rows: rows)
    let total = need.weights + need.batch + need.codes
    guard total > budget else { return }
    let available = MemoryBudget.describe(budget)
    let needed = MemoryBudget.describe(total)
    if need.batch > need.weights + need.codes && batchSize > 1 {
      let perRow = 4 * 4 * (Double(hiddenUnits) + batchColumns(inputColumns: inputColumns))
      let fits = max(
        1, Int(min(Double(Self.countLimit), (budget - need.weights - need.codes) / perRow)))
      throw ConfigurationError.outOfRange(
        field: .batchSize, value: "\(batchSize)",
        allowed:
          "at most about \(fits) for \(hiddenUnits) hidden units over \(inputColumns) columns "
          + "(the training would need \(needed) of memory, more than the \(available) available)")
    }
    let perUnit =
      4 * 4 * ((tiedWeights ? 1 : 2) * Double(inputColumns) + 1) + 4 * 3 * Double(rows)
      + 4 * 4 * Double(min(batchSize, max(1, rows)))
    let fits = max(0, Int(min(Double(Self.countLimit), budget / perUnit)))
    throw ConfigurationError.outOfRange(
      field: .hiddenUnits, value: "\(hiddenUnits)",
      allowed:
        "at most about \(fits) over \(inputColumns) columns and \(rows) rows (the training "
        + "would need \(needed) of memory, more than the \(available) available; a "
        + "smaller vocabulary also helps)")
  }

  /// The columns a batch's dense arrays span: every column for the reference step (tied
  /// weights, or sampling: the sampled and present columns, at most every one), a block per
  /// worker for the blocked step (counted as 1,024).
  private func batchColumns(inputColumns: Int) -> Double {
    let sampling = sampledColumns.map { $0 < inputColumns } ?? false
    let blocked = !tiedWeights && !sampling
    return Double(blocked ? min(inputColumns, 1024) : inputColumns)
  }
}
