import Foundation

/// NBSVM with logistic regression (Wang & Manning 2012): binary logistic regressions on
/// naive-Bayes-weighted binarized counts (``NaiveBayesWeighting``), one model for two classes and
/// one per class against the rest otherwise, with probabilities normalized over the classes as
/// scikit-learn's `OneVsRestClassifier` does. An optional dense block (for example weighted
/// codes) is appended, unweighted, to every model's features.
///
/// ```swift
/// let model = try NaiveBayesLogisticRegression(fitting: x, labels: y)
/// let predicted = try model.predict(x)
/// ```
package struct NaiveBayesLogisticRegression: Sendable {
  /// The log-count ratios each model weights the terms by.
  package let weighting: NaiveBayesWeighting
  /// The configuration of every binary model.
  package let configuration: LogisticRegression.Configuration
  /// Weights, one row per model, over `[binarized terms ⊙ ratios | dense block]`.
  package let weights: DenseMatrix
  /// Intercepts, one per model.
  package let intercepts: [Float]
  /// How fitting ended: the most iterations and the largest gradient of the models, converged
  /// when all did (zero iterations for a restored model).
  package let convergence: LogisticRegression.Convergence
  /// The same decision function as one linear model over `[binarized terms | dense block]`
  /// (each term weight multiplied by its ratio), so scoring is one sparse product.
  private let folded: LogisticRegression

  /// The class labels, sorted.
  package var classes: [String] { weighting.classes }
  /// The width of the dense block every model reads after the terms (0 for none).
  package var denseColumns: Int { weights.columns - weighting.terms }

  /// Fits the ratios and the models on `x` (any nonzero counts as present), with `dense`
  /// appended to every model's features.
  ///
  /// - Parameters:
  ///   - x: term rows (counts or TF-IDF; only which entries are nonzero matters).
  ///   - dense: a block appended to every model's features, or `nil`.
  ///   - labels: one label per row.
  ///   - configuration: every binary model's settings.
  ///   - weighting: ratios already fitted on these rows and labels, or `nil` to fit them.
  /// - Throws: ``DataError`` for mismatched shapes or a single class, ``ConfigurationError`` for
  ///   invalid settings, `CancellationError` when cancelled.
  package init(
    fitting x: SparseMatrix, dense: DenseMatrix? = nil, labels: [String],
    configuration: LogisticRegression.Configuration = .init(),
    weighting: NaiveBayesWeighting? = nil
  ) throws {
    try self.init(
      fitting: x, dense: dense, labels: labels, configuration: configuration,
      weighting: weighting, isCancelled: nil)
  }

  /// ``init(fitting:dense:labels:configuration:weighting:)`` that asks `isCancelled` before
  /// every solver iteration, and starts each model's solver from `start`'s (a warm start along a
  /// grid of C) when it has the same shape.
  package init(
    fitting x: SparseMatrix, dense: DenseMatrix? = nil, labels: [String],
    configuration: LogisticRegression.Configuration = .init(),
    weighting: NaiveBayesWeighting? = nil, isCancelled: CancellationCheck?,
    start: NaiveBayesLogisticRegression? = nil
  ) throws {
    if let dense, dense.rows != x.rows {
      throw DataError.shapeMismatch(
        what: "rows of the dense block", expected: x.rows, actual: dense.rows)
    }
    let weighting = try weighting ?? NaiveBayesWeighting(fitting: x, labels: labels)
    guard weighting.terms == x.columns else {
      throw DataError.shapeMismatch(
        what: "term columns (the ratios' terms)", expected: weighting.terms, actual: x.columns)
    }
    let binary = NaiveBayesWeighting.binarized(x)
    var weights: [Float] = []
    var intercepts: [Float] = []
    var iterations = 0
    var objective = 0.0
    var gradientNorm = 0.0
    var converged = true
    for m in 0..<weighting.models {
      let positive = weighting.positiveClass(m)
      let targets = labels.map { $0 == positive ? "1" : "0" }
      let terms = weighting.weighted(binary, model: m)
      let features: any FeatureMatrix =
        try dense.map { try ConcatenatedFeatures(terms, $0) } ?? terms
      let model = try LogisticRegression(
        fitting: features, labels: targets, configuration: configuration,
        isCancelled: isCancelled, start: start?.binaryModel(m))
      // A model's classes are ["0", "1"] sorted, so its one row scores "1", the positive class.
      weights += model.weights.values
      intercepts += model.intercepts
      iterations = max(iterations, model.convergence.iterations)
      objective += model.convergence.objective
      gradientNorm = max(gradientNorm, model.convergence.gradientNorm)
      converged = converged && model.convergence.converged
    }
    let columns = x.columns + (dense?.columns ?? 0)
    try self.init(
      weighting: weighting,
      weights: DenseMatrix(uncheckedRows: weighting.models, columns: columns, values: weights),
      intercepts: intercepts, configuration: configuration,
      convergence: .init(
        iterations: iterations, objective: objective, gradientNorm: gradientNorm,
        converged: converged))
  }

  /// Restores a fitted model from its ratios and parameters.
  ///
  /// - Throws: ``ModelFormatError/inconsistent(file:reason:)`` when the shapes disagree.
  package init(
    weighting: NaiveBayesWeighting, weights: DenseMatrix, intercepts: [Float],
    configuration: LogisticRegression.Configuration = .init()
  ) throws {
    try self.init(
      weighting: weighting, weights: weights, intercepts: intercepts,
      configuration: configuration,
      convergence: .init(iterations: 0, objective: .nan, gradientNorm: .nan, converged: true))
  }

  private init(
    weighting: NaiveBayesWeighting, weights: DenseMatrix, intercepts: [Float],
    configuration: LogisticRegression.Configuration, convergence: LogisticRegression.Convergence
  ) throws {
    guard weights.rows == weighting.models, intercepts.count == weighting.models,
      weights.columns >= weighting.terms
    else {
      throw ModelFormatError.inconsistent(
        file: "classifier",
        reason:
          "\(weighting.models) models over at least \(weighting.terms) terms need weights of \(weighting.models) rows and as many intercepts, found \(weights.rows)×\(weights.columns) and \(intercepts.count)"
      )
    }
    var folded = weights
    let width = weights.columns
    for m in 0..<weights.rows {
      for t in 0..<weighting.terms {
        folded.values[m * width + t] *= weighting.ratios.values[m * weighting.terms + t]
      }
    }
    // Two classes: one model, the shape of a binary LogisticRegression; more: one per class.
    self.folded = try LogisticRegression(
      weights: folded, intercepts: intercepts, classes: weighting.classes,
      configuration: configuration)
    self.weighting = weighting
    self.configuration = configuration
    self.weights = weights
    self.intercepts = intercepts
    self.convergence = convergence
  }

  /// Model `m` as the binary logistic regression it was fitted as (classes "0" and "1").
  func binaryModel(_ m: Int) -> LogisticRegression? {
    guard m < weights.rows else { return nil }
    let row = Array(weights.row(m))
    return try? LogisticRegression(
      weights: DenseMatrix(uncheckedRows: 1, columns: row.count, values: row),
      intercepts: [intercepts[m]], classes: ["0", "1"], configuration: configuration)
  }

  /// The tensors of the model: `classifier.weight` (models × features), `classifier.bias`
  /// and ``ratiosTensor`` (models × terms).
  package var parameters: [String: Tensor] {
    [
      "classifier.weight": Tensor(weights), "classifier.bias": Tensor(vector: intercepts),
      Self.ratiosTensor: Tensor(weighting.ratios),
    ]
  }

  /// The name of the log-count ratios' tensor in a model bundle.
  package static let ratiosTensor = "classifier.log_count_ratio"

  /// Each model's score, rows × models (one column for two classes).
  ///
  /// - Throws: ``DataError/shapeMismatch(what:expected:actual:)`` when `x` does not have one
  ///   column per term or `dense` is not as wide as the block the models were fitted with.
  package func decisionFunction(_ x: SparseMatrix, dense: DenseMatrix? = nil) throws -> DenseMatrix
  {
    guard x.columns == weighting.terms else {
      throw DataError.shapeMismatch(
        what: "term columns (the model's terms)", expected: weighting.terms, actual: x.columns)
    }
    guard (dense?.columns ?? 0) == denseColumns else {
      throw DataError.shapeMismatch(
        what: "columns of the dense block", expected: denseColumns, actual: dense?.columns ?? 0)
    }
    let binary = NaiveBayesWeighting.binarized(x)
    if let dense, denseColumns > 0 {
      return try folded.scores(ConcatenatedFeatures(binary, dense))
    }
    return try folded.scores(binary)
  }

  /// Class probabilities, rows × classes: for two classes the model's sigmoid; for more, each
  /// model's sigmoid divided by their sum over the models (scikit-learn's one-vs-rest).
  package func probabilities(for x: SparseMatrix, dense: DenseMatrix? = nil) throws
    -> DenseMatrix
  {
    let scores = try decisionFunction(x, dense: dense)
    let k = classes.count
    var out = DenseMatrix(zeros: x.rows, columns: k)
    for r in 0..<x.rows {
      if k == 2 {
        let p = 1 / (1 + exp(-Double(scores.values[r])))
        out.values[r * 2] = Float(1 - p)
        out.values[r * 2 + 1] = Float(p)
        continue
      }
      let row = (0..<k).map { Double(scores.values[r * k + $0]) }
      var s = row.map { 1 / (1 + exp(-$0)) }
      var total = s.reduce(0, +)
      if !(total > 0) {
        // Every sigmoid underflowed: their ratios tend to the softmax of the scores.
        let top = row.max() ?? 0
        s = row.map { exp($0 - top) }
        total = s.reduce(0, +)
      }
      for j in 0..<k { out.values[r * k + j] = Float(s[j] / total) }
    }
    return out
  }

  /// The most probable class of each row (the highest-scoring model's class).
  package func predict(_ x: SparseMatrix, dense: DenseMatrix? = nil) throws -> [String] {
    let scores = try decisionFunction(x, dense: dense)
    let m = scores.columns
    return (0..<x.rows).map { r in
      if classes.count == 2 { return classes[scores.values[r] > 0 ? 1 : 0] }
      var best = 0
      for j in 1..<m where scores.values[r * m + j] > scores.values[r * m + best] { best = j }
      return classes[best]
    }
  }
}
