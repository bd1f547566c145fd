import Foundation
import SparseText

extension Experiment {
  /// One combination of a grid search, measured by k-fold cross-validation on the training part.
  package struct GridRow: Sendable, Codable, Equatable {
    /// The settings that differ from the base configuration.
    package var settings: [String: Double]
    /// Mean held-out accuracy of LR on the codes over the folds, at the best C.
    package var accuracy: Double
    /// The C that gave it.
    package var c: Double
    /// Mean held-out fraction of variance unexplained (against the fold's training means).
    package var fractionOfVarianceUnexplained: Double
    /// Mean active units per held-out document (L0).
    package var activeUnitsPerDocument: Double
    /// Mean count of units that never fire on the held-out documents.
    package var deadUnits: Double
    /// Mean seconds to fit the autoencoder on a fold.
    package var fitSeconds: Double
    /// The number of folds the means are over.
    package var folds: Int
    /// 1 for the best accuracy.
    package var rank: Int

    enum CodingKeys: String, CodingKey {
      case settings, accuracy, rank, folds
      case c = "C"
      case fractionOfVarianceUnexplained = "fvu"
      case activeUnitsPerDocument = "active_units_per_document"
      case deadUnits = "dead_units"
      case fitSeconds = "fit_seconds"
    }
  }

  /// Ranks every combination of `grid` (on top of the configured autoencoder) by stratified
  /// k-fold cross-validation on `train` (``Configuration/folds`` folds): in each fold the
  /// vectorizer and autoencoder are fitted on the fold's training text (and `unlabeled`), and LR
  /// on the scaled codes is scored on the held-out rows at every C of ``Configuration/cValues``.
  /// A combination whose autoencoder learns from labels (a label weight or task weight above
  /// 0, as `fit`'s default does) learns the fold's training labels, the `unlabeled` text
  /// unlabelled; the held-out rows are not in its training text. The test part is never read.
  package func gridSearch(
    _ grid: AutoencoderGrid, train: [LabeledDocument], unlabeled: [String] = [],
    progress: (@Sendable (Event) -> Void)? = nil
  ) throws -> [GridRow] {
    let c = configuration
    guard let base = c.autoencoder else {
      throw ConfigurationError.conflict(
        reason: "a grid search varies the autoencoder, but there is none",
        suggestion: "Configure an autoencoder.")
    }
    let combinations = try grid.combinations(base: base)
    let texts = train.map(\.text)
    let labels = try train.map { try Self.label(of: $0) }
    guard let k = TextFeaturePipeline.crossValidationFolds(labels, requested: c.folds) else {
      throw DataError.tooFewDocumentsPerClass(needed: 2, purpose: "cross-validation")
    }
    let folds = try StratifiedSplit.folds(labels: labels, k: k, seed: c.seed)
    // Each fold's training rows' classes, then −1 for the unlabelled text, for autoencoders
    // that learn from labels.
    let classes = Array(Set(labels)).sorted()
    let foldClasses = folds.map { fold in
      SparseAutoencoder.classIndices(
        fold.train.map { labels[$0] }, of: classes, unlabelled: unlabeled.count)
    }
    // The vectorizer does not vary: fit it once per fold.
    var foldMatrices: [(fit: SparseMatrix, train: SparseMatrix, test: SparseMatrix)] = []
    for fold in folds {
      let (vectorizer, x) = try TfidfVectorizer.fitTransform(
        fold.train.map { texts[$0] } + unlabeled, configuration: c.vectorizer)
      foldMatrices.append(
        (
          x, x.selectingRows(0..<fold.train.count),
          try vectorizer.transform(fold.test.map { texts[$0] })
        )
      )
    }
    var rows: [GridRow] = []
    for (index, combination) in combinations.enumerated() {
      let described = grid.describe(combination.settings)
      progress?(
        .step(.gridCombination(index: index + 1, count: combinations.count, settings: described)))
      var correct = [Int](repeating: 0, count: c.cValues.count)
      var fvu = 0.0
      var active = 0.0
      var dead = 0.0
      var seconds = 0.0
      for (foldIndex, (fold, matrices)) in zip(folds, foldMatrices).enumerated() {
        let clock = Date()
        let learns = combination.configuration.learnsFromLabels
        let model = try SparseAutoencoder(
          training: matrices.fit, labels: learns ? foldClasses[foldIndex] : nil,
          classes: classes.count, configuration: combination.configuration,
          progress: { event in progress?(.autoencoder(event)) })
        seconds += Date().timeIntervalSince(clock)
        let metrics = try model.metrics(
          on: matrices.test, referenceMeans: matrices.fit.columnMeans())
        fvu += metrics.fractionOfVarianceUnexplained
        active += metrics.activeUnitsPerDocument
        dead += Double(metrics.deadUnits)
        var codesTrain = try model.encode(matrices.train)
        var codesTest = try model.encode(matrices.test)
        if c.codeScaling == .standardize {
          let scaler = CodeScaler(fitting: try model.encode(matrices.fit))
          codesTrain = try scaler.transform(codesTrain)
          codesTest = try scaler.transform(codesTest)
        }
        for (k, value) in c.cValues.enumerated() {
          var lr = c.classifier
          lr.inverseRegularization = value
          let classifier = try LogisticRegression(
            fitting: codesTrain, labels: fold.train.map { labels[$0] }, configuration: lr)
          let predicted = try classifier.predict(codesTest)
          correct[k] += zip(predicted, fold.test).filter { $0 == labels[$1] }.count
        }
        guard foldIndex + 1 == folds.count else {
          progress?(
            .gridFold(
              combination: index + 1, combinations: combinations.count, fold: foldIndex + 1,
              folds: folds.count, row: nil))
          continue
        }
        var best = 0
        for k in correct.indices.dropFirst() where correct[k] > correct[best] { best = k }
        let n = Double(folds.count)
        let row = GridRow(
          settings: combination.settings, accuracy: Double(correct[best]) / Double(labels.count),
          c: c.cValues[best], fractionOfVarianceUnexplained: fvu / n,
          activeUnitsPerDocument: active / n, deadUnits: dead / n, fitSeconds: seconds / n,
          folds: folds.count, rank: 0)
        rows.append(row)
        progress?(
          .gridFold(
            combination: index + 1, combinations: combinations.count, fold: foldIndex + 1,
            folds: folds.count, row: row))
      }
    }
    let order = rows.indices.sorted {
      rows[$0].accuracy != rows[$1].accuracy
        ? rows[$0].accuracy > rows[$1].accuracy
        : rows[$0].fractionOfVarianceUnexplained < rows[$1].fractionOfVarianceUnexplained
    }
    for (rank, index) in order.enumerated() { rows[index].rank = rank + 1 }
    return order.map { rows[$0] }
  }
}
