import Foundation

/// The model bundle: a directory with `config.json` (format, versions, every stage's
/// configuration), `vocabulary.json` (the terms as a JSON array in column order) and `model.safetensors` (`idf`,
/// `encoder.*`, `decoder.*`, `classifier.*`, `codes.*`, `anomaly.training_scores`), written
/// atomically and read defensively. `anomaly.training_scores` (the sorted training anomaly
/// scores, at most 1,000) is optional within version 2: bundles without it load and score, with
/// no default outlier threshold. Version 3 writes every key of `config.json` in snake_case and
/// nests the vectorizer's settings (`counting`, `weighting`); versions 1 and 2 (camelCase inside
/// `configuration`, a flat vectorizer) are still read. Version 4 adds `classifier_choice` (the
/// input the classifier reads, its codes weight and C, and the cross-validated table) and, for
/// an NBSVM classifier, `classifier.log_count_ratio` (models × terms); a version-3 bundle's
/// classifier reads its configured input. Version 5 adds the classifier's own terms
/// (`classifier_ngrams` in the configuration, `classifier_vocabulary_size`,
/// `classifier_vocabulary.json` and `classifier.idf`) when they differ from the vectorizer's.
extension TextFeaturePipeline {
  /// The bundle format's name.
  package static let formatName = "sparsetext-model"
  /// The bundle format version this build writes. Version 2 added the code scaler
  /// (`codes.mean`, `codes.scale`) and the pipeline's `codeScaling`, `cValues` and `folds`;
  /// version 3 writes one key style (snake_case) and the nested vectorizer configuration;
  /// version 4 the classifier's choice and NBSVM's ratios; version 5 the classifier's own
  /// terms.
  package static let formatVersion = 5
  /// The bundle format versions this build reads.
  package static let readableFormatVersions = 1...5

  /// The fields of `config.json` that say how to read the rest.
  private struct BundleHeader: Decodable {
    var format: String
    var formatVersion: Int

    enum CodingKeys: String, CodingKey {
      case format
      case formatVersion = "format_version"
    }
  }

  /// What `config.json` holds.
  struct BundleConfig: Codable {
    var format: String
    var formatVersion: Int
    var libraryVersion: String
    var utf8procVersion: String
    var unicodeVersion: String
    var configuration: Configuration
    var vocabularySize: Int
    /// The classifier's own terms' count, when it has its own (format 5).
    var classifierVocabularySize: Int? = nil
    var classes: [String]?
    var classifierChoice: ClassifierChoice?
    /// What the autoencoder's training ran; absent in bundles written before it was stored.
    var autoencoderTraining: SparseAutoencoder.TrainingOutcome? = nil
    /// What the stored anomaly scores were measured on; absent in bundles written before.
    var anomalyReference: AnomalyScores.Distribution.Reference? = nil

    enum CodingKeys: String, CodingKey {
      case format
      case formatVersion = "format_version"
      case libraryVersion = "library_version"
      case utf8procVersion = "utf8proc_version"
      case unicodeVersion = "unicode_version"
      case configuration
      case vocabularySize = "vocabulary_size"
      case classifierVocabularySize = "classifier_vocabulary_size"
      case classes
      case classifierChoice = "classifier_choice"
      case autoencoderTraining = "autoencoder_training"
      case anomalyReference = "anomaly_reference"
    }
  }

  /// Writes the bundle to the directory `url`, atomically: at every instant `url` holds the
  /// complete old bundle or the complete new one. An ordinary file, or a directory that is not
  /// a bundle (other than an empty one), is never replaced: that throws ``OutputError``.
  public func write(to url: URL) throws {
    try write(to: url, in: nil)
  }

  /// ``write(to:)``, staged in `commit` (put in place with the commit's other outputs) when
  /// there is one.
  package func write(to url: URL, in commit: OutputCommit?) throws {
    var configuration = self.configuration
    if fittedClassifier == nil { configuration.classifier = nil }
    let config = BundleConfig(
      format: Self.formatName, formatVersion: Self.formatVersion,
      libraryVersion: SparseTextVersion.library, utf8procVersion: SparseTextVersion.utf8proc,
      unicodeVersion: SparseTextVersion.unicode, configuration: configuration,
      vocabularySize: vectorizer.vocabulary.count,
      classifierVocabularySize: classifierVectorizer?.vocabulary.count,
      classes: fittedClassifier?.classes,
      classifierChoice: classifierChoice,
      autoencoderTraining: autoencoder == nil ? nil : autoencoderTraining,
      anomalyReference: autoencoder == nil ? nil : trainingScores?.reference)
    var tensors: [String: Tensor] = ["idf": Tensor(vector: vectorizer.idf)]
    if let classifierVectorizer {
      tensors[Self.classifierIDFTensor] = Tensor(vector: classifierVectorizer.idf)
    }
    if let autoencoder {
      tensors.merge(autoencoder.parameters) { $1 }
    }
    if let codeScaler {
      tensors.merge(codeScaler.parameters) { $1 }
    }
    if let fittedClassifier {
      tensors.merge(fittedClassifier.parameters) { $1 }
    }
    if let trainingScores {
      tensors[Self.trainingScoresTensor] = Tensor(vector: trainingScores.sortedValues)
    }
    if let firingRates, autoencoder != nil {
      tensors[Self.firingRatesTensor] = Tensor(vector: firingRates.map { Float($0) })
    }
    let encoder = JSONFormat.encoder()
    let configData = try encoder.encode(config)
    let vocabularyData = try encoder.encode(vectorizer.vocabulary.terms)
    let classifierVocabularyData = try classifierVectorizer.map {
      try encoder.encode($0.vocabulary.terms)
    }
    var metadata = [
      "format": Self.formatName, "format_version": "\(Self.formatVersion)",
      Self.checksumKeys.config: Self.checksum(configData),
      Self.checksumKeys.vocabulary: Self.checksum(vocabularyData),
      Self.checksumKeys.data: SafeTensors.dataChecksum(tensors),
    ]
    if let classifierVocabularyData {
      metadata[Self.checksumKeys.classifierVocabulary] = Self.checksum(classifierVocabularyData)
    }
    try AtomicFile.writeDirectory(
      at: url, formats: [Self.formatName], entries: Self.bundleEntries, in: commit
    ) { folder in
      try configData.write(to: folder.appendingPathComponent("config.json"))
      try vocabularyData.write(to: folder.appendingPathComponent("vocabulary.json"))
      try classifierVocabularyData?.write(
        to: folder.appendingPathComponent(Self.classifierVocabularyFile))
      try SafeTensors.encode(tensors, metadata: metadata)
        .write(to: folder.appendingPathComponent("model.safetensors"))
    }
  }

  /// Loads a bundle, checking that every part is present, of a format version this build reads,
  /// and that together they satisfy every invariant of a bundle this library writes (valid
  /// settings for every stage; each stage present exactly when its tensors are; every tensor
  /// F32, of the shape the configuration and the vocabulary imply, with finite values in their
  /// range; distinct terms and classes; and the CRC-32 checksums of `config.json`, the
  /// vocabularies and the tensors' data that a bundle carries): a damaged, truncated or
  /// hand-edited bundle is refused with a ``ModelFormatError`` naming the file, never half-used.
  public init(contentsOf url: URL) throws {
    let files = BundleFiles(directory: url)
    let configData = try Self.readSmallFile(files.config, limit: 16 << 20)
    let config: BundleConfig
    do {
      let header = try JSONFormat.decoder().decode(BundleHeader.self, from: configData)
      guard header.format == Self.formatName else {
        throw ModelFormatError.corrupt(
          file: files.config.path,
          reason: "format is '\(header.format)', not '\(Self.formatName)'")
      }
      try Self.checkReadable(version: header.formatVersion, file: files.config.path)
      config = try Self.decodeConfig(configData, version: header.formatVersion)
    } catch let error as ModelFormatError {
      throw error
    } catch {
      throw ModelFormatError.corrupt(file: files.config.path, reason: Self.describe(error))
    }
    let vocabularyData = try Self.readSmallFile(files.vocabulary, limit: 1 << 30)
    let terms: [String]
    do {
      terms = try JSONFormat.decoder().decode([String].self, from: vocabularyData)
    } catch {
      throw ModelFormatError.corrupt(file: files.vocabulary.path, reason: Self.describe(error))
    }
    // The classifier's own terms, when config.json says it has them.
    var classifierTerms: (terms: [String], data: Data)?
    if config.classifierVocabularySize != nil {
      let data = try Self.readSmallFile(files.classifierVocabulary, limit: 1 << 30)
      do {
        classifierTerms = (try JSONFormat.decoder().decode([String].self, from: data), data)
      } catch {
        throw ModelFormatError.corrupt(
          file: files.classifierVocabulary.path, reason: Self.describe(error))
      }
    }
    try Self.checkBundleFile(files.tensors)
    let (tensors, metadata, dataChecksum) = try SafeTensors.readChecksummed(
      from: files.tensors, dtype: "F32")
    try Self.checkInvariants(
      config: config, terms: terms, classifierTerms: classifierTerms?.terms, tensors: tensors,
      metadata: metadata, files: files,
      bytes: (configData, vocabularyData, classifierTerms?.data, dataChecksum))
    let vocabulary: Vocabulary
    do {
      vocabulary = try Vocabulary(terms: terms)
    } catch {
      throw ModelFormatError.corrupt(file: files.vocabulary.path, reason: "\(error)")
    }
    let vectorizer: TfidfVectorizer
    do {
      vectorizer = try TfidfVectorizer(
        vocabulary: vocabulary, idf: tensors["idf"]!.values,
        configuration: config.configuration.vectorizer)
    } catch let error as ConfigurationError {
      throw ModelFormatError.corrupt(file: files.config.path, reason: error.description)
    }
    // Checked with the invariants: exactly when the configuration gives the classifier its own
    // terms, one idf per term.
    var classifierVectorizer: TfidfVectorizer?
    if let classifierTerms, let settings = config.configuration.classifierTerms,
      let idf = tensors[Self.classifierIDFTensor]
    {
      do {
        classifierVectorizer = try TfidfVectorizer(
          vocabulary: try Vocabulary(terms: classifierTerms.terms), idf: idf.values,
          configuration: settings)
      } catch {
        throw ModelFormatError.corrupt(file: files.classifierVocabulary.path, reason: "\(error)")
      }
    }
    var autoencoder: SparseAutoencoder?
    if let sae = config.configuration.autoencoder {
      do {
        autoencoder = try SparseAutoencoder(parameters: tensors, configuration: sae)
      } catch let error as ModelFormatError {
        throw ModelFormatError.inconsistent(
          file: files.tensors.path, reason: Self.reason(of: error))
      }
      guard autoencoder!.inputColumns == terms.count else {
        throw ModelFormatError.inconsistent(
          file: files.tensors.path,
          reason:
            "the encoder reads \(autoencoder!.inputColumns) terms, the vocabulary has \(terms.count)"
        )
      }
    }
    var codeScaler: CodeScaler?
    if autoencoder != nil, let mean = tensors["codes.mean"], let scale = tensors["codes.scale"] {
      do {
        codeScaler = try CodeScaler(mean: mean.values, scale: scale.values)
      } catch {
        throw ModelFormatError.inconsistent(file: files.tensors.path, reason: "\(error)")
      }
    }
    let trainingScores = try tensors[Self.trainingScoresTensor].map { stored in
      do {
        return try AnomalyScores.Distribution(stored.values, reference: config.anomalyReference)
      } catch {
        throw ModelFormatError.inconsistent(file: files.tensors.path, reason: "\(error)")
      }
    }
    // Checked with the invariants: only with an autoencoder, one rate in 0...1 per unit.
    let firingRates = tensors[Self.firingRatesTensor].map { $0.values.map(Double.init) }
    var classifier: FittedClassifier?
    var choice: ClassifierChoice?
    if let lr = config.configuration.classifier, let classes = config.classes,
      let weight = tensors["classifier.weight"], let bias = tensors["classifier.bias"]
    {
      // Checked with the invariants: the input's features, its codes weight, NBSVM's ratios.
      let (input, codesWeight) = Self.classifierInput(of: config)
      let candidate = InputCandidate(input, codesWeight: codesWeight)
      let standardized = codeScaler != nil
      do {
        if let ratios = tensors[NaiveBayesLogisticRegression.ratiosTensor] {
          classifier = .naiveBayes(
            try NaiveBayesLogisticRegression(
              weighting: NaiveBayesWeighting(ratios: ratios.matrix(), classes: classes),
              weights: weight.matrix(), intercepts: bias.values, configuration: lr),
            candidate, standardized: standardized)
        } else {
          classifier = .linear(
            try LogisticRegression(
              weights: try weight.matrix(), intercepts: bias.values, classes: classes,
              configuration: lr), candidate, standardized: standardized)
        }
      } catch let error as ModelFormatError {
        throw ModelFormatError.inconsistent(
          file: files.tensors.path, reason: Self.reason(of: error))
      } catch let error as ConfigurationError {
        throw ModelFormatError.corrupt(file: files.config.path, reason: error.description)
      }
      choice =
        config.classifierChoice
        ?? ClassifierChoice(input: input, codesWeight: codesWeight, c: lr.inverseRegularization)
    }
    self.init(
      configuration: config.configuration, vectorizer: vectorizer,
      classifierVectorizer: classifierVectorizer, autoencoder: autoencoder,
      codeScaler: codeScaler, classifier: classifier, choice: choice,
      trainingScores: trainingScores, firingRates: firingRates,
      autoencoderTraining: config.autoencoderTraining)
  }

  /// The input a bundle's classifier reads and its codes weight: `classifier_choice`'s, or for
  /// bundles written before it (format 3 and earlier) the configured input (codes with an
  /// autoencoder when none was set, the `both` block at weight 1).
  static func classifierInput(of config: BundleConfig) -> (ClassifierInput, Double?) {
    if let choice = config.classifierChoice { return (choice.input, choice.codesWeight) }
    let input = config.configuration.legacyClassifierInput
    return (input, input.hasCodesBlock ? 1 : nil)
  }

  /// The tensor holding the idf of the classifier's own terms.
  static let classifierIDFTensor = "classifier.idf"
  /// The file holding the classifier's own terms.
  package static let classifierVocabularyFile = "classifier_vocabulary.json"

  /// The tensor holding the sorted training anomaly scores.
  static let trainingScoresTensor = "anomaly.training_scores"
  /// The tensor holding each latent unit's firing rate on the training text.
  static let firingRatesTensor = "codes.firing_rate"

  private static func readSmallFile(_ url: URL, limit: Int) throws -> Data {
    try checkBundleFile(url)
    guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
      let size = attributes[.size] as? Int
    else {
      throw ModelFormatError.missingFile(file: url.path)
    }
    guard size <= limit else {
      throw ModelFormatError.oversized(file: url.path, limit: limit, actual: size)
    }
    do {
      return try Data(contentsOf: url)
    } catch {
      throw ModelFormatError.missingFile(file: url.path)
    }
  }

  /// `config.json` of format `version`; versions 1 and 2 have their `configuration` object
  /// brought to this build's form first.
  private static func decodeConfig(_ data: Data, version: Int) throws -> BundleConfig {
    guard version <= 2 else {
      return try JSONFormat.decoder().decode(BundleConfig.self, from: data)
    }
    guard var object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
      throw DecodingError.dataCorrupted(
        .init(codingPath: [], debugDescription: "config.json is not a JSON object"))
    }
    if let configuration = object["configuration"] {
      object["configuration"] = Configuration.upgraded(configuration)
    }
    return try JSONFormat.decoder().decode(
      BundleConfig.self, from: JSONSerialization.data(withJSONObject: object))
  }

  static func describe(_ error: any Error) -> String {
    switch error {
    case DecodingError.keyNotFound(let key, let context):
      return
        "missing key '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
    case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
      DecodingError.dataCorrupted(let context):
      let path = context.codingPath.map(\.stringValue).joined(separator: ".")
      return "\(context.debugDescription)\(path.isEmpty ? "" : " at '\(path)'")"
    default:
      return "not valid JSON"
    }
  }
}
