import Foundation

/// Accuracy, F1 scores, per-class precision/recall/F1, the confusion matrix and log-loss, as
/// scikit-learn's `metrics` module computes them (a zero denominator gives 0).
public struct ClassificationReport: Sendable, Equatable, Codable {
  /// Scores of one class.
  public struct ClassScores: Sendable, Equatable, Codable {
    /// The class label.
    public var label: String
    /// Of the rows predicted as this class, the fraction that are.
    public var precision: Double
    /// Of the rows of this class, the fraction predicted as it.
    public var recall: Double
    /// Harmonic mean of precision and recall.
    public var f1: Double
    /// Rows of this class.
    public var support: Int
  }

  /// The labels, sorted; rows and columns of ``confusion`` follow this order.
  public let labels: [String]
  /// Fraction of rows predicted correctly.
  public let accuracy: Double
  /// Unweighted mean of the per-class F1 scores.
  public let macroF1: Double
  /// F1 over all decisions pooled (equals accuracy for single-label tasks).
  public let microF1: Double
  /// Support-weighted mean of the per-class F1 scores.
  public let weightedF1: Double
  /// Per-class scores.
  public let perClass: [ClassScores]
  /// `confusion[i][j]`: rows of class `labels[i]` predicted as `labels[j]`.
  public let confusion: [[Int]]
  /// Mean negative log-likelihood of the true class, when probabilities were given.
  public let logLoss: Double?

  /// Scores `predicted` against `truth`; `probabilities` (rows × `classes`) add the log-loss.
  ///
  /// - Throws: ``DataError/shapeMismatch(what:expected:actual:)`` when `predicted` does not
  ///   have one label per row of `truth`, or `probabilities` is not rows × `classes`, and
  ///   ``ConfigurationError/conflict(reason:suggestion:)`` when `classes` lists a class twice.
  public init(
    truth: [String], predicted: [String], probabilities: DenseMatrix? = nil,
    classes: [String]? = nil
  ) throws {
    guard truth.count == predicted.count else {
      throw DataError.shapeMismatch(
        what: "predictions (one per true label)", expected: truth.count,
        actual: predicted.count)
    }
    if let classes, let duplicate = classes.firstDuplicate {
      throw ConfigurationError.conflict(
        reason: "class '\(duplicate)' is listed twice", suggestion: "List each class once.")
    }
    if let probabilities, let classes {
      guard probabilities.rows == truth.count else {
        throw DataError.shapeMismatch(
          what: "probability rows (one per true label)", expected: truth.count,
          actual: probabilities.rows)
      }
      guard probabilities.columns == classes.count else {
        throw DataError.shapeMismatch(
          what: "probability columns (one per class)", expected: classes.count,
          actual: probabilities.columns)
      }
    }
    let labels = Array(Set(truth).union(predicted).union(classes ?? [])).sorted()
    let index = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
    var confusion = Array(repeating: Array(repeating: 0, count: labels.count), count: labels.count)
    for (t, p) in zip(truth, predicted) { confusion[index[t]!][index[p]!] += 1 }
    let n = truth.count
    let correct = (0..<labels.count).reduce(0) { $0 + confusion[$1][$1] }
    var perClass: [ClassScores] = []
    for (i, label) in labels.enumerated() {
      let tp = Double(confusion[i][i])
      let predictedCount = Double((0..<labels.count).reduce(0) { $0 + confusion[$1][i] })
      let support = confusion[i].reduce(0, +)
      let precision = predictedCount > 0 ? tp / predictedCount : 0
      let recall = support > 0 ? tp / Double(support) : 0
      let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
      perClass.append(
        ClassScores(label: label, precision: precision, recall: recall, f1: f1, support: support))
    }
    // scikit-learn averages over the labels present in truth or predictions.
    let present = perClass.filter { s in
      s.support > 0 || predicted.contains(s.label)
    }
    self.labels = labels
    self.accuracy = n > 0 ? Double(correct) / Double(n) : 0
    self.macroF1 = present.isEmpty ? 0 : present.map(\.f1).reduce(0, +) / Double(present.count)
    self.microF1 = self.accuracy
    self.weightedF1 =
      n > 0 ? perClass.reduce(0) { $0 + $1.f1 * Double($1.support) } / Double(n) : 0
    self.perClass = perClass
    self.confusion = confusion
    if let probabilities, let classes {
      let columnOf = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
      let epsilon = Double(Float.ulpOfOne)
      var total = 0.0
      for (r, t) in truth.enumerated() {
        let p = columnOf[t].map { Double(probabilities[r, $0]) } ?? 0
        total -= log(min(max(p, epsilon), 1 - epsilon))
      }
      self.logLoss = n > 0 ? total / Double(n) : nil
    } else {
      self.logLoss = nil
    }
  }

  /// A fixed-width text table of the per-class scores and averages.
  public var table: String {
    let width = max(12, (labels.map(\.count).max() ?? 0) + 2)
    func pad(_ s: String) -> String { s.padding(toLength: width, withPad: " ", startingAt: 0) }
    var lines = [pad("") + "precision    recall        f1   support"]
    for s in perClass {
      lines.append(
        pad(s.label)
          + String(format: "%9.4f %9.4f %9.4f %9d", s.precision, s.recall, s.f1, s.support))
    }
    lines.append(
      pad("accuracy")
        + String(format: "%29.4f %9d", accuracy, perClass.reduce(0) { $0 + $1.support }))
    lines.append(pad("macro f1") + String(format: "%29.4f", macroF1))
    return lines.joined(separator: "\n")
  }

  enum CodingKeys: String, CodingKey {
    case labels
    case accuracy
    case macroF1 = "macro_f1"
    case microF1 = "micro_f1"
    case weightedF1 = "weighted_f1"
    case perClass = "per_class"
    case confusion
    case logLoss = "log_loss"
  }
}
