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
    /// TF-IDF and the weighted codes block side by side (see ``Configuration/codesWeights``).
    case both
    /// NBSVM (Wang & Manning 2012): logistic regression on the terms binarized and weighted by
    /// naive-Bayes log-count ratios, one model per class for more than two classes.
    case nbsvm
    /// NBSVM with the weighted codes block appended to every model's features.
    case nbsvmCodes = "nbsvm_codes"

    /// Whether the classifier reads codes.
    package var readsCodes: Bool { self == .codes || self == .both || self == .nbsvmCodes }
    /// Whether the codes are a weighted block beside the terms.
    package var hasCodesBlock: Bool { self == .both || self == .nbsvmCodes }
    /// Whether the classifier is NBSVM.
    package var isNaiveBayes: Bool { self == .nbsvm || self == .nbsvmCodes }
  }

  /// Settings of every stage. The defaults are the recipe measured best across the
  /// development corpora (see the README's results); `sparsetext fit` and `sparsetext experiment`
  /// take their defaults from here.
  public struct Configuration: Codable, Sendable, Equatable {
    /// The vectorizer (always present); by default the recommended one: the unicode tokenizer,
    /// terms in at least 2 documents, `1 + ln(tf)`, l2 rows.
    public var vectorizer: TfidfVectorizer.Configuration
    /// The sparse autoencoder, or `nil` to skip it.
    public var autoencoder: SparseAutoencoder.Configuration?
    /// The classifier, or `nil` to skip it (it also needs labels). Its C is replaced by the
    /// cross-validated choice when ``cValues`` holds more than one value.
    public var classifier: LogisticRegression.Configuration?
    /// What the classifier reads, or `nil` (the default) to choose it by the cross-validation
    /// that chooses C, among TF-IDF, NBSVM, and with an autoencoder the codes and TF-IDF or
    /// NBSVM with each weight of the codes block in ``codesWeights``. An explicit input is
    /// kept; only its codes weight (when it has a codes block) and C are cross-validated.
    /// The choice and its table are ``TextFeaturePipeline/classifierChoice``.
    public var classifierInput: ClassifierInput?
    /// Candidates for the weight `w` of the codes block of the `both` and `nbsvm_codes` inputs
    /// (the block is `w·z/√units` for standardized codes `z`), chosen with C by
    /// cross-validation when there is more than one; 0.25 and 0.5 by default.
    public var codesWeights: [Double]
    /// The word n-gram lengths of the terms the classifier reads (its TF-IDF and NBSVM inputs),
    /// when they differ from the vectorizer's: a second vocabulary and idf, fitted on the
    /// labelled texts with the vectorizer's other settings, while the autoencoder keeps the
    /// vectorizer's terms. `1...2` by default: word pairs lifted TF-IDF + LR on every
    /// development corpus (CR +1.3, MPQA +0.7 points) at no cost to the autoencoder. `nil`, a
    /// character analyzer or the vectorizer's own range make the classifier read the
    /// vectorizer's terms; after fitting, it is `nil` whenever the classifier does.
    public var classifierNgrams: ClosedRange<Int>?
    /// How codes are post-processed before they are used as features (by the classifier, by
    /// ``embeddings(for:)`` and by `sparsetext encode`); standardized by default.
    public var codeScaling: CodeScaler.Method
    /// Candidates for the classifier's C, chosen by stratified k-fold cross-validation on the
    /// training labels when there is more than one.
    public var cValues: [Double]
    /// Folds of that cross-validation.
    public var folds: Int
    /// How the cross-validation searches the (input, codes weight, C) grid: a halving race by
    /// default, which scores every pair on the first fold and only the best third of those
    /// left on each next one (about half the fits of scoring every pair on every fold).
    public var choiceSearch: ChoiceSearch
    /// The most labelled rows that cross-validation reads: with more, the input and C are
    /// chosen on a seeded stratified sample of this many (each fold's label-trained
    /// autoencoder too), and the final classifier is then fitted on every row. A choice is
    /// as precise as its held-out predictions are many: 10,000 rows give 10,000 of them over
    /// the folds, which tell apart inputs about 0.3 points apart, and past that size the
    /// choice mostly costs time (the folds' autoencoders and fits grow with the rows, and
    /// on Twitter ×25 they took longer than the final ones). On Twitter (30,526 labelled
    /// tweets, four seeds) a sample of 10,000 chose the same input as every row did and
    /// reached the same test accuracy (76.89 against 76.87 on the mean) in 28–33 s
    /// instead of 42–46. A fold's autoencoder reads the fold's training rows and the
    /// unlabelled text, the latter sampled (seeded) down to this many rows in all, but never
    /// below 50,000 (``foldAutoencoderRowLimit(choiceRows:)``). 10,000 by default, so BBC,
    /// CR and MPQA choose on every row; `nil` reads every row.
    public var choiceRows: Int?

    /// How the classifier's cross-validation searches its grid.
    public enum ChoiceSearch: String, Codable, Sendable, CaseIterable {
      /// Every pair on every fold, as scikit-learn's `GridSearchCV`.
      case exhaustive
      /// Successive halving over the folds (Jamieson & Talwalkar 2016; scikit-learn's
      /// `HalvingGridSearchCV` halves over samples instead): after each fold but the last,
      /// the best third of the pairs still racing go on.
      case halving
    }
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

    // The recommended recipe's parts, named for the initializer's defaults (hence
    // `@usableFromInline`); apps read them from `Configuration()`.

    /// The vectorizer of the recommended recipe: the unicode tokenizer, terms in at least 2
    /// documents, `1 + ln(tf)`, l2 rows.
    @usableFromInline package static let recommendedVectorizer = TfidfVectorizer.Configuration(
      counting: .init(minDocumentFrequency: .count(2)), weighting: .init(sublinearTF: true))

    /// The C candidates of the recommended recipe.
    @usableFromInline package static let recommendedCValues: [Double] = [0.1, 1, 10, 100]

    /// The codes-block weights of the recommended recipe.
    @usableFromInline package static let recommendedCodesWeights: [Double] = [0.25, 0.5]
    /// The classifier's word n-gram lengths in the recommended recipe.
    @usableFromInline package static let recommendedClassifierNgrams: ClosedRange<Int> = 1...2
    /// The most labelled rows cross-validation reads in the recommended recipe.
    @usableFromInline package static let recommendedChoiceRows = 10_000
    /// The classifier of the recommended recipe: logistic regression with up to 1,000 L-BFGS
    /// iterations (C is chosen from ``cValues``).
    @usableFromInline package static let recommendedClassifier = LogisticRegression.Configuration(
      maxIterations: 1000)

    /// Creates a configuration; see each property for its default.
    public init(
      vectorizer: TfidfVectorizer.Configuration = Self.recommendedVectorizer,
      autoencoder: SparseAutoencoder.Configuration? = .init(),
      classifier: LogisticRegression.Configuration? = Self.recommendedClassifier,
      classifierInput: ClassifierInput? = nil,
      codesWeights: [Double] = Self.recommendedCodesWeights,
      classifierNgrams: ClosedRange<Int>? = Self.recommendedClassifierNgrams,
      codeScaling: CodeScaler.Method = .standardize,
      cValues: [Double] = Self.recommendedCValues,
      folds: Int = 3, choiceSearch: ChoiceSearch = .halving,
      choiceRows: Int? = Self.recommendedChoiceRows,
      anomalyScore: AnomalyScores.Method = .ownTermsGeometricMean,
      outlierQuantile: Double = 0.99
    ) {
      self.vectorizer = vectorizer
      self.autoencoder = autoencoder
      self.classifier = classifier
      self.classifierInput = classifierInput
      self.codesWeights = codesWeights
      self.classifierNgrams = classifierNgrams
      self.codeScaling = codeScaling
      self.cValues = cValues
      self.folds = folds
      self.choiceSearch = choiceSearch
      self.choiceRows = choiceRows
      self.anomalyScore = anomalyScore
      self.outlierQuantile = outlierQuantile
    }

    enum CodingKeys: String, CodingKey {
      case vectorizer, autoencoder, classifier, folds
      case choiceSearch = "choice_search"
      case choiceRows = "choice_rows"
      case classifierInput = "classifier_input"
      case codesWeights = "codes_weights"
      case classifierNgrams = "classifier_ngrams"
      case codeScaling = "code_scaling"
      case cValues = "c_values"
      case anomalyScore = "anomaly_score"
      case outlierQuantile = "outlier_quantile"
    }

    /// Decodes a configuration; keys missing from bundles written before they existed take
    /// the value those bundles were fitted with (no code scaling, the classifier's own C,
    /// cross-validation on every row).
    public init(from decoder: any Decoder) throws {
      let container = try decoder.container(keyedBy: CodingKeys.self)
      vectorizer = try container.decode(TfidfVectorizer.Configuration.self, forKey: .vectorizer)
      autoencoder = try container.decodeIfPresent(
        SparseAutoencoder.Configuration.self, forKey: .autoencoder)
      classifier = try container.decodeIfPresent(
        LogisticRegression.Configuration.self, forKey: .classifier)
      classifierInput = try container.decodeIfPresent(
        ClassifierInput.self, forKey: .classifierInput)
      codesWeights = try container.decodeIfPresent([Double].self, forKey: .codesWeights) ?? [1]
      classifierNgrams = try container.decodeIfPresent(
        ClosedRange<Int>.self, forKey: .classifierNgrams)
      codeScaling =
        try container.decodeIfPresent(CodeScaler.Method.self, forKey: .codeScaling) ?? .none
      cValues =
        try container.decodeIfPresent([Double].self, forKey: .cValues)
        ?? [classifier?.inverseRegularization ?? 1]
      folds = try container.decodeIfPresent(Int.self, forKey: .folds) ?? 3
      choiceSearch =
        try container.decodeIfPresent(ChoiceSearch.self, forKey: .choiceSearch) ?? .exhaustive
      choiceRows = try container.decodeIfPresent(Int.self, forKey: .choiceRows)
      anomalyScore =
        try container.decodeIfPresent(AnomalyScores.Method.self, forKey: .anomalyScore)
        ?? .ownTermsError
      outlierQuantile = try container.decodeIfPresent(Double.self, forKey: .outlierQuantile) ?? 0.99
    }

    /// The classifier input of a bundle written before the choice was stored: the explicit
    /// one, else codes when there is an autoencoder, else TF-IDF (the defaults of then).
    package var legacyClassifierInput: ClassifierInput {
      classifierInput ?? (autoencoder == nil ? .tfidf : .codes)
    }

    /// The settings of the classifier's own vectorizer (``classifierNgrams``), or `nil` when
    /// the classifier reads the vectorizer's terms.
    package var classifierTerms: TfidfVectorizer.Configuration? {
      guard let range = classifierNgrams, vectorizer.counting.tokenizer.analyzer == .word,
        vectorizer.counting.tokenizer.ngrams != range
      else { return nil }
      var terms = vectorizer
      terms.counting.tokenizer.ngrams = range
      return terms
    }

    /// Checks every field of every stage, so that a bad value is reported before any work: the
    /// pipeline's own, each stage's, and the autoencoder's counts (hidden units, batch size,
    /// epochs, patience, TopK's k, sampled columns), which may be at most 2³¹ − 1, and its input
    /// scale, from 1e-6 to 1e6 when set. (What depends on the data, such as the
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
      guard !codesWeights.isEmpty, codesWeights.allSatisfy({ $0 > 0 && $0.isFinite }) else {
        throw ConfigurationError.outOfRange(
          field: .codesWeights, value: "\(codesWeights)", allowed: "one or more positive numbers")
      }
      if let range = classifierNgrams {
        var terms = vectorizer.counting.tokenizer
        terms.ngrams = range
        do {
          try terms.validate()
        } catch ConfigurationError.outOfRange(.ngrams, let value, let allowed) {
          throw ConfigurationError.outOfRange(
            field: .classifierNgrams, value: value, allowed: allowed)
        }
      }
      guard folds >= 2 else {
        throw ConfigurationError.outOfRange(field: .folds, value: "\(folds)", allowed: "2 or more")
      }
      if let choiceRows, choiceRows < Self.minimumChoiceRows {
        throw ConfigurationError.outOfRange(
          field: .choiceRows, value: "\(choiceRows)",
          allowed: "\(Self.minimumChoiceRows) or more, or none to read every row")
      }
      try Self.validateOutlierQuantile(outlierQuantile)
    }

    /// The smallest ``choiceRows``: a sample of fewer rows cannot tell inputs apart.
    static let minimumChoiceRows = 100

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
    /// The classifier: its input and C by cross-validation, then the final fit.
    case classifier
    /// An autoencoder trained with labels, trained again for one cross-validation fold with
    /// only that fold's training labels (during ``classifier``).
    case foldAutoencoder = "autoencoder for a cross-validation fold"
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
  /// The vectorizer of the terms the classifier reads, when they are not ``vectorizer``'s
  /// (``Configuration/classifierNgrams``).
  package let classifierVectorizer: TfidfVectorizer?
  /// The fitted autoencoder, if any.
  public let autoencoder: SparseAutoencoder?
  /// The fitted code post-processing, when there is an autoencoder and ``Configuration/codeScaling``
  /// is not `.none`.
  package let codeScaler: CodeScaler?
  /// The fitted classifier of any input, if any.
  package let fittedClassifier: FittedClassifier?
  /// The fitted logistic regression, when the classifier reads TF-IDF, codes or both.
  public var classifier: LogisticRegression? {
    if case .linear(let model, _, _) = fittedClassifier { return model }
    return nil
  }
  /// The fitted NBSVM, when the classifier reads `nbsvm` or `nbsvm_codes`.
  package var naiveBayesClassifier: NaiveBayesLogisticRegression? {
    if case .naiveBayes(let model, _, _) = fittedClassifier { return model }
    return nil
  }
  /// What the classifier reads, with which codes weight and C, and the cross-validated table
  /// it was chosen from; `nil` without a classifier. Bundles written before it was stored
  /// give their configured input and C, with an empty table.
  public let classifierChoice: ClassifierChoice?
  /// The anomaly scores of the autoencoder's training text (``Configuration/anomalyScore``),
  /// the reference of the outlier threshold; `nil` without an autoencoder and for bundles
  /// written before it was stored.
  package let trainingScores: AnomalyScores.Distribution?
  /// For each latent unit, the fraction of the autoencoder's training documents on which it
  /// fires (its code, before scaling, above the autoencoder's activity threshold); `nil`
  /// without an autoencoder and for bundles written before it was stored.
  package let firingRates: [Double]?
  /// What the autoencoder's training ran (epochs, the kept epoch and its validation loss);
  /// `nil` without an autoencoder and for bundles written before it was stored.
  package let autoencoderTraining: SparseAutoencoder.TrainingOutcome?

  /// Fits every configured stage: the vectorizer and the autoencoder on `documents` and
  /// `unlabeled` together, the classifier on `documents` and `labels`. With a
  /// ``SparseAutoencoder/Configuration/labelWeight`` or
  /// ``SparseAutoencoder/Configuration/taskWeight`` above 0 and labels, the autoencoder also
  /// learns from the labels (the unlabelled texts without).
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
  ///
  /// `foldCodes`, when given, supplies each cross-validation fold's codes instead of the rows
  /// of the codes of all the training text (which are leak-free only for an autoencoder that
  /// never saw the labels); see ``FoldCodes``.
  package init(
    fitting documents: [String], labels: [String]? = nil, unlabeled: [String] = [],
    configuration: Configuration = .init(), fittedVectorizer: TfidfVectorizer? = nil,
    progress: (@Sendable (Event) -> Void)? = nil, isCancelled: CancellationCheck?,
    foldCodes: FoldCodes? = nil
  ) throws {
    var configuration = configuration
    if let fittedVectorizer { configuration.vectorizer = fittedVectorizer.configuration }
    try configuration.validate()
    if let labels, labels.count != documents.count {
      throw DataError.shapeMismatch(
        what: "labels (one per document)", expected: documents.count, actual: labels.count)
    }
    if configuration.classifierInput?.readsCodes == true && configuration.autoencoder == nil
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
    // The labelled documents' codes as the classifier reads them (scaled when there is a
    // scaler): kept from the autoencoder's stage only when cross-validation reads them, else
    // encoded again if the classifier chosen reads codes (a million rows' codes are 1 GB).
    var codes: DenseMatrix?
    // Each cross-validation fold's codes; for an autoencoder trained with labels, one trained
    // again per fold with only that fold's training labels (the codes of all the training text
    // would have seen the held-out rows' labels, and cross-validation would over-trust them).
    var foldCodes = foldCodes
    if let sae = configuration.autoencoder {
      // Before anything that large is allocated: the weights, a batch and every row's codes.
      try sae.checkSizes(inputColumns: xAll.columns, rows: xAll.rows)
      try checkCancellation(isCancelled)
      progress?(.stage(.autoencoder))
      // With a label weight or a task weight, the codes also learn from the labels (the
      // unlabelled texts' rows −1).
      var classIndices: [Int]? = nil
      var classCount = 0
      if let labels, sae.learnsFromLabels {
        let classes = Array(Set(labels)).sorted()
        classIndices = SparseAutoencoder.classIndices(
          labels, of: classes, unlabelled: xAll.rows - labels.count)
        classCount = classes.count
      }
      let trained = try SparseAutoencoder(
        training: xAll, labels: classIndices, classes: classCount, configuration: sae,
        progress: { event in progress?(.autoencoder(event)) }, isCancelled: isCancelled)
      // The configuration records what was fitted (the input scale a training resolved).
      configuration.autoencoder = trained.configuration
      autoencoderTraining = SparseAutoencoder.TrainingOutcome(history: trained.history)
      // Every training row is encoded for the firing rates and the scaler, a block of rows
      // at a time (a million documents' codes are 1 GB), and those statistics are the same
      // as of all the rows at once. When cross-validation reads unsupervised codes, the
      // labelled rows are encoded again for the classifier and scaled in place (encoding
      // costs little beside the training, and each row's codes are the same in any block).
      var statistics = CodeStatistics(
        units: trained.configuration.hiddenUnits, threshold: trained.activityThreshold)
      for start in stride(from: 0, to: xAll.rows, by: Self.encodingBlockRows) {
        try checkCancellation(isCancelled)
        statistics.add(
          trained.encodeUnchecked(
            xAll, rows: start..<min(xAll.rows, start + Self.encodingBlockRows)))
      }
      firingRates = statistics.firingRates
      if configuration.codeScaling == .standardize {
        codeScaler = statistics.scaler
      }
      if foldCodes == nil && classIndices == nil && configuration.classifier != nil
        && labels != nil
      {
        var labelled = trained.encodeUnchecked(xAll, rows: 0..<documents.count)
        try codeScaler?.transform(&labelled)
        codes = labelled
      }
      autoencoder = trained
      if foldCodes == nil, let classIndices {
        let standardize = configuration.codeScaling == .standardize
        let labelledRows = documents.count
        let foldRows = Self.foldAutoencoderRowLimit(choiceRows: configuration.choiceRows)
        foldCodes = { train, valid in
          progress?(.stage(.foldAutoencoder))
          // The fold's autoencoder reads what the final one would: the fold's training text
          // (with its labels) and the unlabelled text, not the held-out rows, which then meet
          // it as test documents meet the final one.
          // Past `foldRows` rows in all, a sample of the unlabelled text: a million
          // unlabelled rows would otherwise be read by every fold of every draw.
          let rows = Self.foldAutoencoderRows(
            train: train, unlabelled: labelledRows..<xAll.rows,
            limit: foldRows, seed: sae.seed)
          let foldLabels = rows.map { classIndices[$0] }
          let xFold = xAll.selectingRows(rows)
          let foldModel = try SparseAutoencoder(
            training: xFold, labels: foldLabels, classes: classCount,
            configuration: Self.foldAutoencoderConfiguration(sae, final: trained.configuration),
            progress: nil, isCancelled: isCancelled)
          let seen = foldModel.encodeUnchecked(xFold)
          let scaler = standardize ? CodeScaler(fitting: seen) : nil
          let trainCodes = train.count == seen.rows ? seen : seen.selectingRows(0..<train.count)
          let validCodes = foldModel.encodeUnchecked(xAll.selectingRows(valid))
          return (
            try scaler?.transform(trainCodes) ?? trainCodes,
            try scaler?.transform(validCodes) ?? validCodes
          )
        }
      }
    }
    var classifier: FittedClassifier?
    var choice: ClassifierChoice?
    var classifierVectorizer: TfidfVectorizer?
    if var lr = configuration.classifier, let labels {
      try checkCancellation(isCancelled)
      progress?(.stage(.classifier))
      // The classifier's own terms (word pairs by default), fitted on the labelled texts; not
      // when the vectorizer came fitted from elsewhere or the classifier reads only codes.
      var xTerms = x
      if fittedVectorizer == nil, configuration.classifierInput != .codes,
        let terms = configuration.classifierTerms
      {
        let (fitted, matrix) = try TfidfVectorizer.fitTransform(documents, configuration: terms)
        classifierVectorizer = fitted
        xTerms = matrix
      }
      let standardized = codeScaler != nil
      let chosen: ClassifierChoice
      do {
        // Scoped, so the final classifier below holds the only reference to the codes.
        let allCodes = codes
        chosen = try Self.chooseClassifier(
          xTerms, labels: labels,
          candidates: Self.inputCandidates(configuration, hasCodes: autoencoder != nil),
          cValues: configuration.cValues, folds: configuration.folds,
          seed: configuration.autoencoder?.seed ?? 13, configuration: lr,
          foldCodes: foldCodes
            ?? allCodes.map { codes in
              { train, valid in (codes.selectingRows(train), codes.selectingRows(valid)) }
            }, standardized: standardized, search: configuration.choiceSearch,
          maximumRows: configuration.choiceRows, isCancelled: isCancelled)
      }
      lr.inverseRegularization = chosen.c
      configuration.classifier = lr
      if codes == nil, chosen.input.readsCodes, let autoencoder {
        var labelled = autoencoder.encodeUnchecked(x)
        try codeScaler?.transform(&labelled)
        codes = labelled
      }
      // The codes are handed over, so their block is weighted in place.
      classifier = try FittedClassifier(
        fitting: xTerms, codes: codes.take(), labels: labels,
        candidate: InputCandidate(chosen.input, codesWeight: chosen.codesWeight),
        standardized: standardized, configuration: lr, isCancelled: isCancelled)
      choice = chosen
    }
    // The configuration records what was fitted: no n-gram range of its own when the
    // classifier reads the vectorizer's terms.
    if classifierVectorizer == nil { configuration.classifierNgrams = nil }
    self.configuration = configuration
    self.vectorizer = vectorizer
    self.classifierVectorizer = classifierVectorizer
    self.autoencoder = autoencoder
    self.codeScaler = codeScaler
    self.fittedClassifier = classifier
    self.classifierChoice = choice
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

  /// The rows encoded at a time for the codes' statistics (8 MB of codes at 256 units).
  static let encodingBlockRows = 8192

  /// The most epochs a cross-validation fold's autoencoder trains for.
  static let foldAutoencoderEpochs = 5

  /// The settings of a cross-validation fold's autoencoder, which only has to show how codes
  /// trained with the fold's labels classify its held-out rows: at most
  /// ``foldAutoencoderEpochs`` epochs, every row it reads trained on (no validation slice). Codes
  /// trained with labels separate the classes after a few epochs: in the research runs for
  /// issue 23 (λ = 0.1), LR on codes of 5 epochs scored 83.5 on MPQA against 82.6 after 20, and
  /// the same 98.4 on BBC; the folds then cost a quarter of the final training (3 epochs
  /// measured worse: MPQA 84.15 against 84.86 on its test part).
  ///
  /// The fold trains with the `final` autoencoder's batch size and step size, not ones of its
  /// own: an automatic batch grows with the rows, and a fold's two thirds of them would take
  /// smaller batches (on Twitter 512 where the final took 1,024), twice the steps in Gram
  /// form, whose cost is per batch, for codes that stand in for the final's.
  static func foldAutoencoderConfiguration(
    _ sae: SparseAutoencoder.Configuration, final: SparseAutoencoder.Configuration
  ) -> SparseAutoencoder.Configuration {
    var fold = sae
    fold.batchSize = final.batchSize
    fold.learningRate = final.learningRate
    fold.epochs = min(sae.epochs, foldAutoencoderEpochs)
    fold.validationFraction = 0
    return fold
  }

  /// The fewest rows in all a cross-validation fold's autoencoder may read before the
  /// unlabelled text is sampled, whatever ``Configuration/choiceRows`` is.
  static let foldAutoencoderMinimumRows = 50_000

  /// The most rows in all a cross-validation fold's autoencoder reads: `choiceRows`, but at
  /// least ``foldAutoencoderMinimumRows``; `nil` (every row) when `choiceRows` is `nil`.
  ///
  /// The two limits answer different questions. The labelled sample is as large as the
  /// choice needs held-out predictions; the unlabelled text makes a fold's codes as good as
  /// the final autoencoder's, which reads all of it. With 305 of Twitter's labels and the
  /// other 30,221 tweets unlabelled (three seeded draws), folds that read 10,000 rows in all
  /// chose three different inputs and reached 63.15% on the test part on the mean; folds that
  /// read every tweet chose TF-IDF beside the codes each time and reached 64.72%.
  package static func foldAutoencoderRowLimit(choiceRows: Int?) -> Int? {
    choiceRows.map { max($0, foldAutoencoderMinimumRows) }
  }

  /// The rows of the training matrix a cross-validation fold's autoencoder trains on: the
  /// fold's training rows `train`, then the unlabelled rows `unlabelled`, or, when that makes
  /// more than `limit` rows, a seeded sample of the unlabelled rows that brings the total to
  /// `limit` (the same sample for every fold, in row order). `nil` reads every row.
  package static func foldAutoencoderRows(
    train: [Int], unlabelled: Range<Int>, limit: Int?, seed: UInt64
  ) -> [Int] {
    guard let limit, train.count + unlabelled.count > limit else {
      return train + Array(unlabelled)
    }
    let room = max(0, limit - train.count)
    return train + SeededGenerator.sample(Array(unlabelled), count: room, seed: seed)
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

  /// Assembles a pipeline from fitted stages, with a logistic-regression classifier reading
  /// ``Configuration/classifierInput`` (codes when it is `nil` and there is an autoencoder,
  /// else TF-IDF; the `both` input's codes weight is 1).
  package init(
    configuration: Configuration, vectorizer: TfidfVectorizer, autoencoder: SparseAutoencoder?,
    codeScaler: CodeScaler? = nil, classifier: LogisticRegression?,
    trainingScores: AnomalyScores.Distribution? = nil, firingRates: [Double]? = nil,
    autoencoderTraining: SparseAutoencoder.TrainingOutcome? = nil
  ) {
    let input = configuration.legacyClassifierInput
    let candidate = InputCandidate(input, codesWeight: input.hasCodesBlock ? 1 : nil)
    // The classifier given reads the vectorizer's terms.
    var configuration = configuration
    configuration.classifierNgrams = nil
    self.init(
      configuration: configuration, vectorizer: vectorizer, classifierVectorizer: nil,
      autoencoder: autoencoder, codeScaler: codeScaler,
      classifier: classifier.map { .linear($0, candidate, standardized: codeScaler != nil) },
      choice: classifier.map {
        ClassifierChoice(
          input: input, codesWeight: candidate.codesWeight,
          c: $0.configuration.inverseRegularization)
      }, trainingScores: trainingScores, firingRates: firingRates,
      autoencoderTraining: autoencoderTraining)
  }

  /// Assembles a pipeline from fitted stages, a classifier of any input among them (used when
  /// loading a bundle).
  package init(
    configuration: Configuration, vectorizer: TfidfVectorizer,
    classifierVectorizer: TfidfVectorizer?, autoencoder: SparseAutoencoder?,
    codeScaler: CodeScaler?, classifier: FittedClassifier?, choice: ClassifierChoice?,
    trainingScores: AnomalyScores.Distribution?, firingRates: [Double]?,
    autoencoderTraining: SparseAutoencoder.TrainingOutcome?
  ) {
    self.configuration = configuration
    self.vectorizer = vectorizer
    self.classifierVectorizer = classifier == nil ? nil : classifierVectorizer
    self.autoencoder = autoencoder
    self.codeScaler = codeScaler
    self.fittedClassifier = classifier
    self.classifierChoice = classifier == nil ? nil : choice
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
  package func codes(for x: SparseMatrix) throws -> DenseMatrix? {
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
  /// that ``embeddings(for:)`` applies (``Configuration/codeScaling``): for
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
    let (model, x, codes) = try classifierInputs(documents)
    return try model.probabilities(x, codes: codes)
  }

  /// The most probable class of each document.
  public func predict(_ documents: [String]) throws -> [String] {
    let (model, x, codes) = try classifierInputs(documents)
    return try model.predict(x, codes: codes)
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
  public var classes: [String] { fittedClassifier?.classes ?? [] }

  /// The terms a latent unit reconstructs most strongly (largest decoder weights); none
  /// without an autoencoder.
  ///
  /// - Throws: ``ConfigurationError/outOfRange(field:value:allowed:)`` naming
  ///   ``ConfigurationField/latent`` when `latent` is not one of the autoencoder's units.
  public func topTerms(latent: Int, count: Int = 10) throws -> [(term: String, weight: Float)] {
    guard let autoencoder else { return [] }
    let terms = vectorizer.vocabulary.terms
    return try autoencoder.topTerms(latent: latent, count: count).map {
      (terms[$0.column], $0.weight)
    }
  }

  /// The classifier, or an error saying there is none.
  func requireClassifier() throws -> FittedClassifier {
    guard let fittedClassifier else {
      throw ConfigurationError.conflict(
        reason: "this model has no classifier",
        suggestion: "\(step: .fitWithLabels) to predict.")
    }
    return fittedClassifier
  }

  /// The classifier, the documents' terms as it reads them (TF-IDF of ``classifierVectorizer``
  /// when there is one) and, when it reads them, their codes.
  func classifierInputs(_ documents: [String]) throws -> (
    FittedClassifier, SparseMatrix, DenseMatrix?
  ) {
    let classifier = try requireClassifier()
    let readsCodes = classifierChoice?.input.readsCodes ?? false
    guard let classifierVectorizer else {
      let x = try features(for: documents)
      return (classifier, x, readsCodes ? scaledCodes(for: x) : nil)
    }
    let codes = try readsCodes ? scaledCodes(for: features(for: documents)) : nil
    return (classifier, try classifierVectorizer.transform(documents), codes)
  }

  /// TF-IDF ⊕ codes with a codes weight of 1, the `both` input of bundles written before the
  /// weight was chosen (see ``codesBlock(_:weight:standardized:)``).
  package static func concatenated(_ x: SparseMatrix, _ codes: DenseMatrix, standardized: Bool)
    throws
    -> ConcatenatedFeatures
  {
    try ConcatenatedFeatures(x, codesBlock(codes, weight: 1, standardized: standardized))
  }
}
