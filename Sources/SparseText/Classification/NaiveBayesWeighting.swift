import Foundation

/// Naive-Bayes log-count ratios, the feature weighting of NBSVM (Wang & Manning 2012, "Baselines
/// and bigrams"): on binarized term counts `b`, a model's ratio is
/// `r = log((p / ‖p‖₁) / (q / ‖q‖₁))` with `p = α + Σ b` over the rows of its class and
/// `q = α + Σ b` over the other rows; the classifier then reads `b ⊙ r`.
///
/// Two classes make one model (the second class, sorted, against the first); more make one
/// model per class against the rest.
///
/// ```swift
/// let nb = try NaiveBayesWeighting(fitting: x, labels: y)
/// let features = nb.weighted(x, model: 0)
/// ```
package struct NaiveBayesWeighting: Sendable, Equatable {
  /// The smoothing `α` of the paper, 1.
  package static let defaultSmoothing = 1.0

  /// The class labels, sorted.
  package let classes: [String]
  /// The log-count ratios, one row per model (one for two classes, one per class otherwise) by
  /// one column per term.
  package let ratios: DenseMatrix

  /// The number of models: 1 for two classes, else one per class.
  package var models: Int { ratios.rows }
  /// The number of terms.
  package var terms: Int { ratios.columns }

  /// The class each model says "yes" to: model `m` separates `positiveClass(m)` from the rest.
  package func positiveClass(_ model: Int) -> String {
    classes.count == 2 ? classes[1] : classes[model]
  }

  /// Fits the ratios on `x`'s rows (any nonzero value counts as the term being present) and
  /// their labels.
  ///
  /// - Throws: ``DataError/shapeMismatch(what:expected:actual:)`` when the labels are not one
  ///   per row, ``DataError/singleClass(label:)`` for fewer than two classes, and
  ///   ``ConfigurationError/outOfRange(field:value:allowed:)`` for a smoothing that is not
  ///   positive.
  package init(fitting x: SparseMatrix, labels: [String], smoothing: Double = defaultSmoothing)
    throws
  {
    guard labels.count == x.rows else {
      throw DataError.shapeMismatch(
        what: "labels (one per row)", expected: x.rows, actual: labels.count)
    }
    guard smoothing > 0, smoothing.isFinite else {
      throw ConfigurationError.outOfRange(
        field: .naiveBayesSmoothing, value: "\(smoothing)", allowed: "a positive number")
    }
    let classes = Array(Set(labels)).sorted()
    guard classes.count >= 2 else { throw DataError.singleClass(label: classes.first ?? "") }
    let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
    let v = x.columns
    // Binarized counts per class and term.
    var counts = [Double](repeating: 0, count: classes.count * v)
    for r in 0..<x.rows {
      let base = index[labels[r]]! * v
      for p in x.storageRange(ofRow: r) where x.values[p] != 0 {
        counts[base + Int(x.columnIndices[p])] += 1
      }
    }
    var total = [Double](repeating: 0, count: v)
    for k in 0..<classes.count { for t in 0..<v { total[t] += counts[k * v + t] } }
    let positives = classes.count == 2 ? [1] : Array(0..<classes.count)
    var values: [Float] = []
    values.reserveCapacity(positives.count * v)
    for k in positives {
      let p = (0..<v).map { smoothing + counts[k * v + $0] }
      let q = (0..<v).map { smoothing + total[$0] - counts[k * v + $0] }
      let pSum = p.reduce(0, +)
      let qSum = q.reduce(0, +)
      for t in 0..<v { values.append(Float(log((p[t] / pSum) / (q[t] / qSum)))) }
    }
    self.classes = classes
    self.ratios = DenseMatrix(uncheckedRows: positives.count, columns: v, values: values)
  }

  /// Restores fitted ratios.
  ///
  /// - Throws: ``ModelFormatError/inconsistent(file:reason:)`` when the rows do not match the
  ///   classes (one row for two classes, else one per class), a class repeats, or a ratio is
  ///   not finite.
  package init(ratios: DenseMatrix, classes: [String]) throws {
    let expected = classes.count == 2 ? 1 : classes.count
    guard classes.count >= 2, ratios.rows == expected else {
      throw ModelFormatError.inconsistent(
        file: "classifier",
        reason:
          "\(classes.count) classes need \(expected) rows of log-count ratios, found \(ratios.rows)"
      )
    }
    if let duplicate = classes.firstDuplicate {
      throw ModelFormatError.inconsistent(
        file: "classifier",
        reason: "class '\(duplicate)' is listed twice; class names must be unique")
    }
    if let bad = ratios.values.firstIndex(where: { !$0.isFinite }) {
      throw ModelFormatError.inconsistent(
        file: "classifier",
        reason: "log-count ratio \(ratios.values[bad]) at index \(bad); every ratio must be finite")
    }
    self.classes = classes
    self.ratios = ratios
  }

  /// `x` binarized (every stored nonzero becomes 1), the rows every model reads before its
  /// ratios.
  package static func binarized(_ x: SparseMatrix) -> SparseMatrix {
    SparseMatrix(
      uncheckedRows: x.rows, columns: x.columns, rowOffsets: x.rowOffsets,
      columnIndices: x.columnIndices, values: x.values.map { $0 != 0 ? 1 : 0 })
  }

  /// Model `model`'s features of `x`: `binarized(x) ⊙ ratios[model]`.
  ///
  /// - Precondition: `x` has ``terms`` columns and `model` is below ``models``.
  package func weighted(_ x: SparseMatrix, model: Int) -> SparseMatrix {
    precondition(x.columns == terms && (0..<models).contains(model))
    let r = ratios.row(model)
    let base = r.startIndex
    return SparseMatrix(
      uncheckedRows: x.rows, columns: x.columns, rowOffsets: x.rowOffsets,
      columnIndices: x.columnIndices,
      values: zip(x.values, x.columnIndices).map { $0 != 0 ? r[base + Int($1)] : 0 })
  }
}
