import Foundation

/// The whole pipeline, fitted: text → TF-IDF → sparse codes → class probabilities. Each stage
/// after the vectorizer is optional. Load one from a model bundle once at start-up and share it
/// freely: it is an immutable `Sendable` value.
///
/// ```swift
/// let pipeline = try TextFeaturePipeline(contentsOf: URL(fileURLWithPath: "model"))
/// let vectors = pipeline.embeddings(for: ["a first text", "a second one"])
/// ```
public struct TextFeaturePipeline: Sendable {
  /// Which features the classifier reads.
  public enum ClassifierInput: String, Codable, Sendable, CaseIterable {
    /// The TF-IDF vector.
    case tfidf
    /// The autoencoder's codes.
    case codes
    /// Both, side by side.
    case both
  }

  /// Settings of every stage. The defaults are the recipe measured best across the
  /// development corpora (see the README's results); `sparsetext fit` and `sparsetext experiment`
  /// take their defaults from here.
  public struct Configuration: Codable, Sendable, Equatable {
    /// The vectorizer (always present); ``recommendedVectorizer`` by default.
    public var vectorizer: TfidfVectorizer.Configuration
    /// The sparse autoencoder, or `nil` to skip it.
    public var autoencoder: SparseAutoencoder.Configuration?
    /// The classifier, or `nil` to skip it (it also needs labels). Its C is replaced by the
    /// cross-validated choice when ``cValues`` holds more than one value.
    public var classifier: LogisticRegression.Configuration?
    /// What the classifier reads; codes when there is an autoencoder, else TF-IDF.
    public var classifierInput: ClassifierInput?
    /// How codes are post-processed before they are used as features (by the classifier, by
    /// ``embeddings(for:)`` and by `sparsetext encode`); standardized by default.
    public var codeScaling: CodeScaler.Method
    /// Candidates for the classifier's C, chosen by stratified k-fold cross-validation on the
    /// training labels when there is more than one.
    public var cValues: [Double]
    /// Folds of that cross-validation.
    public var folds: Int
    /// The anomaly score of ``TextFeaturePipeline/anomalyScores(for:outlierQuantile:threshold:)``
    /// (and the one whose training distribution is stored); by default
    /// ``AnomalyScores/Method/ownTermsGeometricMean``, which combines how much and in which
    /// direction the reconstruction of the document's own terms misses, and separated best on
    /// BBC (see the README). Bundles written before this key existed keep
    /// ``AnomalyScores/Method/ownTermsError``, the score they were fitted with.
    public var anomalyScore: AnomalyScores.Method
    /// The quantile of the training scores above which a document is an outlier; 0.99 by
    /// default, so about 1% of the training text is flagged.
    public var outlierQuantile: Double

    /// The vectorizer of the recommended recipe: the unicode tokenizer, terms in at least 2
    /// documents, `1 + ln(tf)`, l2 rows.
    public static let recommendedVectorizer = TfidfVectorizer.Configuration(
      counting: .init(minDocumentFrequency: .count(2)), weighting: .init(sublinearTF: true))

    /// The C candidates of the recommended recipe.
    public static let recommendedCValues: [Double] = [0.1, 1, 10, 100]

    /// The classifier of the recommended recipe: logistic regression with up to 1,000 L-BFGS
    /// iterations (C is chosen from ``cValues``).
    public static let recommendedClassifier = LogisticRegression.Configuration(maxIterations: 1000)

    /// Creates a configuration; see each property for its default.
    public init(
      vectorizer: TfidfVectorizer.Configuration = Self.recommendedVectorizer,
      autoencoder: SparseAutoencoder.Configuration? = .init(),
      classifier: LogisticRegression.Configuration? = Self.recommendedClassifier,
      classifierInput: ClassifierInput? = nil,
      codeScaling: CodeScaler.Method = .standardize,
      cValues: [Double] = Self.recommendedCValues,
      folds: Int = 3, anomalyScore: AnomalyScores.Method = .ownTermsGeometricMean,
      outlierQuantile: Double = 0.99
    ) {
      self.vectorizer = vectorizer
      self.autoencoder = autoencoder
      self.classifier = classifier
      self.classifierInput = classifierInput
      self.codeScaling = codeScaling
      self.cValues = cValues
      self.folds = folds
      self.anomalyScore = anomalyScore
      self.outlierQuantile = outlierQuantile
    }

    enum CodingKeys: String, CodingKey {
      case vectorizer, autoencoder, classifier, folds
      case classifierInput = "classifier_input"
      case codeScaling = "code_scaling"
      case cValues = "c_values"
      case anomalyScore = "anomaly_score"
      case outlierQuantile = "outlier_quantile"
    }

    /// Decodes a configuration; keys missing from bundles written before they existed take
    /// the value those bundles were fitted with (no code scaling, the classifier's own C).
    public init(from decoder: any Decoder) throws {
      let container = try decoder.container(keyedBy: CodingKeys.self)
      vectorizer = try container.decode(TfidfVectorizer.Configuration.self, forKey: .vectorizer)
      autoencoder = try container.decodeIfPresent(
        SparseAutoencoder.Configuration.self, forKey: .autoencoder)
      classifier = try container.decodeIfPresent(
        LogisticRegression.Configuration.self, forKey: .classifier)
      classifierInput = try container.decodeIfPresent(
        ClassifierInput.self, forKey: .classifierInput)
      codeScaling =
        try container.decodeIfPresent(CodeScaler.Method.self, forKey: .codeScaling) ?? .none
      cValues =
        try container.decodeIfPresent([Double].self, forKey: .cValues)
        ?? [classifier?.inverseRegularization ?? 1]
      folds = try container.decodeIfPresent(Int.self, forKey: .folds) ?? 3
      anomalyScore =
        try container.decodeIfPresent(AnomalyScores.Method.self, forKey: .anomalyScore)
        ?? .ownTermsError
      outlierQuantile = try container.decodeIfPresent(Double.self, forKey: .outlierQuantile) ?? 0.99
    }

    /// The classifier input in effect.
    package var effectiveClassifierInput: ClassifierInput {
      classifierInput ?? (autoencoder == nil ? .tfidf : .codes)
    }

    /// Checks every field of every stage, so that a bad value is reported before any work: the
    /// pipeline's own, each stage's, and the autoencoder's counts against
    /// ``SparseAutoencoder/Configuration/countLimit``. (What depends on the data, such as the
    /// memory a training needs, is checked once the vocabulary is known, before training.)
    public func validate() throws {
      try vectorizer.validate()
      try classifier?.validate()
      if let autoencoder {
        try autoencoder.validate()
        try autoencoder.checkCounts()
      }
      guard !cValues.isEmpty, cValues.allSatisfy({ $0 > 0 && $0.isFinite }) else {
        throw ConfigurationError.outOfRange(
          field: .cValues, value: "\(cValues)", allowed: "one or more positive numbers")
      }
      guard folds >= 2 else {
        throw ConfigurationError.outOfRange(field: .folds, value: "\(folds)", allowed: "2 or more")
      }
      try Self.validateOutlierQuantile(outlierQuantile)
    }

    static func validateOutlierQuantile(_ q: Double) throws {
      guard q > 0 && q <= 1 else {
        throw ConfigurationError.outOfRange(
          field: .outlierQuantile, value: "\(q)", allowed: "in (0, 1]")
      }
    }
  }

  /// A stage of fitting, in the order they run.
  public enum Stage: String, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    /// The vocabulary and idf weights.
    case vectorizer
    /// The sparse autoencoder's training.
    case autoencoder
    /// The classifier: C by cross-validation, then the final fit.
    case classifier
    /// The anomaly scores of the training text (the outlier threshold's reference).
    case anomalyScores = "anomaly scores"

    /// The stage's name, as progress lines show it.
    public var description: String { rawValue }
  }

  /// Progress of ``init(fitting:labels:unlabeled:configuration:fittedVectorizer:progress:)``.
  public enum Event: Sendable {
    /// A stage started.
    case stage(Stage)
    /// An event of the autoencoder's training.
    case autoencoder(SparseAutoencoder.TrainingEvent)
  }

  /// The configuration; after fitting, the classifier's C is the one cross-validation chose.
  public let configuration: Configuration
  /// The fitted vectorizer.
  public let vectorizer: TfidfVectorizer
  /// The fitted autoencoder, if any.
  public let autoencoder: SparseAutoencoder?
  /// The fitted code post-processing, when there is an autoencoder and ``Configuration/codeScaling``
  /// is not `.none`.
  package let codeScaler: CodeScaler?
  /// The fitted classifier, if any.
  public let classifier: LogisticRegression?
  /// The anomaly scores of the autoencoder's training text (``Configuration/anomalyScore``),
  /// the reference of the outlier threshold; `nil` without an autoencoder and for bundles
  /// written before it was stored.
  public let trainingScores: AnomalyScores.Distribution?
  /// For each latent unit, the fraction of the autoencoder's training documents on which it
  /// fires (its code, before scaling, above the autoencoder's activity threshold); `nil`
  /// without an autoencoder and for bundles written before it was stored.
  public let firingRates: [Double]?
  /// What the autoencoder's training ran (epochs, the kept epoch and its validation loss);
  /// `nil` without an autoencoder and for bundles written before it was stored.
  public let autoencoderTraining: SparseAutoencoder.TrainingOutcome?

  /// Fits every configured stage: the vectorizer and the autoencoder on `documents` and
  /// `unlabeled` together, the classifier on `documents` and `labels`. With a
  /// ``SparseAutoencoder/Configuration/labelWeight`` above 0 and labels, the autoencoder also
  /// trains on the labels (the unlabelled texts without).
  ///
  /// - Parameters:
  ///   - documents: the training texts.
  ///   - labels: one label per document, or `nil` to skip the classifier.
  ///   - unlabeled: more texts for the unsupervised stages only (vocabulary, idf, autoencoder);
  ///     they help most when labels are few.
  ///   - configuration: the settings of every stage.
  ///   - fittedVectorizer: an already fitted vectorizer (for example from the command line's
  ///     merged term statistics) to use instead of fitting one on the texts; its configuration
  ///     replaces ``Configuration/vectorizer``.
  ///   - progress: called as stages start and as the autoencoder trains.
  /// - Throws: ``ConfigurationError`` for invalid settings, ``DataError`` for data that cannot
  ///   be learned from.
  public init(
    fitting documents: [String], labels: [String]? = nil, unlabeled: [String] = [],
    configuration: Configuration = .init(), fittedVectorizer: TfidfVectorizer? = nil,
    progress: (@Sendable (Event) -> Void)? = nil
  ) throws {
    try self.init(
      fitting: documents, labels: labels, unlabeled: unlabeled, configuration: configuration,
      fittedVectorizer: fittedVectorizer, progress: progress, isCancelled: nil)
  }

  /// ``init(fitting:labels:unlabeled:configuration:fittedVectorizer:progress:)`` that asks
  /// `isCancelled` between stages, autoencoder batches and solver iterations, and throws
  /// `CancellationError` when it says so.
  package init(
    fitting documents: [String], labels: [String]? = nil, unlabeled: [String] = [],
    configuration: Configuration = .init(), fittedVectorizer: TfidfVectorizer? = nil,
    progress: (@Sendable (Event) -> Void)? = nil, isCancelled: CancellationCheck?
  ) throws {
    var configuration = configuration
    if let fittedVectorizer { configuration.vectorizer = fittedVectorizer.configuration }
    try configuration.validate()
    if let labels, labels.count != documents.count {
      throw DataError.shapeMismatch(
        what: "labels (one per document)", expected: documents.count, actual: labels.count)
    }
    if configuration.effectiveClassifierInput != .tfidf && configuration.autoencoder == nil
      && configuration.classifier != nil && labels != nil
    {
      throw ConfigurationError.conflict(
        reason: "the classifier reads codes, but there is no autoencoder",
        suggestion: "Add an autoencoder or \(set: .classifierInput, to: "tfidf").")
    }
    if let labels, configuration.classifier != nil, Set(labels).count < 2 {
      // Said before any fitting, so the message is about the labels, not a later stage.
      throw DataError.singleClass(label: labels.first ?? "")
    }
    try checkCancellation(isCancelled)
    progress?(.stage(.vectorizer))
    let (vectorizer, xAll) =
      try fittedVectorizer.map { ($0, try $0.transform(documents + unlabeled)) }
      ?? TfidfVectorizer.fitTransform(
        documents + unlabeled, configuration: configuration.vectorizer)
    let x = unlabeled.isEmpty ? xAll : xAll.selectingRows(0..<documents.count)
    var autoencoder: SparseAutoencoder?
    var codeScaler: CodeScaler?
    var firingRates: [Double]?
    var autoencoderTraining: SparseAutoencoder.TrainingOutcome?
    // The labelled documents' codes as the classifier reads them (scaled when there is a scaler).
    var codes: DenseMatrix?
    if let sae = configuration.autoencoder {
      // Before anything that large is allocated: the weights, a batch and every row's codes.
      try sae.checkSizes(inputColumns: xAll.columns, rows: xAll.rows)
      try checkCancellation(isCancelled)
      progress?(.stage(.autoencoder))
      // With a label weight, the codes also learn the labels (the unlabelled texts' rows −1).
      var classIndices: [Int]? = nil
      var classCount = 0
      if let labels, sae.labelWeight > 0 {
        let classes = Array(Set(labels)).sorted()
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        classIndices =
          labels.map { index[$0]! } + Array(repeating: -1, count: xAll.rows - labels.count)
        classCount = classes.count
      }
      let trained = try SparseAutoencoder(
        training: xAll, labels: classIndices, classes: classCount, configuration: sae,
        progress: { event in progress?(.autoencoder(event)) }, isCancelled: isCancelled)
      // The configuration records what was fitted (the input scale a training resolved).
      configuration.autoencoder = trained.configuration
      autoencoderTraining = SparseAutoencoder.TrainingOutcome(history: trained.history)
      // Every training row is encoded once: for the scaler, and for the classifier.
      let allCodes = trained.encodeUnchecked(xAll)
      firingRates = SparseAutoencoder.firingRates(
        of: allCodes, threshold: trained.activityThreshold)
      if configuration.codeScaling == .standardize {
        codeScaler = CodeScaler(fitting: allCodes)
      }
      let labelled = unlabeled.isEmpty ? allCodes : allCodes.selectingRows(0..<documents.count)
      codes = try codeScaler?.transform(labelled) ?? labelled
      autoencoder = trained
    }
    var classifier: LogisticRegression?
    if var lr = configuration.classifier, let labels {
      try checkCancellation(isCancelled)
      progress?(.stage(.classifier))
      let features = try Self.classifierFeatures(
        x, codes: codes, standardized: codeScaler != nil,
        input: configuration.effectiveClassifierInput)
      if configuration.cValues.count > 1,
        let folds = Self.crossValidationFolds(labels, requested: configuration.folds)
      {
        lr.inverseRegularization =
          try LogisticRegression.crossValidateC(
            features, labels: labels, candidates: configuration.cValues, folds: folds,
            seed: configuration.autoencoder?.seed ?? SeededGenerator.defaultSeed, configuration: lr,
            isCancelled: isCancelled
          ).c
        configuration.classifier = lr
      } else if configuration.cValues.count == 1, let only = configuration.cValues.first {
        lr.inverseRegularization = only
        configuration.classifier = lr
      }
      classifier = try LogisticRegression(
        fitting: features, labels: labels, configuration: lr, isCancelled: isCancelled)
    }
    self.configuration = configuration
    self.vectorizer = vectorizer
    self.autoencoder = autoencoder
    self.codeScaler = codeScaler
    self.classifier = classifier
    self.firingRates = firingRates
    self.autoencoderTraining = autoencoderTraining
    if let autoencoder {
      try checkCancellation(isCancelled)
      progress?(.stage(.anomalyScores))
      let partial = TextFeaturePipeline(
        configuration: configuration, vectorizer: vectorizer, autoencoder: autoencoder,
        codeScaler: codeScaler, classifier: nil)
      trainingScores = Self.referenceScores(
        AnomalyScorer(pipeline: partial, autoencoder: autoencoder, threshold: nil), xAll,
        heldOut: autoencoder.configuration.heldOutRows(xAll.rows).validation)
    } else {
      trainingScores = nil
    }
  }

  /// The folds a stratified cross-validation can use: `requested`, or fewer when the smallest
  /// class has fewer rows; `nil` when some class has a single row (every fold needs each class
  /// on its training side), in which case the classifier keeps its configured C.
  package static func crossValidationFolds(_ labels: [String], requested: Int) -> Int? {
    var counts: [String: Int] = [:]
    for label in labels { counts[label, default: 0] += 1 }
    let smallest = counts.values.min() ?? 0
    return smallest >= 2 ? min(requested, smallest) : nil
  }

  /// Assembles a pipeline from fitted stages (used when loading a bundle).
  public init(
    configuration: Configuration, vectorizer: TfidfVectorizer, autoencoder: SparseAutoencoder?,
    codeScaler: CodeScaler? = nil, classifier: LogisticRegression?,
    trainingScores: AnomalyScores.Distribution? = nil, firingRates: [Double]? = nil,
    autoencoderTraining: SparseAutoencoder.TrainingOutcome? = nil
  ) {
    self.configuration = configuration
    self.vectorizer = vectorizer
    self.autoencoder = autoencoder
    self.codeScaler = codeScaler
    self.classifier = classifier
    self.trainingScores = trainingScores
    self.firingRates = firingRates
    self.autoencoderTraining = autoencoder == nil ? nil : autoencoderTraining
  }

  /// The TF-IDF features of `documents` (the autoencoder's exact input).
  ///
  /// - Throws: ``ConfigurationError`` naming the token pattern when a custom one runs out of
  ///   its step budget on a document (it backtracks catastrophically); never otherwise.
  public func features(for documents: [String]) throws -> SparseMatrix {
    try vectorizer.transform(documents)
  }

  /// One embedding per document: the autoencoder's codes, or the dense TF-IDF vector when the
  /// pipeline has no autoencoder. Work is split over cores.
  ///
  /// - Throws: as ``features(for:)``.
  public func embeddings(for documents: some Sequence<String>) throws -> DenseMatrix {
    let x = try features(for: Array(documents))
    return scaledCodes(for: x) ?? x.densified()
  }

  /// The codes of TF-IDF rows as the pipeline hands them out: encoded, then scaled by the
  /// scaler fitted with them (``Configuration/codeScaling``) when there is one; `nil` without
  /// an autoencoder.
  ///
  /// - Throws: ``DataError/shapeMismatch(what:expected:actual:)`` when `x` does not have one
  ///   column per vocabulary term.
  public func codes(for x: SparseMatrix) throws -> DenseMatrix? {
    guard let autoencoder else { return nil }
    try autoencoder.checkInput(x)
    return scaledCodes(for: x)
  }

  /// ``codes(for:)`` for rows of this pipeline's own features.
  package func scaledCodes(for x: SparseMatrix) -> DenseMatrix? {
    guard let autoencoder else { return nil }
    let raw = autoencoder.encodeUnchecked(x)
    // The scaler was fitted on this autoencoder's codes, so the widths agree.
    return (try? codeScaler?.transform(raw)) ?? raw
  }

  /// The autoencoder's codes of `documents` as the encoder makes them, before the scaling
  /// that ``embeddings(for:)`` and ``codes(for:)`` apply (``Configuration/codeScaling``): for
  /// the TopK recipe, ReLU codes with at most `topK` nonzero entries per row; for the KL
  /// recipe, sigmoid activations in (0, 1). `nil` without an autoencoder. Work is split over
  /// cores.
  ///
  /// - Throws: as ``features(for:)``.
  public func rawCodes(for documents: some Sequence<String>) throws -> DenseMatrix? {
    guard let autoencoder else { return nil }
    return autoencoder.encodeUnchecked(try features(for: Array(documents)))
  }

  /// The embedding of one document.
  ///
  /// - Throws: as ``features(for:)``.
  public func embedding(for document: String) throws -> [Float] {
    try embeddings(for: [document]).values
  }

  /// Class probabilities (documents × ``classes``).
  ///
  /// - Throws: ``ConfigurationError`` when the pipeline has no classifier.
  public func probabilities(for documents: [String]) throws -> DenseMatrix {
    let (model, features) = try classifierInputs(documents)
    return try model.classProbabilities(features)
  }

  /// The most probable class of each document.
  public func predict(_ documents: [String]) throws -> [String] {
    let (model, features) = try classifierInputs(documents)
    return try model.predictedLabels(features)
  }

  /// The most probable class of each document and every class's probability (documents ×
  /// ``classes``), from one pass of tokenizing and encoding: what ``predict(_:)`` and
  /// ``probabilities(for:)`` return, for the price of one.
  ///
  /// - Throws: ``ConfigurationError`` when the pipeline has no classifier.
  public func classify(_ documents: [String]) throws -> Classifications {
    try classifications(of: documents)
  }

  /// The class labels, sorted, or empty without a classifier.
  public var classes: [String] { classifier?.classes ?? [] }

  /// The terms a latent unit reconstructs most strongly (largest decoder weights); none
  /// without an autoencoder.
  ///
  /// - Throws: ``ConfigurationError/outOfRange(field:value:allowed:)`` naming
  ///   ``ConfigurationField/latent`` when `latent` is not one of the autoencoder's units.
  public func topTerms(latent: Int, count: Int = 10) throws -> [(term: String, weight: Float)] {
    guard let autoencoder else { return [] }
    let units = autoencoder.configuration.hiddenUnits
    guard (0..<units).contains(latent) else {
      throw ConfigurationError.outOfRange(
        field: .latent, value: "\(latent)", allowed: "0 to \(units - 1)")
    }
    let terms = vectorizer.vocabulary.terms
    return autoencoder.topTerms(latent: latent, count: count).map { (terms[$0.column], $0.weight) }
  }

  /// The classifier, or an error saying there is none.
  func requireClassifier() throws -> LogisticRegression {
    guard let classifier else {
      throw ConfigurationError.conflict(
        reason: "this model has no classifier",
        suggestion: "\(step: .fitWithLabels) to predict.")
    }
    return classifier
  }

  func classifierInputs(_ documents: [String]) throws -> (
    LogisticRegression, any FeatureMatrix
  ) {
    let classifier = try requireClassifier()
    let x = try features(for: documents)
    return (
      classifier,
      try Self.classifierFeatures(
        x, codes: scaledCodes(for: x), standardized: codeScaler != nil,
        input: configuration.effectiveClassifierInput)
    )
  }

  /// The classifier's input for TF-IDF rows `x` and their `codes` (as ``codes(for:)`` gives
  /// them; `nil` without an autoencoder).
  static func classifierFeatures(
    _ x: SparseMatrix, codes: DenseMatrix?, standardized: Bool, input: ClassifierInput
  ) throws -> any FeatureMatrix {
    if input == .tfidf { return x }
    guard let codes else {
      throw ConfigurationError.conflict(
        reason: "the classifier reads codes, but there is no autoencoder",
        suggestion: "\(set: .classifierInput, to: "tfidf").")
    }
    return input == .codes ? codes : try concatenated(x, codes, standardized: standardized)
  }

  /// TF-IDF ⊕ codes, the `both` input. Standardized codes have a squared row norm of about
  /// the number of units while TF-IDF rows have norm 1, so under one C the codes would drown
  /// the terms; their block is divided by √units to give both blocks the same weight.
  package static func concatenated(_ x: SparseMatrix, _ codes: DenseMatrix, standardized: Bool)
    throws
    -> ConcatenatedFeatures
  {
    var block = codes
    if standardized && codes.columns > 0 {
      let weight = 1 / Float(codes.columns).squareRoot()
      for k in block.values.indices { block.values[k] *= weight }
    }
    return try ConcatenatedFeatures(x, block)
  }
}
