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

  /// Settings of every stage.
  public struct Configuration: Codable, Sendable, Equatable {
    /// The vectorizer (always present).
    public var vectorizer: TfidfVectorizer.Configuration
    /// The sparse autoencoder, or `nil` to skip it.
    public var autoencoder: SparseAutoencoder.Configuration?
    /// The classifier, or `nil` to skip it (it also needs labels).
    public var classifier: LogisticRegression.Configuration?
    /// What the classifier reads; codes when there is an autoencoder, else TF-IDF.
    public var classifierInput: ClassifierInput?

    /// Creates a configuration.
    public init(
      vectorizer: TfidfVectorizer.Configuration = .init(),
      autoencoder: SparseAutoencoder.Configuration? = .init(),
      classifier: LogisticRegression.Configuration? = .init(),
      classifierInput: ClassifierInput? = nil
    ) {
      self.vectorizer = vectorizer
      self.autoencoder = autoencoder
      self.classifier = classifier
      self.classifierInput = classifierInput
    }

    /// The classifier input in effect.
    public var effectiveClassifierInput: ClassifierInput {
      classifierInput ?? (autoencoder == nil ? .tfidf : .codes)
    }
  }

  /// Progress of ``init(fitting:labels:configuration:progress:)``.
  public enum Event: Sendable {
    /// A stage started (`vectorizer`, `autoencoder`, `classifier`).
    case stage(String)
    /// An event of the autoencoder's training.
    case autoencoder(SparseAutoencoder.TrainingEvent)
  }

  /// The configuration.
  public let configuration: Configuration
  /// The fitted vectorizer.
  public let vectorizer: TfidfVectorizer
  /// The fitted autoencoder, if any.
  public let autoencoder: SparseAutoencoder?
  /// The fitted classifier, if any.
  public let classifier: LogisticRegression?

  /// Fits every configured stage on `documents` (and `labels`, for the classifier).
  public init(
    fitting documents: [String], labels: [String]? = nil, configuration: Configuration = .init(),
    progress: (@Sendable (Event) -> Void)? = nil
  ) throws {
    if let labels, labels.count != documents.count {
      throw DataError.shapeMismatch(
        what: "labels", expected: "\(documents.count) (one per document)", actual: "\(labels.count)"
      )
    }
    if configuration.effectiveClassifierInput != .tfidf && configuration.autoencoder == nil
      && configuration.classifier != nil && labels != nil
    {
      throw ConfigurationError.conflict(
        reason: "the classifier reads codes, but there is no autoencoder",
        suggestion: "Add an autoencoder or set the classifier input to tfidf.")
    }
    progress?(.stage("vectorizer"))
    let (vectorizer, x) = try TfidfVectorizer.fitTransform(
      documents, configuration: configuration.vectorizer)
    var autoencoder: SparseAutoencoder?
    if let sae = configuration.autoencoder {
      progress?(.stage("autoencoder"))
      autoencoder = try SparseAutoencoder(training: x, configuration: sae) { event in
        progress?(.autoencoder(event))
      }
    }
    var classifier: LogisticRegression?
    if let lr = configuration.classifier, let labels {
      progress?(.stage("classifier"))
      let features = try Self.classifierFeatures(
        x, autoencoder: autoencoder, input: configuration.effectiveClassifierInput)
      classifier = try LogisticRegression(fitting: features, labels: labels, configuration: lr)
    }
    self.configuration = configuration
    self.vectorizer = vectorizer
    self.autoencoder = autoencoder
    self.classifier = classifier
  }

  /// Assembles a pipeline from fitted stages (used when loading a bundle).
  public init(
    configuration: Configuration, vectorizer: TfidfVectorizer, autoencoder: SparseAutoencoder?,
    classifier: LogisticRegression?
  ) {
    self.configuration = configuration
    self.vectorizer = vectorizer
    self.autoencoder = autoencoder
    self.classifier = classifier
  }

  /// The TF-IDF features of `documents` (the autoencoder's exact input).
  public func features(for documents: [String]) -> SparseMatrix {
    vectorizer.transform(documents)
  }

  /// One embedding per document: the autoencoder's codes, or the dense TF-IDF vector when the
  /// pipeline has no autoencoder. Work is split over cores.
  public func embeddings(for documents: some Sequence<String>) -> DenseMatrix {
    let x = features(for: Array(documents))
    return autoencoder?.encode(x) ?? x.densified()
  }

  /// The embedding of one document.
  public func embedding(for document: String) -> [Float] {
    embeddings(for: [document]).values
  }

  /// Class probabilities (documents × ``classes``).
  ///
  /// - Throws: ``ConfigurationError`` when the pipeline has no classifier.
  public func probabilities(for documents: [String]) throws -> DenseMatrix {
    let (model, features) = try classifierInputs(documents)
    return model.probabilities(for: features)
  }

  /// The most probable class of each document.
  public func predict(_ documents: [String]) throws -> [String] {
    let (model, features) = try classifierInputs(documents)
    return model.predict(features)
  }

  /// The class labels, sorted, or empty without a classifier.
  public var classes: [String] { classifier?.classes ?? [] }

  /// The terms a latent unit reconstructs most strongly (largest decoder weights).
  public func topTerms(latent: Int, count: Int = 10) -> [(term: String, weight: Float)] {
    guard let autoencoder else { return [] }
    let terms = vectorizer.vocabulary.terms
    return autoencoder.topTerms(latent: latent, count: count).map { (terms[$0.column], $0.weight) }
  }

  private func classifierInputs(_ documents: [String]) throws -> (
    LogisticRegression, any FeatureMatrix
  ) {
    guard let classifier else {
      throw ConfigurationError.conflict(
        reason: "this model has no classifier",
        suggestion: "Fit it with labels (sparsetext fit INPUT --label-column …) to predict.")
    }
    let x = features(for: documents)
    return (
      classifier,
      try Self.classifierFeatures(
        x, autoencoder: autoencoder, input: configuration.effectiveClassifierInput)
    )
  }

  /// The classifier's input for a TF-IDF matrix.
  static func classifierFeatures(
    _ x: SparseMatrix, autoencoder: SparseAutoencoder?, input: ClassifierInput
  ) throws -> any FeatureMatrix {
    if input == .tfidf { return x }
    guard let autoencoder else {
      throw ConfigurationError.conflict(
        reason: "the classifier reads codes, but there is no autoencoder",
        suggestion: "Use the tfidf classifier input.")
    }
    let codes = autoencoder.encode(x)
    return input == .codes ? codes : try x.horizontallyConcatenated(with: codes.sparsified())
  }
}
