import Foundation

extension SparseAutoencoder {
  /// The column factors `√ω_j` of the task-weighted reconstruction (see
  /// ``Configuration/taskWeight``), from a logistic regression (C = 1) fitted on the labelled
  /// rows of `x`; `nil` when it plays no part: a task weight of 0 (or one that validation
  /// will refuse), no labels, fewer than two classes among the labelled rows, or a model that
  /// cannot be rewritten to read the unscaled inputs (tied weights, sigmoid outputs).
  static func taskFactors(
    _ x: SparseMatrix, labels: [Int]?, classes: Int, configuration: Configuration,
    isCancelled: CancellationCheck?
  ) throws -> [Float]? {
    let t = configuration.taskWeight
    guard t > 0, t < 1, let labels, labels.count == x.rows, classes >= 2,
      !configuration.tiedWeights, configuration.output == .identity
    else { return nil }
    let rows = sample(
      labels.indices.filter { labels[$0] >= 0 && labels[$0] < classes },
      limit: taskRegressionRows, seed: configuration.seed)
    let names = rows.map { String(labels[$0]) }
    guard Set(names).count >= 2 else { return nil }
    let model = try LogisticRegression(
      fitting: rows.count == x.rows ? x : x.selectingRows(rows), labels: names,
      configuration: .init(inverseRegularization: 1), isCancelled: isCancelled)
    return taskFactors(classWeights: model.weights, taskWeight: t)
  }

  /// The most labelled rows the task weights' regression reads: past it, a seeded sample (a
  /// million labelled tweets weigh their terms as 50,000 of them do, in a twentieth of the
  /// time).
  static let taskRegressionRows = 50_000

  /// `rows` when there are at most `limit`, else a uniform sample of `limit` of them drawn with
  /// `seed`, in their order.
  static func sample(_ rows: [Int], limit: Int, seed: UInt64) -> [Int] {
    guard rows.count > limit else { return rows }
    return SeededGenerator.sample(rows, count: limit, seed: seed ^ 0x7A5C_0000)
  }

  /// `√ω_j` for the class weights `weights` (`outputs × terms`, one row for two classes):
  /// `ω_j = (1 − t) + t · s_j / mean(s)`, where `s_j` is the squared norm of column `j`
  /// centred over the classes (a softmax's weights are defined up to a shift per term), so
  /// the factors' squares average 1.
  static func taskFactors(classWeights weights: DenseMatrix, taskWeight t: Double) -> [Float] {
    let k = weights.rows
    let n = weights.columns
    var strength = [Double](repeating: 0, count: n)
    for j in 0..<n {
      var mean = 0.0
      if k > 1 {
        for c in 0..<k { mean += Double(weights.values[c * n + j]) }
        mean /= Double(k)
      }
      var sum = 0.0
      for c in 0..<k {
        let d = Double(weights.values[c * n + j]) - mean
        sum += d * d
      }
      strength[j] = sum
    }
    let average = strength.reduce(0, +) / Double(max(1, n))
    return strength.map { s in
      Float(((1 - t) + t * (average > 0 ? s / average : 1)).squareRoot())
    }
  }

  /// The model trained on inputs whose column `j` was multiplied by `factors[j]`, rewritten to
  /// read and reconstruct the unscaled inputs: encoder row `j` times `factors[j]`, decoder row
  /// `j` and its bias divided by it. Its codes of `x` are the trained model's codes of the
  /// scaled `x`, and its reconstruction of `x` is the trained one's, unscaled.
  func readingUnscaledColumns(_ factors: [Float]) -> SparseAutoencoder {
    var model = self
    Self.unscaleColumns(&model.theta, factors: factors, layout: layout)
    return model
  }

  /// ``readingUnscaledColumns(_:)`` on the parameters `theta`.
  static func unscaleColumns(_ theta: inout [Float], factors: [Float], layout: Layout) {
    precondition(factors.count == layout.inputs && factors.allSatisfy { $0 > 0 })
    precondition(!layout.tied, "a tied model cannot scale its encoder and decoder apart")
    let h = layout.hidden
    theta.withUnsafeMutableBufferPointer { theta in
      for j in 0..<layout.inputs {
        let f = factors[j]
        let encoder = layout.encoderWeight.lowerBound + j * h
        let decoder = layout.decoderWeight.lowerBound + j * h
        for u in 0..<h {
          theta[encoder + u] *= f
          theta[decoder + u] /= f
        }
        theta[layout.decoderBias.lowerBound + j] /= f
      }
    }
  }
}
