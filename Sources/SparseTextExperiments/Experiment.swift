import Foundation
import SparseText

/// Compares features on one labelled split: TF-IDF → LR (`tfidf_lr`), NBSVM (`nbsvm_lr`),
/// TF-IDF → sparse codes → LR (`sae_lr`), TF-IDF ⊕ codes → LR (`concat_lr`) and the input the
/// pipeline's own cross-validation chooses (`best`), optionally along a learning curve where
/// the unsupervised stages see all training text and the classifier a fraction of the labels
/// (C, and `best`'s input, chosen again on that fraction's labels).
package struct Experiment: Sendable {
  /// Settings of an experiment.
  package struct Configuration: Codable, Sendable, Equatable {
    /// The vectorizer, fitted on the training text.
    package var vectorizer: TfidfVectorizer.Configuration
    /// The autoencoder, fitted on the training TF-IDF; `nil` runs `tfidf_lr` only.
    package var autoencoder: SparseAutoencoder.Configuration?
    /// The classifier; its `inverseRegularization` is replaced by the grid search's choice when
    /// ``cValues`` has more than one value.
    package var classifier: LogisticRegression.Configuration
    /// Values of C to choose from by stratified k-fold cross-validation on the training part
    /// (the vectorizer is refitted inside each fold for `tfidf_lr`).
    package var cValues: [Double]
    /// Folds for the grid search.
    package var folds: Int
    /// Fractions of the training labels for the learning curve (empty: none).
    package var labelFractions: [Double]
    /// Seed of the folds and label subsets.
    package var seed: UInt64

    /// How codes are post-processed before LR (`sae_lr`, `concat_lr`).
    package var codeScaling: CodeScaler.Method
    /// The codes-block weights `best` chooses among (`concat_lr` keeps weight 1).
    package var codesWeights: [Double]
    /// The word n-grams the `best` arm's terms are made of, as `fit`'s classifier reads them
    /// (``TextFeaturePipeline/Configuration/classifierNgrams``); the other arms read the
    /// vectorizer's terms.
    package var classifierNgrams: ClosedRange<Int>?

    /// Creates a configuration; the defaults are ``TextFeaturePipeline/Configuration``'s, so an
    /// experiment measures the pipeline `sparsetext fit` builds.
    package init(
      vectorizer: TfidfVectorizer.Configuration = TextFeaturePipeline.Configuration()
        .vectorizer,
      autoencoder: SparseAutoencoder.Configuration? = .init(),
      classifier: LogisticRegression.Configuration = TextFeaturePipeline.Configuration
        .recommendedClassifier,
      cValues: [Double] = TextFeaturePipeline.Configuration().cValues,
      folds: Int = TextFeaturePipeline.Configuration().folds, labelFractions: [Double] = [],
      seed: UInt64 = SeededGenerator.defaultSeed,
      codeScaling: CodeScaler.Method = TextFeaturePipeline.Configuration().codeScaling,
      codesWeights: [Double] = TextFeaturePipeline.Configuration().codesWeights,
      classifierNgrams: ClosedRange<Int>? = TextFeaturePipeline.Configuration().classifierNgrams
    ) {
      self.vectorizer = vectorizer
      self.autoencoder = autoencoder
      self.classifier = classifier
      self.cValues = cValues
      self.folds = folds
      self.labelFractions = labelFractions
      self.seed = seed
      self.codeScaling = codeScaling
      self.codesWeights = codesWeights
      self.classifierNgrams = classifierNgrams
    }

    enum CodingKeys: String, CodingKey {
      case vectorizer
      case autoencoder
      case classifier
      case cValues = "c_values"
      case folds
      case labelFractions = "label_fractions"
      case seed
      case codeScaling = "code_scaling"
      case codesWeights = "codes_weights"
      case classifierNgrams = "classifier_ngrams"
    }
  }

  /// The pipelines an experiment compares; the raw values are the names reports use.
  package enum PipelineKind: String, Sendable, Codable, Equatable, CaseIterable,
    CustomStringConvertible
  {
    /// Logistic regression on TF-IDF.
    case tfidf = "tfidf_lr"
    /// Logistic regression on the autoencoder's codes.
    case codes = "sae_lr"
    /// Logistic regression on TF-IDF and codes side by side.
    case concatenated = "concat_lr"
    /// NBSVM (logistic regression on naive-Bayes-weighted binarized terms).
    case nbsvm = "nbsvm_lr"
    /// What `sparsetext fit` bundles by default, fitted as `fit` fits it: the input and C its
    /// cross-validation chooses (every pair on every fold), its classifier's own terms, and
    /// with a label weight an autoencoder that learns the labels, each fold's codes from one
    /// trained with only that fold's labels.
    case best
    /// Logistic regression on the codes of `best`'s autoencoder (which learned the labels),
    /// with the C `best`'s cross-validation gave the codes; only with a label weight above 0.
    case labelCodes = "label_sae_lr"

    /// The name reports use (`tfidf_lr`, `nbsvm_lr`, `sae_lr`, `concat_lr`, `best`,
    /// `label_sae_lr`).
    package var description: String { rawValue }
  }

  /// One pipeline's result on the test part.
  package struct PipelineResult: Sendable, Codable, Equatable {
    /// Which pipeline.
    package var name: PipelineKind
    /// Test accuracy.
    package var accuracy: Double
    /// Test macro-F1.
    package var macroF1: Double
    /// Test log-loss.
    package var logLoss: Double?
    /// The C used.
    package var c: Double
    /// Seconds to fit the pipeline's own stages (the vectorizer and autoencoder times are
    /// reported separately and included where the pipeline uses them).
    package var fitSeconds: Double
    /// Number of features the classifier read.
    package var features: Int
    /// Whether L-BFGS met its tolerance.
    package var converged: Bool
    /// The full report.
    package var report: ClassificationReport
    /// What the classifier read (for `best`, the cross-validated choice) and the codes
    /// block's weight, when it has one.
    package var input: TextFeaturePipeline.ClassifierInput
    /// The codes block's weight, for an input with one.
    package var codesWeight: Double?

    enum CodingKeys: String, CodingKey {
      case name, accuracy, report, features, converged, input
      case codesWeight = "codes_weight"
      case macroF1 = "macro_f1"
      case logLoss = "log_loss"
      case c = "C"
      case fitSeconds = "fit_seconds"
    }
  }

  /// One point of the learning curve.
  package struct CurvePoint: Sendable, Codable, Equatable {
    /// The pipeline.
    package var pipeline: PipelineKind
    /// The fraction of training labels used.
    package var fraction: Double
    /// Labelled training documents used.
    package var labelled: Int
    /// Test accuracy.
    package var accuracy: Double
    /// Test macro-F1.
    package var macroF1: Double
    /// The C chosen on this fraction's labels.
    package var c: Double
    /// What the classifier read (for `best`, chosen on this fraction's labels).
    package var input: TextFeaturePipeline.ClassifierInput

    enum CodingKeys: String, CodingKey {
      case pipeline, fraction, labelled, accuracy, c, input
      case macroF1 = "macro_f1"
    }
  }

  /// A step of ``run(train:test:unlabeled:progress:)``.
  package enum Step: Sendable, Equatable, CustomStringConvertible {
    /// Fitting the vectorizer.
    case vectorizer
    /// Training the autoencoder.
    case autoencoder
    /// Choosing C for and fitting one pipeline's classifier.
    case classifier(PipelineKind)
    /// The learning curve's point at this fraction of the training labels.
    case learningCurve(fraction: Double)
    /// Measuring the autoencoder on the training and test parts.
    case autoencoderMetrics
    /// One combination of an autoencoder grid search (`index` counts from 1).
    case gridCombination(index: Int, count: Int, settings: String)

    /// The step in words, as progress lines show it.
    package var description: String {
      switch self {
      case .vectorizer: "vectorizer"
      case .autoencoder: "autoencoder"
      case .classifier(let pipeline): pipeline.rawValue
      case .learningCurve(let fraction): "learning curve \(fraction)"
      case .autoencoderMetrics: "autoencoder metrics"
      case .gridCombination(let index, let count, let settings):
        "grid \(index)/\(count): \(settings)"
      }
    }
  }

  /// Progress.
  package enum Event: Sendable {
    /// A step started.
    case step(Step)
    /// An autoencoder training event.
    case autoencoder(SparseAutoencoder.TrainingEvent)
    /// A grid search finished fold `fold` of `folds` (counted from 1) of combination
    /// `combination` of `combinations`; after the combination's last fold, `row` is its result
    /// (ranked 0 until every combination is done).
    case gridFold(combination: Int, combinations: Int, fold: Int, folds: Int, row: GridRow?)
  }

  /// Everything measured.
  package struct Result: Sendable, Codable {
    /// One entry per pipeline.
    package var pipelines: [PipelineResult]
    /// The learning curve (empty when no fractions were asked for).
    package var learningCurve: [CurvePoint]
    /// Seconds to fit the vectorizer on the training text.
    package var vectorizerSeconds: Double
    /// Seconds to train the autoencoder.
    package var autoencoderSeconds: Double?
    /// The autoencoder's statistics on the training TF-IDF (the text it was trained on).
    package var autoencoderMetrics: SparseCodingMetrics?
    /// The autoencoder's statistics on the test TF-IDF (FVU against the training column means).
    package var autoencoderMetricsTest: SparseCodingMetrics?
    /// Unlabeled documents the vectorizer and autoencoder also saw.
    package var unlabeledDocuments: Int
    /// TF-IDF columns.
    package var vocabularySize: Int

    enum CodingKeys: String, CodingKey {
      case pipelines
      case learningCurve = "learning_curve"
      case vectorizerSeconds = "vectorizer_seconds"
      case autoencoderSeconds = "autoencoder_seconds"
      case autoencoderMetrics = "autoencoder_metrics"
      case autoencoderMetricsTest = "autoencoder_metrics_test"
      case unlabeledDocuments = "unlabeled_documents"
      case vocabularySize = "vocabulary_size"
    }
  }

  /// The configuration.
  package let configuration: Configuration

  /// Creates an experiment.
  package init(_ configuration: Configuration) {
    self.configuration = configuration
  }

  /// Fits on `train`, evaluates on `test`; `unlabeled` texts join the training text for the
  /// vectorizer and the autoencoder (never the classifier).
  package func run(
    train: [LabeledDocument], test: [LabeledDocument], unlabeled: [String] = [],
    progress: (@Sendable (Event) -> Void)? = nil
  ) throws -> Result {
    let trainTexts = train.map(\.text)
    let testTexts = test.map(\.text)
    let trainLabels = try train.map { try Self.label(of: $0) }
    let testLabels = try test.map { try Self.label(of: $0) }
    guard Set(trainLabels).count >= 2 else {
      throw DataError.singleClass(label: trainLabels.first ?? "")
    }
    let c = configuration
    progress?(.step(.vectorizer))
    var clock = Date()
    let (vectorizer, xFit) = try TfidfVectorizer.fitTransform(
      trainTexts + unlabeled, configuration: c.vectorizer)
    let xTrain = unlabeled.isEmpty ? xFit : xFit.selectingRows(0..<trainTexts.count)
    let vectorizerSeconds = Date().timeIntervalSince(clock)
    let xTest = try vectorizer.transform(testTexts)
    var autoencoder: SparseAutoencoder?
    var autoencoderSeconds: Double?
    var codesTrain: DenseMatrix?
    var codesTest: DenseMatrix?
    if let sae = c.autoencoder {
      progress?(.step(.autoencoder))
      clock = Date()
      let trained = try SparseAutoencoder(training: xFit, configuration: sae) { event in
        progress?(.autoencoder(event))
      }
      autoencoderSeconds = Date().timeIntervalSince(clock)
      let scaler =
        c.codeScaling == .standardize ? CodeScaler(fitting: try trained.encode(xFit)) : nil
      codesTrain = try scaler?.transform(trained.encode(xTrain)) ?? trained.encode(xTrain)
      codesTest = try scaler?.transform(trained.encode(xTest)) ?? trained.encode(xTest)
      autoencoder = trained
    }
    let standardized = c.codeScaling == .standardize
    var arms: [PipelineKind] = [.tfidf, .nbsvm]
    if codesTrain != nil { arms += [.codes, .concatenated] }
    let sharedSeconds = vectorizerSeconds + (autoencoderSeconds ?? 0)
    var results: [PipelineResult] = []
    for arm in arms {
      progress?(.step(.classifier(arm)))
      clock = Date()
      let choice: TextFeaturePipeline.ClassifierChoice
      if arm == .tfidf {
        choice = .init(
          input: .tfidf, codesWeight: nil,
          c: try chooseC(
            arm: arm, features: xTrain, texts: trainTexts, unlabeled: unlabeled,
            labels: trainLabels))
      } else {
        choice = try choose(
          arm, rows: Array(0..<trainTexts.count), x: xTrain, codes: codesTrain,
          labels: trainLabels, standardized: standardized)
      }
      var lr = c.classifier
      lr.inverseRegularization = choice.c
      let model = try FittedClassifier(
        fitting: xTrain, codes: codesTrain, labels: trainLabels,
        candidate: .init(choice.input, codesWeight: choice.codesWeight),
        standardized: standardized, configuration: lr, isCancelled: nil)
      let seconds =
        Date().timeIntervalSince(clock)
        + (choice.input.readsCodes ? sharedSeconds : vectorizerSeconds)
      let report = try ClassificationReport(
        truth: testLabels, predicted: model.predict(xTest, codes: codesTest),
        probabilities: model.probabilities(xTest, codes: codesTest), classes: model.classes)
      let width =
        (choice.input.readsCodes ? (codesTrain?.columns ?? 0) : 0)
        + (choice.input == .codes ? 0 : xTrain.columns)
      results.append(
        PipelineResult(
          name: arm, accuracy: report.accuracy, macroF1: report.macroF1,
          logLoss: report.logLoss, c: choice.c, fitSeconds: seconds, features: width,
          converged: model.convergence.converged, report: report, input: choice.input,
          codesWeight: choice.codesWeight))
    }
    // `best` is what `fit` bundles, fitted as `fit` fits it; `label_sae_lr` reads the codes of
    // its autoencoder, which learned the labels too.
    progress?(.step(.classifier(.best)))
    clock = Date()
    let fitted = try fitPipeline(
      labelled: Array(0..<trainTexts.count), texts: trainTexts, labels: trainLabels,
      unlabeled: unlabeled)
    let fitSeconds = Date().timeIntervalSince(clock)
    let fittedArms = try pipelineResults(
      fitted, trained: (trainTexts, trainLabels), testTexts: testTexts, testLabels: testLabels,
      seconds: fitSeconds)
    arms += fittedArms.map(\.name)
    results += fittedArms
    var curve: [CurvePoint] = []
    let trainIndices = Array(0..<train.count)
    for fraction in c.labelFractions {
      progress?(.step(.learningCurve(fraction: fraction)))
      let subset = try StratifiedSplit.fraction(
        fraction, of: trainIndices, labels: trainLabels, seed: c.seed)
      let subsetLabels = subset.map { trainLabels[$0] }
      guard Set(subsetLabels).count >= 2 else { continue }
      let xSubset = xTrain.selectingRows(subset)
      let codesSubset = codesTrain?.selectingRows(subset)
      // A pipeline fitted with this fraction's labels only (its autoencoder trained again).
      let fractionFit = try fitPipeline(
        labelled: subset, texts: trainTexts, labels: trainLabels, unlabeled: unlabeled)
      for point in try pipelineResults(
        fractionFit, trained: (subset.map { trainTexts[$0] }, subsetLabels),
        testTexts: testTexts, testLabels: testLabels, seconds: 0)
      {
        curve.append(
          CurvePoint(
            pipeline: point.name, fraction: fraction, labelled: subset.count,
            accuracy: point.accuracy, macroF1: point.macroF1, c: point.c, input: point.input))
      }
      for (arm, result) in zip(arms, results) where !Self.fittedArms.contains(arm) {
        // C is chosen again on this fraction's labels only; with a class of one row there are
        // no folds, and the C chosen on all labels is kept.
        var choice = try choose(
          arm, rows: subset, x: xSubset, codes: codesSubset, labels: subsetLabels,
          standardized: standardized, fallbackC: result.c)
        choice.input = result.input
        choice.codesWeight = result.codesWeight
        var lr = c.classifier
        lr.inverseRegularization = choice.c
        let model = try FittedClassifier(
          fitting: xSubset, codes: codesSubset, labels: subsetLabels,
          candidate: .init(choice.input, codesWeight: choice.codesWeight),
          standardized: standardized, configuration: lr, isCancelled: nil)
        let report = try ClassificationReport(
          truth: testLabels, predicted: model.predict(xTest, codes: codesTest))
        curve.append(
          CurvePoint(
            pipeline: arm, fraction: fraction, labelled: subset.count,
            accuracy: report.accuracy, macroF1: report.macroF1, c: choice.c,
            input: choice.input))
      }
    }
    progress?(.step(.autoencoderMetrics))
    return try Result(
      pipelines: results, learningCurve: curve, vectorizerSeconds: vectorizerSeconds,
      autoencoderSeconds: autoencoderSeconds,
      autoencoderMetrics: autoencoder?.metrics(on: xFit),
      autoencoderMetricsTest: autoencoder?.metrics(on: xTest, referenceMeans: xFit.columnMeans()),
      unlabeledDocuments: unlabeled.count, vocabularySize: xTrain.columns)
  }

  /// The input each arm reads (`best` and `label_sae_lr` are fitted as whole pipelines).
  private func candidates(_ arm: PipelineKind) -> [TextFeaturePipeline.InputCandidate] {
    switch arm {
    case .tfidf: [.init(.tfidf)]
    case .nbsvm: [.init(.nbsvm)]
    case .codes: [.init(.codes)]
    case .concatenated: [.init(.both, codesWeight: 1)]
    case .best, .labelCodes:
      // Fitted as a whole pipeline (``fitPipeline(labelled:texts:labels:unlabeled:)``).
      []
    }
  }

  /// The arms fitted as a whole pipeline rather than from the shared features.
  static let fittedArms: Set<PipelineKind> = [.best, .labelCodes]

  /// The pipeline `fit` makes from the training texts with the labels of rows `labelled`
  /// only (the other rows, and `unlabeled`, train the unsupervised stages).
  private func fitPipeline(
    labelled: [Int], texts: [String], labels: [String], unlabeled: [String]
  ) throws -> TextFeaturePipeline {
    let c = configuration
    let isLabelled = Set(labelled)
    let others = texts.indices.filter { !isLabelled.contains($0) }.map { texts[$0] }
    var autoencoder = c.autoencoder
    autoencoder?.seed = c.seed
    let pipeline = TextFeaturePipeline.Configuration(
      vectorizer: c.vectorizer, autoencoder: autoencoder, classifier: c.classifier,
      codesWeights: c.codesWeights, classifierNgrams: c.classifierNgrams,
      codeScaling: c.codeScaling, cValues: c.cValues, folds: c.folds, choiceSearch: .exhaustive)
    return try TextFeaturePipeline(
      fitting: labelled.map { texts[$0] }, labels: labelled.map { labels[$0] },
      unlabeled: others + unlabeled, configuration: pipeline, isCancelled: nil)
  }

  /// `best` (the pipeline's classifier) and, when its autoencoder learned the labels,
  /// `label_sae_lr` (logistic regression on its codes, with the C its cross-validation gave
  /// the codes input), on the test texts.
  private func pipelineResults(
    _ pipeline: TextFeaturePipeline, trained: (texts: [String], labels: [String]),
    testTexts: [String], testLabels: [String], seconds: Double
  ) throws -> [PipelineResult] {
    guard let choice = pipeline.classifierChoice, let classifier = pipeline.fittedClassifier
    else { return [] }
    let classified = try pipeline.classify(testTexts)
    let report = try ClassificationReport(
      truth: testLabels, predicted: classified.labels, probabilities: classified.probabilities,
      classes: pipeline.classes)
    let terms = (pipeline.classifierVectorizer ?? pipeline.vectorizer).vocabulary.count
    let hidden = pipeline.autoencoder?.configuration.hiddenUnits ?? 0
    var results = [
      PipelineResult(
        name: .best, accuracy: report.accuracy, macroF1: report.macroF1,
        logLoss: report.logLoss, c: choice.c, fitSeconds: seconds,
        features: (choice.input.readsCodes ? hidden : 0) + (choice.input == .codes ? 0 : terms),
        converged: classifier.convergence.converged, report: report, input: choice.input,
        codesWeight: choice.codesWeight)
    ]
    guard let autoencoder = pipeline.autoencoder, autoencoder.configuration.learnsFromLabels,
      let trainCodes = try pipeline.codes(for: pipeline.features(for: trained.texts)),
      let testCodes = try pipeline.codes(for: pipeline.features(for: testTexts))
    else { return results }
    // The codes input's best C in the cross-validation, with the fold autoencoders' codes.
    let codesRows = choice.crossValidation.filter { $0.input == .codes }
    let c =
      codesRows.max { ($0.accuracy, -$0.c) < ($1.accuracy, -$1.c) }?.c
      ?? pipeline.configuration.classifier?.inverseRegularization ?? 1
    var lr = configuration.classifier
    lr.inverseRegularization = c
    let model = try LogisticRegression(
      fitting: trainCodes, labels: trained.labels, configuration: lr)
    let codesReport = try ClassificationReport(
      truth: testLabels, predicted: model.predictedLabels(testCodes),
      probabilities: model.classProbabilities(testCodes), classes: model.classes)
    results.append(
      PipelineResult(
        name: .labelCodes, accuracy: codesReport.accuracy, macroF1: codesReport.macroF1,
        logLoss: codesReport.logLoss, c: c, fitSeconds: seconds, features: hidden,
        converged: model.convergence.converged, report: codesReport, input: .codes,
        codesWeight: nil))
    return results
  }

  /// The arm's input and C chosen by the pipeline's cross-validation on `labels` (rows `rows`
  /// of the training part, whose features are `x` and `codes`), with fewer folds when a class
  /// is small; `fallbackC` when no folds are possible.
  private func choose(
    _ arm: PipelineKind, rows: [Int], x: SparseMatrix, codes: DenseMatrix?, labels: [String],
    standardized: Bool, fallbackC: Double? = nil
  ) throws -> TextFeaturePipeline.ClassifierChoice {
    var lr = configuration.classifier
    if let fallbackC { lr.inverseRegularization = fallbackC }
    return try TextFeaturePipeline.chooseClassifier(
      x, labels: labels, candidates: candidates(arm),
      cValues: configuration.cValues, folds: configuration.folds, seed: configuration.seed,
      configuration: lr,
      foldCodes: codes.map { codes in
        { train, valid in (codes.selectingRows(train), codes.selectingRows(valid)) }
      }, standardized: standardized)
  }

  /// The C with the best mean k-fold accuracy on the training part; for `tfidf_lr` the
  /// vectorizer is refitted on each fold's training documents (and the unlabeled text).
  private func chooseC(
    arm: PipelineKind, features: any FeatureMatrix, texts: [String], unlabeled: [String],
    labels: [String]
  ) throws -> Double {
    let c = configuration
    let refit: ((_ train: [Int], _ test: [Int]) throws -> (any FeatureMatrix, any FeatureMatrix))? =
      arm == .tfidf
      ? { train, test in
        let (vectorizer, x) = try TfidfVectorizer.fitTransform(
          train.map { texts[$0] } + unlabeled, configuration: c.vectorizer)
        return (
          x.selectingRows(0..<train.count), try vectorizer.transform(test.map { texts[$0] })
        )
      } : nil
    guard let folds = TextFeaturePipeline.crossValidationFolds(labels, requested: c.folds) else {
      return c.cValues.count == 1 ? c.cValues[0] : c.classifier.inverseRegularization
    }
    return try LogisticRegression.crossValidateC(
      features, labels: labels, candidates: c.cValues, folds: folds, seed: c.seed,
      configuration: c.classifier, foldFeatures: refit
    ).c
  }

  static func rows(_ x: any FeatureMatrix, _ indices: [Int]) -> any FeatureMatrix {
    selectingRows(x, indices)
  }

  /// The document's label, or an error telling how to give one.
  package static func label(of document: LabeledDocument) throws -> String {
    guard let label = document.label else {
      throw DataError.unlabeledDocument(id: document.id, line: document.line)
    }
    return label
  }
}
