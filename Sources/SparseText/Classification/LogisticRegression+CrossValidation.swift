extension LogisticRegression {
  /// The outcome of choosing C by stratified k-fold cross-validation.
  package struct CrossValidation: Sendable, Equatable {
    /// The candidates, in the order given.
    package var candidates: [Double]
    /// Mean accuracy over the folds' held-out rows, one per candidate.
    package var accuracies: [Double]
    /// The chosen C: the best mean accuracy, the smaller C on ties (stronger regularization).
    package var c: Double
  }

  /// Chooses C from `candidates` by stratified `folds`-fold cross-validation on `features`.
  ///
  /// - Parameters:
  ///   - features: the training rows.
  ///   - labels: one label per row.
  ///   - candidates: the values of C to compare.
  ///   - folds: the number of folds (at most the rows of the smallest class).
  ///   - seed: seeds the folds.
  ///   - configuration: the classifier's other settings.
  ///   - foldFeatures: builds a fold's training and held-out features from their row indices;
  ///     by default the rows of `features` (pass a function that refits the vectorizer on the
  ///     fold's training text to keep its statistics out of the held-out rows).
  ///   - isCancelled: asked before every solver iteration; stops with `CancellationError`.
  /// - Returns: the candidates' accuracies and the choice; with one candidate, that candidate
  ///   and no fitting at all.
  /// - Throws: ``ConfigurationError`` for no candidates or too many folds, and whatever fitting
  ///   throws.
  package static func crossValidateC(
    _ features: any FeatureMatrix, labels: [String], candidates: [Double], folds: Int = 3,
    seed: UInt64 = SeededGenerator.defaultSeed, configuration: Configuration = .init(),
    foldFeatures: (
      (_ train: [Int], _ test: [Int]) throws -> (any FeatureMatrix, any FeatureMatrix)
    )? =
      nil,
    isCancelled: CancellationCheck? = nil
  ) throws -> CrossValidation {
    guard let first = candidates.first else {
      throw ConfigurationError.outOfRange(
        field: .cValues, value: "none", allowed: "one or more positive numbers")
    }
    guard candidates.count > 1 else {
      return CrossValidation(candidates: candidates, accuracies: [.nan], c: first)
    }
    let splits = try StratifiedSplit.folds(labels: labels, k: folds, seed: seed)
    var parts: [(train: any FeatureMatrix, test: any FeatureMatrix)] = []
    for split in splits {
      if let foldFeatures {
        parts.append(try foldFeatures(split.train, split.test))
      } else {
        parts.append((selectingRows(features, split.train), selectingRows(features, split.test)))
      }
    }
    var accuracies: [Double] = []
    for candidate in candidates {
      var lr = configuration
      lr.inverseRegularization = candidate
      var correct = 0
      for (split, part) in zip(splits, parts) {
        let model = try LogisticRegression(
          fitting: part.train, labels: split.train.map { labels[$0] }, configuration: lr,
          isCancelled: isCancelled)
        let predicted = try model.predictedLabels(part.test)
        correct += zip(predicted, split.test).filter { $0 == labels[$1] }.count
      }
      accuracies.append(Double(correct) / Double(labels.count))
    }
    var best = 0
    for k in candidates.indices.dropFirst() {
      let better = accuracies[k] > accuracies[best]
      let tiedAndSmaller = accuracies[k] == accuracies[best] && candidates[k] < candidates[best]
      if better || tiedAndSmaller { best = k }
    }
    return CrossValidation(candidates: candidates, accuracies: accuracies, c: candidates[best])
  }
}

/// The rows at `indices` of a feature matrix, in that order.
package func selectingRows(_ x: any FeatureMatrix, _ indices: [Int]) -> any FeatureMatrix {
  x.selectingRows(indices)
}
