import Foundation

/// L2-regularized logistic regression, binary (one sigmoid) or multinomial (softmax), fitted by
/// our L-BFGS in Double, with scikit-learn's conventions: the data term is summed over samples,
/// the penalty is `½‖W‖²/C`, the intercept is not penalized, classes are sorted.
///
/// ```swift
/// let model = try LogisticRegression(fitting: x, labels: y, configuration: .init(inverseRegularization: 10))
/// let p = model.probabilities(for: x)
/// ```
public struct LogisticRegression: Sendable {
  /// Class weights.
  public enum ClassWeight: String, Codable, Sendable, CaseIterable {
    /// Every sample counts once.
    case none
    /// Weight each class by `Σw / (classes × Σw of the class)` (scikit-learn's `"balanced"`,
    /// with its sample-weighted class counts).
    case balanced
  }

  /// Settings of a ``LogisticRegression``.
  public struct Configuration: Codable, Sendable, Equatable {
    /// `C`: larger means less regularization; 1 by default.
    public var inverseRegularization: Double
    /// Stop when the largest gradient entry of the (sample-weight-normalized) objective is at
    /// most this; 1e-4 by default, as scikit-learn.
    public var tolerance: Double
    /// The most L-BFGS iterations; 100 by default.
    public var maxIterations: Int
    /// Class weights; none by default.
    public var classWeight: ClassWeight
    /// Learn an intercept per class; `true` by default.
    public var fitIntercept: Bool

    /// Creates a configuration; see each property for its default.
    public init(
      inverseRegularization: Double = 1, tolerance: Double = 1e-4, maxIterations: Int = 100,
      classWeight: ClassWeight = .none, fitIntercept: Bool = true
    ) {
      self.inverseRegularization = inverseRegularization
      self.tolerance = tolerance
      self.maxIterations = maxIterations
      self.classWeight = classWeight
      self.fitIntercept = fitIntercept
    }

    /// Checks every field; throws ``ConfigurationError`` naming the first bad one.
    public func validate() throws {
      guard inverseRegularization > 0, inverseRegularization.isFinite else {
        throw ConfigurationError.outOfRange(
          field: .inverseRegularization, value: "\(inverseRegularization)",
          allowed: "a positive number")
      }
      guard tolerance > 0 else {
        throw ConfigurationError.outOfRange(
          field: .tolerance, value: "\(tolerance)", allowed: "a positive number")
      }
      guard maxIterations >= 1 else {
        throw ConfigurationError.outOfRange(
          field: .maxIterations, value: "\(maxIterations)", allowed: "1 or more")
      }
    }

    enum CodingKeys: String, CodingKey {
      case inverseRegularization = "inverse_regularization"
      case tolerance
      case maxIterations = "max_iterations"
      case classWeight = "class_weight"
      case fitIntercept = "fit_intercept"
    }
  }

  /// How the solver ended.
  package struct Convergence: Sendable, Equatable, Codable {
    /// Iterations done.
    package var iterations: Int
    /// The objective at the solution, as scikit-learn writes it (summed data term + ½‖W‖²/C).
    package var objective: Double
    /// The largest gradient entry of the normalized objective.
    package var gradientNorm: Double
    /// Whether the tolerance was met within `maxIterations`.
    package var converged: Bool

    enum CodingKeys: String, CodingKey {
      case iterations
      case objective
      case gradientNorm = "gradient_norm"
      case converged
    }
  }

  /// The configuration.
  public let configuration: Configuration
  /// The class labels, sorted.
  public let classes: [String]
  /// Weights, `outputs × features` row-major (one row for two classes).
  public let weights: DenseMatrix
  /// Intercepts, one per output.
  public let intercepts: [Float]
  /// How fitting ended (zero iterations for a restored model).
  package let convergence: Convergence

  /// The number of features.
  package var featureCount: Int { weights.columns }

  /// Fits the model to sparse features (TF-IDF, counts).
  public init(
    fitting x: SparseMatrix, labels: [String], sampleWeights: [Float]? = nil,
    configuration: Configuration = .init()
  ) throws {
    try self.init(
      fitting: x, labels: labels, sampleWeights: sampleWeights, configuration: configuration,
      isCancelled: nil)
  }

  /// Fits the model to dense features (codes, embeddings).
  public init(
    fitting x: DenseMatrix, labels: [String], sampleWeights: [Float]? = nil,
    configuration: Configuration = .init()
  ) throws {
    try self.init(
      fitting: x, labels: labels, sampleWeights: sampleWeights, configuration: configuration,
      isCancelled: nil)
  }

  /// Fits the model to any of the library's feature matrices, asking `isCancelled` (when
  /// given) before every solver iteration and throwing `CancellationError` when it says so.
  /// The solver starts from `start`'s parameters when it has the same classes and features
  /// (a warm start along a grid of C: the same optimum, in fewer iterations), else from zero.
  package init(
    fitting x: some FeatureMatrix, labels: [String], sampleWeights: [Float]? = nil,
    configuration: Configuration = .init(), isCancelled: CancellationCheck?,
    start: LogisticRegression? = nil
  ) throws {
    try configuration.validate()
    guard labels.count == x.rows else {
      throw DataError.shapeMismatch(
        what: "labels (one per row)", expected: x.rows, actual: labels.count)
    }
    if let sampleWeights, sampleWeights.count != x.rows {
      throw DataError.shapeMismatch(
        what: "sample weights (one per row)", expected: x.rows, actual: sampleWeights.count)
    }
    let classes = Array(Set(labels)).sorted()
    guard classes.count >= 2 else {
      throw DataError.singleClass(label: classes.first ?? "")
    }
    let classIndex = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
    let targets = labels.map { classIndex[$0]! }
    var weightsPerSample =
      sampleWeights.map { $0.map(Double.init) } ?? Array(repeating: 1, count: x.rows)
    if configuration.classWeight == .balanced {
      // scikit-learn (1.6 and later) counts each class by its summed sample weight.
      var counts = [Double](repeating: 0, count: classes.count)
      for (i, t) in targets.enumerated() { counts[t] += weightsPerSample[i] }
      let total = counts.reduce(0, +)
      let scale = counts.map { total / (Double(classes.count) * $0) }
      for i in 0..<x.rows { weightsPerSample[i] *= scale[targets[i]] }
    }
    let problem = LogisticProblem(
      x: x, targets: targets, sampleWeights: weightsPerSample,
      outputs: classes.count == 2 ? 1 : classes.count, classes: classes.count,
      c: configuration.inverseRegularization, fitIntercept: configuration.fitIntercept)
    var solverConfiguration = LBFGS.Configuration()
    solverConfiguration.gradientTolerance = configuration.tolerance
    solverConfiguration.maxIterations = configuration.maxIterations
    // Rows are split over our workers; BLAS (dense blocks) stays on each worker's thread.
    let result = BLAS.singleThreaded {
      LBFGS(solverConfiguration).minimize(
        from: Self.startingPoint(start, classes: classes, problem: problem),
        isCancelled: isCancelled
      ) { parameters, gradient in problem.evaluate(parameters, gradient: &gradient) }
    }
    if result.reason == .cancelled { throw CancellationError() }
    let k = problem.outputs
    let d = x.columns
    self.configuration = configuration
    self.classes = classes
    // The solver's weights are feature-major (d × k); the model's are class-major (k × d).
    var classMajor = [Float](repeating: 0, count: k * d)
    for c in 0..<d { for j in 0..<k { classMajor[j * d + c] = Float(result.x[c * k + j]) } }
    self.weights = DenseMatrix(uncheckedRows: k, columns: d, values: classMajor)
    self.intercepts =
      configuration.fitIntercept
      ? result.x[(k * d)...].map { Float($0) } : Array(repeating: 0, count: k)
    self.convergence = Convergence(
      iterations: result.iterations, objective: result.value * problem.totalWeight,
      gradientNorm: result.gradientNorm,
      converged: result.converged && result.iterations < configuration.maxIterations)
  }

  /// The solver's first parameters: `start`'s when it fits the problem (its weights made
  /// feature-major, then its intercepts), else zeros.
  private static func startingPoint(
    _ start: LogisticRegression?, classes: [String], problem: LogisticProblem
  ) -> [Double] {
    guard let start, start.classes == classes, start.weights.rows == problem.outputs,
      start.weights.columns == problem.x.columns
    else { return Array(repeating: 0, count: problem.parameterCount) }
    var point = start.featureMajorWeights
    if problem.fitIntercept { point += start.intercepts.map(Double.init) }
    return point
  }

  /// ``weights`` in double precision and feature-major (`features × outputs`, the layout of
  /// ``FeatureMatrix``'s products and of the solver): `w[c * outputs + j] = weights[j, c]`.
  var featureMajorWeights: [Double] {
    let k = weights.rows
    let d = weights.columns
    var w = [Double](repeating: 0, count: k * d)
    weights.values.withUnsafeBufferPointer { values in
      for j in 0..<k { for c in 0..<d { w[c * k + j] = Double(values[j * d + c]) } }
    }
    return w
  }

  /// Restores a fitted model from its parameters.
  public init(
    weights: DenseMatrix, intercepts: [Float], classes: [String],
    configuration: Configuration = .init()
  ) throws {
    let expectedOutputs = classes.count == 2 ? 1 : classes.count
    guard classes.count >= 2 else {
      throw ModelFormatError.inconsistent(
        file: "classifier",
        reason: "a classifier needs two classes or more, found \(classes.count)")
    }
    guard weights.rows == expectedOutputs, intercepts.count == expectedOutputs else {
      throw ModelFormatError.inconsistent(
        file: "classifier",
        reason:
          "\(classes.count) classes need \(expectedOutputs) weight row\(expectedOutputs == 1 ? "" : "s") and as many intercepts, found \(weights.rows) weight rows and \(intercepts.count) intercepts"
      )
    }
    if let duplicate = classes.firstDuplicate {
      throw ModelFormatError.inconsistent(
        file: "classifier",
        reason: "class '\(duplicate)' is listed twice; class names must be unique")
    }
    self.configuration = configuration
    self.classes = classes
    self.weights = weights
    self.intercepts = intercepts
    self.convergence = Convergence(
      iterations: 0, objective: .nan, gradientNorm: .nan, converged: true)
  }

  /// The parameters as tensors named like a PyTorch `Linear` module.
  package var parameters: [String: Tensor] {
    ["classifier.weight": Tensor(weights), "classifier.bias": Tensor(vector: intercepts)]
  }

  /// Checks that `x` has one column per feature the model was fitted on.
  ///
  /// - Throws: ``DataError/shapeMismatch(what:expected:actual:)`` when it does not.
  func checkInput(_ x: some FeatureMatrix) throws {
    guard x.columns == featureCount else {
      throw DataError.shapeMismatch(
        what: "feature columns (the model's features)", expected: featureCount,
        actual: x.columns)
    }
  }

  /// The linear scores `X·Wᵀ + b`, rows × outputs (one column for two classes).
  ///
  /// - Throws: ``DataError/shapeMismatch(what:expected:actual:)`` when `x` does not have
  ///   ``featureCount`` columns.
  package func scores(_ x: some FeatureMatrix) throws -> DenseMatrix {
    try checkInput(x)
    let k = weights.rows
    let w = featureMajorWeights
    let b = intercepts
    let parts = Parallel.map(count: x.rows, minimumChunk: 512) { range -> [Float] in
      var out: [Double] = []
      x.multiplyRows(range, weights: w, outputs: k, into: &out)
      return out.enumerated().map { Float($1) + b[$0 % k] }
    }
    return DenseMatrix(uncheckedRows: x.rows, columns: k, values: parts.flatMap { $0 })
  }

  /// Class probabilities, rows × classes, columns in ``classes`` order.
  ///
  /// - Throws: ``DataError/shapeMismatch(what:expected:actual:)`` when `x` does not have
  ///   ``featureCount`` columns.
  package func classProbabilities(_ x: some FeatureMatrix) throws -> DenseMatrix {
    let scores = try scores(x)
    let k = classes.count
    var out = DenseMatrix(zeros: x.rows, columns: k)
    for r in 0..<x.rows {
      if k == 2 {
        let p = 1 / (1 + exp(-Double(scores.values[r])))
        out.values[r * 2] = Float(1 - p)
        out.values[r * 2 + 1] = Float(p)
      } else {
        let row = scores.row(r).map(Double.init)
        let top = row.max() ?? 0
        let e = row.map { exp($0 - top) }
        let total = e.reduce(0, +)
        for j in 0..<k { out.values[r * k + j] = Float(e[j] / total) }
      }
    }
    return out
  }

  /// The most probable class of each row.
  ///
  /// - Throws: ``DataError/shapeMismatch(what:expected:actual:)`` when `x` does not have
  ///   ``featureCount`` columns.
  package func predictedLabels(_ x: some FeatureMatrix) throws -> [String] {
    let scores = try scores(x)
    return (0..<x.rows).map { r in
      if classes.count == 2 { return classes[scores.values[r] > 0 ? 1 : 0] }
      let row = scores.row(r)
      var best = row.startIndex
      for i in row.indices where row[i] > row[best] { best = i }
      return classes[best - row.startIndex]
    }
  }
}

// Sparse and dense features, the two kinds apps pass (the generic forms above also take the
// pipeline's TF-IDF ⊕ codes).
extension LogisticRegression {
  /// The linear scores `X·Wᵀ + b`, rows × outputs (one column for two classes).
  ///
  /// - Throws: ``DataError/shapeMismatch(what:expected:actual:)`` when `x` does not have
  ///   ``featureCount`` columns.
  package func decisionFunction(_ x: SparseMatrix) throws -> DenseMatrix {
    try scores(x)
  }

  /// ``decisionFunction(_:)-(SparseMatrix)`` of dense features.
  package func decisionFunction(_ x: DenseMatrix) throws -> DenseMatrix {
    try scores(x)
  }

  /// Class probabilities, rows × classes, columns in ``classes`` order.
  ///
  /// - Throws: ``DataError/shapeMismatch(what:expected:actual:)`` when `x` does not have one
  ///   column per feature the model was fitted on (the columns of ``weights``).
  public func probabilities(for x: SparseMatrix) throws -> DenseMatrix {
    try classProbabilities(x)
  }

  /// ``probabilities(for:)-(SparseMatrix)`` of dense features.
  public func probabilities(for x: DenseMatrix) throws -> DenseMatrix {
    try classProbabilities(x)
  }

  /// The most probable class of each row.
  ///
  /// - Throws: ``DataError/shapeMismatch(what:expected:actual:)`` when `x` does not have one
  ///   column per feature the model was fitted on (the columns of ``weights``).
  public func predict(_ x: SparseMatrix) throws -> [String] {
    try predictedLabels(x)
  }

  /// ``predict(_:)-(SparseMatrix)`` of dense features.
  public func predict(_ x: DenseMatrix) throws -> [String] {
    try predictedLabels(x)
  }
}

/// The normalized objective `(1/S)·Σ sᵢ·lossᵢ + ½‖W‖²/(C·S)` (S = Σ sᵢ) and its gradient, which
/// is what scikit-learn's lbfgs path minimizes, so the same tolerance means the same thing.
///
/// The parameters are the weights, feature-major as ``FeatureMatrix``'s products read them
/// (`w[c * outputs + j]` is feature `c`'s weight for output `j`: one feature's weights side by
/// side), then the intercepts when fitted. ``LogisticRegression`` keeps its
/// ``LogisticRegression/weights`` class-major (`outputs × features`) and converts on the way in
/// (a warm start) and out.
struct LogisticProblem: Sendable {
  let x: any FeatureMatrix
  let targets: [Int]
  let sampleWeights: [Double]
  let outputs: Int
  let classes: Int
  let c: Double
  let fitIntercept: Bool
  let totalWeight: Double

  init(
    x: some FeatureMatrix, targets: [Int], sampleWeights: [Double], outputs: Int, classes: Int,
    c: Double, fitIntercept: Bool
  ) {
    self.x = x
    self.targets = targets
    self.sampleWeights = sampleWeights
    self.outputs = outputs
    self.classes = classes
    self.c = c
    self.fitIntercept = fitIntercept
    self.totalWeight = sampleWeights.reduce(0, +)
  }

  /// The number of parameters: `outputs · features` weights (feature-major), then `outputs`
  /// intercepts when fitted.
  var parameterCount: Int { outputs * x.columns + (fitIntercept ? outputs : 0) }

  /// The objective at `parameters` (see ``parameterCount`` for their layout), with its gradient,
  /// in the same layout, in `gradient`. The penalty sums over every weight, so it does not
  /// depend on the layout.
  func evaluate(_ parameters: [Double], gradient: inout [Double]) -> Double {
    let k = outputs
    let d = x.columns
    let weights = Array(parameters[0..<(k * d)])
    let intercepts = fitIntercept ? Array(parameters[(k * d)...]) : Array(repeating: 0, count: k)
    let x = self.x
    let targets = self.targets
    let sampleWeights = self.sampleWeights
    let parts = Parallel.map(count: x.rows, minimumChunk: 256) {
      range -> (loss: Double, gradient: [Double], interceptGradient: [Double]) in
      var scores: [Double] = []
      x.multiplyRows(range, weights: weights, outputs: k, into: &scores)
      var loss = 0.0
      var interceptGradient = [Double](repeating: 0, count: k)
      for r in range {
        let base = (r - range.lowerBound) * k
        let s = sampleWeights[r]
        let t = targets[r]
        if k == 1 {
          let z = scores[base] + intercepts[0]
          let y = t == 1 ? 1.0 : 0.0
          // log(1 + e^z) − y·z, computed stably.
          loss += s * ((z > 0 ? z + log1p(exp(-z)) : log1p(exp(z))) - y * z)
          let p = 1 / (1 + exp(-z))
          scores[base] = s * (p - y)
          interceptGradient[0] += scores[base]
        } else {
          var top = -Double.infinity
          for j in 0..<k {
            scores[base + j] += intercepts[j]
            top = max(top, scores[base + j])
          }
          var total = 0.0
          for j in 0..<k { total += exp(scores[base + j] - top) }
          let logTotal = log(total) + top
          loss += s * (logTotal - scores[base + t])
          for j in 0..<k {
            let p = exp(scores[base + j] - logTotal)
            scores[base + j] = s * (p - (j == t ? 1 : 0))
            interceptGradient[j] += scores[base + j]
          }
        }
      }
      var partial = [Double](repeating: 0, count: k * d)
      x.accumulateTransposed(range, coefficients: scores, outputs: k, into: &partial)
      return (loss, partial, interceptGradient)
    }
    let scale = 1 / totalWeight
    let alpha = 1 / (c * totalWeight)
    gradient = [Double](repeating: 0, count: parameterCount)
    var loss = 0.0
    for part in parts {
      loss += part.loss
      for i in 0..<(k * d) { gradient[i] += part.gradient[i] }
      if fitIntercept { for j in 0..<k { gradient[k * d + j] += part.interceptGradient[j] } }
    }
    var penalty = 0.0
    for i in 0..<(k * d) {
      penalty += weights[i] * weights[i]
      gradient[i] = gradient[i] * scale + alpha * weights[i]
    }
    if fitIntercept { for j in 0..<k { gradient[k * d + j] *= scale } }
    return loss * scale + 0.5 * alpha * penalty
  }
}

extension Array where Element: Hashable {
  /// The first element that occurs earlier too, or `nil` when all are distinct.
  var firstDuplicate: Element? {
    var seen = Set<Element>()
    return first { !seen.insert($0).inserted }
  }
}
