import Foundation

/// Compares features on one labelled split: TF-IDF → LR (`tfidf_lr`), TF-IDF → sparse codes → LR
/// (`sae_lr`) and TF-IDF ⊕ codes → LR (`concat_lr`), optionally along a learning curve where
/// the unsupervised stages see all training text and the classifier a fraction of the labels.
public struct Experiment: Sendable {
  /// Settings of an experiment.
  public struct Configuration: Codable, Sendable, Equatable {
    /// The vectorizer, fitted on the training text.
    public var vectorizer: TfidfVectorizer.Configuration
    /// The autoencoder, fitted on the training TF-IDF; `nil` runs `tfidf_lr` only.
    public var autoencoder: SparseAutoencoder.Configuration?
    /// The classifier; its `inverseRegularization` is replaced by the grid search's choice when
    /// ``cValues`` has more than one value.
    public var classifier: LogisticRegression.Configuration
    /// Values of C to choose from by stratified k-fold cross-validation on the training part
    /// (the vectorizer is refitted inside each fold for `tfidf_lr`).
    public var cValues: [Double]
    /// Folds for the grid search.
    public var folds: Int
    /// Fractions of the training labels for the learning curve (empty: none).
    public var labelFractions: [Double]
    /// Seed of the folds and label subsets.
    public var seed: UInt64

    /// Creates a configuration.
    public init(
      vectorizer: TfidfVectorizer.Configuration = .init(),
      autoencoder: SparseAutoencoder.Configuration? = .init(),
      classifier: LogisticRegression.Configuration = .init(), cValues: [Double] = [10],
      folds: Int = 3, labelFractions: [Double] = [], seed: UInt64 = 13
    ) {
      self.vectorizer = vectorizer
      self.autoencoder = autoencoder
      self.classifier = classifier
      self.cValues = cValues
      self.folds = folds
      self.labelFractions = labelFractions
      self.seed = seed
    }
  }

  /// One pipeline's result on the test part.
  public struct PipelineResult: Sendable, Codable, Equatable {
    /// `tfidf_lr`, `sae_lr` or `concat_lr`.
    public var name: String
    /// Test accuracy.
    public var accuracy: Double
    /// Test macro-F1.
    public var macroF1: Double
    /// Test log-loss.
    public var logLoss: Double?
    /// The C used.
    public var c: Double
    /// Seconds to fit the pipeline's own stages (the vectorizer and autoencoder times are
    /// reported separately and included where the pipeline uses them).
    public var fitSeconds: Double
    /// Number of features the classifier read.
    public var features: Int
    /// Whether L-BFGS met its tolerance.
    public var converged: Bool
    /// The full report.
    public var report: ClassificationReport

    enum CodingKeys: String, CodingKey {
      case name, accuracy, report, features, converged
      case macroF1 = "macro_f1"
      case logLoss = "log_loss"
      case c = "C"
      case fitSeconds = "fit_seconds"
    }
  }

  /// One point of the learning curve.
  public struct CurvePoint: Sendable, Codable, Equatable {
    /// The pipeline.
    public var pipeline: String
    /// The fraction of training labels used.
    public var fraction: Double
    /// Labelled training documents used.
    public var labelled: Int
    /// Test accuracy.
    public var accuracy: Double
    /// Test macro-F1.
    public var macroF1: Double

    enum CodingKeys: String, CodingKey {
      case pipeline, fraction, labelled, accuracy
      case macroF1 = "macro_f1"
    }
  }

  /// Progress.
  public enum Event: Sendable {
    /// A step started.
    case step(String)
    /// An autoencoder training event.
    case autoencoder(SparseAutoencoder.TrainingEvent)
  }

  /// Everything measured.
  public struct Result: Sendable, Codable {
    /// One entry per pipeline.
    public var pipelines: [PipelineResult]
    /// The learning curve (empty when no fractions were asked for).
    public var learningCurve: [CurvePoint]
    /// Seconds to fit the vectorizer on the training text.
    public var vectorizerSeconds: Double
    /// Seconds to train the autoencoder.
    public var autoencoderSeconds: Double?
    /// The autoencoder's statistics on the training TF-IDF.
    public var autoencoderMetrics: SparseCodingMetrics?
    /// TF-IDF columns.
    public var vocabularySize: Int

    enum CodingKeys: String, CodingKey {
      case pipelines
      case learningCurve = "learning_curve"
      case vectorizerSeconds = "vectorizer_seconds"
      case autoencoderSeconds = "autoencoder_seconds"
      case autoencoderMetrics = "autoencoder_metrics"
      case vocabularySize = "vocabulary_size"
    }
  }

  /// The configuration.
  public let configuration: Configuration

  /// Creates an experiment.
  public init(_ configuration: Configuration) {
    self.configuration = configuration
  }

  /// Fits on `train`, evaluates on `test`.
  public func run(
    train: [LabeledDocument], test: [LabeledDocument],
    progress: (@Sendable (Event) -> Void)? = nil
  ) throws -> Result {
    let trainTexts = train.map(\.text)
    let testTexts = test.map(\.text)
    let trainLabels = try train.map { try Self.label(of: $0) }
    let testLabels = try test.map { try Self.label(of: $0) }
    guard Set(trainLabels).count >= 2 else {
      throw DataError.unusableCorpus(
        reason: "the training part holds a single class",
        suggestion: "A classifier needs at least two classes; check the label column.")
    }
    let c = configuration
    progress?(.step("vectorizer"))
    var clock = Date()
    let (vectorizer, xTrain) = try TfidfVectorizer.fitTransform(
      trainTexts, configuration: c.vectorizer)
    let vectorizerSeconds = Date().timeIntervalSince(clock)
    let xTest = vectorizer.transform(testTexts)
    var autoencoder: SparseAutoencoder?
    var autoencoderSeconds: Double?
    var codesTrain: DenseMatrix?
    var codesTest: DenseMatrix?
    if let sae = c.autoencoder {
      progress?(.step("autoencoder"))
      clock = Date()
      autoencoder = try SparseAutoencoder(training: xTrain, configuration: sae) { event in
        progress?(.autoencoder(event))
      }
      autoencoderSeconds = Date().timeIntervalSince(clock)
      codesTrain = autoencoder!.encode(xTrain)
      codesTest = autoencoder!.encode(xTest)
    }
    struct Arm {
      var name: String
      var train: any FeatureMatrix
      var test: any FeatureMatrix
      var sharedSeconds: Double
    }
    var arms = [Arm(name: "tfidf_lr", train: xTrain, test: xTest, sharedSeconds: vectorizerSeconds)]
    if let codesTrain, let codesTest, let autoencoderSeconds {
      arms.append(
        Arm(
          name: "sae_lr", train: codesTrain, test: codesTest,
          sharedSeconds: vectorizerSeconds + autoencoderSeconds))
      arms.append(
        Arm(
          name: "concat_lr",
          train: try xTrain.horizontallyConcatenated(with: codesTrain.sparsified()),
          test: try xTest.horizontallyConcatenated(with: codesTest.sparsified()),
          sharedSeconds: vectorizerSeconds + autoencoderSeconds))
    }
    var results: [PipelineResult] = []
    for arm in arms {
      progress?(.step(arm.name))
      let chosenC = try chooseC(
        arm: arm.name, features: arm.train, texts: trainTexts, labels: trainLabels)
      var lr = c.classifier
      lr.inverseRegularization = chosenC
      clock = Date()
      let model = try LogisticRegression(fitting: arm.train, labels: trainLabels, configuration: lr)
      let seconds = Date().timeIntervalSince(clock) + arm.sharedSeconds
      let report = ClassificationReport(
        truth: testLabels, predicted: model.predict(arm.test),
        probabilities: model.probabilities(for: arm.test), classes: model.classes)
      results.append(
        PipelineResult(
          name: arm.name, accuracy: report.accuracy, macroF1: report.macroF1,
          logLoss: report.logLoss, c: chosenC, fitSeconds: seconds, features: arm.train.columns,
          converged: model.convergence.converged, report: report))
    }
    var curve: [CurvePoint] = []
    let trainIndices = Array(0..<train.count)
    for fraction in c.labelFractions {
      progress?(.step("learning curve \(fraction)"))
      let subset = try StratifiedSplit.fraction(
        fraction, of: trainIndices, labels: trainLabels, seed: c.seed)
      let subsetLabels = subset.map { trainLabels[$0] }
      guard Set(subsetLabels).count >= 2 else { continue }
      for (arm, result) in zip(arms, results) {
        var lr = c.classifier
        lr.inverseRegularization = result.c
        let features = Self.rows(arm.train, subset)
        let model = try LogisticRegression(
          fitting: features, labels: subsetLabels, configuration: lr)
        let report = ClassificationReport(truth: testLabels, predicted: model.predict(arm.test))
        curve.append(
          CurvePoint(
            pipeline: arm.name, fraction: fraction, labelled: subset.count,
            accuracy: report.accuracy, macroF1: report.macroF1))
      }
    }
    return Result(
      pipelines: results, learningCurve: curve, vectorizerSeconds: vectorizerSeconds,
      autoencoderSeconds: autoencoderSeconds,
      autoencoderMetrics: autoencoder?.metrics(on: xTrain), vocabularySize: xTrain.columns)
  }

  /// The C with the best mean k-fold accuracy on the training part; for `tfidf_lr` the
  /// vectorizer is refitted on each fold's training documents.
  private func chooseC(
    arm: String, features: any FeatureMatrix, texts: [String], labels: [String]
  ) throws -> Double {
    let c = configuration
    guard c.cValues.count > 1 else { return c.cValues.first ?? c.classifier.inverseRegularization }
    let folds = try StratifiedSplit.folds(labels: labels, k: c.folds, seed: c.seed)
    var best = (c: c.cValues[0], score: -1.0)
    var foldFeatures: [(any FeatureMatrix, any FeatureMatrix)] = []
    for fold in folds {
      if arm == "tfidf_lr" {
        let (vectorizer, x) = try TfidfVectorizer.fitTransform(
          fold.train.map { texts[$0] }, configuration: c.vectorizer)
        foldFeatures.append((x, vectorizer.transform(fold.test.map { texts[$0] })))
      } else {
        foldFeatures.append((Self.rows(features, fold.train), Self.rows(features, fold.test)))
      }
    }
    for value in c.cValues {
      var lr = c.classifier
      lr.inverseRegularization = value
      var correct = 0.0
      for (fold, (train, test)) in zip(folds, foldFeatures) {
        let model = try LogisticRegression(
          fitting: train, labels: fold.train.map { labels[$0] }, configuration: lr)
        let predicted = model.predict(test)
        correct += Double(zip(predicted, fold.test).filter { $0 == labels[$1] }.count)
      }
      let score = correct / Double(labels.count)
      if score > best.score { best = (value, score) }
    }
    return best.c
  }

  static func rows(_ x: any FeatureMatrix, _ indices: [Int]) -> any FeatureMatrix {
    switch x {
    case let sparse as SparseMatrix: return sparse.selectingRows(indices)
    case let dense as DenseMatrix: return dense.selectingRows(indices)
    default: preconditionFailure("unknown feature matrix")
    }
  }

  /// The document's label, or an error telling how to give one.
  public static func label(of document: LabeledDocument) throws -> String {
    guard let label = document.label else {
      throw DataError.unusableCorpus(
        reason: "document \(document.id) (line \(document.line)) has no label",
        suggestion:
          "Give every document a label: __label__NAME for fastText lines, --label-column for CSV, --label-field for JSONL."
      )
    }
    return label
  }
}
