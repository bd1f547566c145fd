import Foundation

/// The model bundle: a directory with `config.json` (format, versions, every stage's
/// configuration), `vocabulary.json` (the terms as a JSON array in column order) and `model.safetensors` (`idf`,
/// `encoder.*`, `decoder.*`, `classifier.*`, `codes.*`, `anomaly.training_scores`), written
/// atomically and read defensively. `anomaly.training_scores` (the sorted training anomaly
/// scores, at most 1,000) is optional within version 2: bundles without it load and score, with
/// no default outlier threshold. Version 3 writes every key of `config.json` in snake_case and
/// nests the vectorizer's settings (`counting`, `weighting`); versions 1 and 2 (camelCase inside
/// `configuration`, a flat vectorizer) are still read.
extension TextFeaturePipeline {
  /// The bundle format's name.
  package static let formatName = "sparsetext-model"
  /// The bundle format version this build writes. Version 2 added the code scaler
  /// (`codes.mean`, `codes.scale`) and the pipeline's `codeScaling`, `cValues` and `folds`;
  /// version 3 writes one key style (snake_case) and the nested vectorizer configuration.
  package static let formatVersion = 3
  /// The bundle format versions this build reads.
  package static let readableFormatVersions = 1...3

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
    var classes: [String]?
    /// What the autoencoder's training ran; absent in bundles written before it was stored.
    var autoencoderTraining: SparseAutoencoder.TrainingOutcome? = nil

    enum CodingKeys: String, CodingKey {
      case format
      case formatVersion = "format_version"
      case libraryVersion = "library_version"
      case utf8procVersion = "utf8proc_version"
      case unicodeVersion = "unicode_version"
      case configuration
      case vocabularySize = "vocabulary_size"
      case classes
      case autoencoderTraining = "autoencoder_training"
    }
  }

  /// Writes the bundle to the directory `url`, atomically: at every instant `url` holds the
  /// complete old bundle or the complete new one. An ordinary file, or a directory that is not
  /// a bundle (other than an empty one), is never replaced: that throws ``OutputError``.
  public func write(to url: URL) throws {
    var configuration = self.configuration
    if classifier == nil { configuration.classifier = nil }
    let config = BundleConfig(
      format: Self.formatName, formatVersion: Self.formatVersion,
      libraryVersion: SparseTextVersion.library, utf8procVersion: SparseTextVersion.utf8proc,
      unicodeVersion: SparseTextVersion.unicode, configuration: configuration,
      vocabularySize: vectorizer.vocabulary.count, classes: classifier?.classes,
      autoencoderTraining: autoencoder == nil ? nil : autoencoderTraining)
    var tensors: [String: Tensor] = ["idf": Tensor(vector: vectorizer.idf)]
    if let autoencoder {
      tensors.merge(autoencoder.parameters) { $1 }
    }
    if let codeScaler {
      tensors.merge(codeScaler.parameters) { $1 }
    }
    if let classifier {
      tensors.merge(classifier.parameters) { $1 }
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
    try AtomicFile.writeDirectory(
      at: url, formats: [Self.formatName], entries: Self.bundleEntries
    ) { folder in
      try configData.write(to: folder.appendingPathComponent("config.json"))
      try vocabularyData.write(to: folder.appendingPathComponent("vocabulary.json"))
      try SafeTensors.encode(
        tensors,
        metadata: ["format": Self.formatName, "format_version": "\(Self.formatVersion)"]
      ).write(to: folder.appendingPathComponent("model.safetensors"))
    }
  }

  /// Loads a bundle, checking that every part is present, of this format version, and
  /// consistent with the others.
  public init(contentsOf url: URL) throws {
    let configURL = url.appendingPathComponent("config.json")
    let vocabularyURL = url.appendingPathComponent("vocabulary.json")
    let tensorsURL = url.appendingPathComponent("model.safetensors")
    let configData = try Self.readSmallFile(configURL, limit: 16 << 20)
    let config: BundleConfig
    do {
      let header = try JSONFormat.decoder().decode(BundleHeader.self, from: configData)
      guard header.format == Self.formatName else {
        throw ModelFormatError.corrupt(
          file: configURL.path, reason: "format is '\(header.format)', not '\(Self.formatName)'")
      }
      guard Self.readableFormatVersions.contains(header.formatVersion) else {
        throw ModelFormatError.unsupportedVersion(
          file: configURL.path, found: "\(header.formatVersion)",
          supported:
            "\(Self.readableFormatVersions.lowerBound) to \(Self.readableFormatVersions.upperBound)"
        )
      }
      config = try Self.decodeConfig(configData, version: header.formatVersion)
    } catch let error as ModelFormatError {
      throw error
    } catch {
      throw ModelFormatError.corrupt(file: configURL.path, reason: Self.describe(error))
    }
    if let classes = config.classes, let duplicate = classes.firstDuplicate {
      throw ModelFormatError.corrupt(
        file: configURL.path,
        reason: "class '\(duplicate)' is listed twice in 'classes'; class names must be unique")
    }
    let vocabularyData = try Self.readSmallFile(vocabularyURL, limit: 1 << 30)
    let terms: [String]
    do {
      terms = try JSONFormat.decoder().decode([String].self, from: vocabularyData)
    } catch {
      throw ModelFormatError.corrupt(file: vocabularyURL.path, reason: Self.describe(error))
    }
    guard terms.count == config.vocabularySize else {
      throw ModelFormatError.inconsistent(
        file: vocabularyURL.path,
        reason: "\(terms.count) terms, but config.json says \(config.vocabularySize)")
    }
    try Self.checkBundleFile(tensorsURL)
    let (tensors, _) = try SafeTensors.read(from: tensorsURL)
    try Self.checkValues(tensors, file: tensorsURL.path)
    try Self.checkSettings(config.configuration, file: configURL.path)
    guard let idf = tensors["idf"], idf.shape == [terms.count] else {
      throw ModelFormatError.inconsistent(
        file: tensorsURL.path,
        reason:
          "idf should have shape [\(terms.count)], found \(tensors["idf"]?.shape.description ?? "nothing")"
      )
    }
    let vocabulary: Vocabulary
    do {
      vocabulary = try Vocabulary(terms: terms)
    } catch {
      throw ModelFormatError.corrupt(file: vocabularyURL.path, reason: "\(error)")
    }
    let vectorizer: TfidfVectorizer
    do {
      vectorizer = try TfidfVectorizer(
        vocabulary: vocabulary, idf: idf.values, configuration: config.configuration.vectorizer)
    } catch let error as ConfigurationError {
      throw ModelFormatError.corrupt(file: configURL.path, reason: error.description)
    }
    var autoencoder: SparseAutoencoder?
    if let sae = config.configuration.autoencoder {
      do {
        autoencoder = try SparseAutoencoder(parameters: tensors, configuration: sae)
      } catch let error as ModelFormatError {
        throw ModelFormatError.inconsistent(file: tensorsURL.path, reason: Self.reason(of: error))
      }
      guard autoencoder!.inputColumns == terms.count else {
        throw ModelFormatError.inconsistent(
          file: tensorsURL.path,
          reason:
            "the encoder reads \(autoencoder!.inputColumns) terms, the vocabulary has \(terms.count)"
        )
      }
    }
    var codeScaler: CodeScaler?
    if let autoencoder, config.configuration.codeScaling == .standardize {
      let h = autoencoder.configuration.hiddenUnits
      guard let mean = tensors["codes.mean"], mean.shape == [h],
        let scale = tensors["codes.scale"], scale.shape == [h]
      else {
        throw ModelFormatError.inconsistent(
          file: tensorsURL.path,
          reason: "codes.mean and codes.scale of shape [\(h)] are missing or of another shape")
      }
      do {
        codeScaler = try CodeScaler(mean: mean.values, scale: scale.values)
      } catch {
        throw ModelFormatError.inconsistent(file: tensorsURL.path, reason: "\(error)")
      }
    }
    var trainingScores: AnomalyScores.Distribution?
    if let stored = tensors[Self.trainingScoresTensor] {
      guard autoencoder != nil, stored.shape.count == 1,
        (1...AnomalyScores.Distribution.capacity).contains(stored.shape[0]),
        let distribution = try? AnomalyScores.Distribution(stored.values),
        distribution.sortedValues == stored.values
      else {
        throw ModelFormatError.inconsistent(
          file: tensorsURL.path,
          reason:
            "\(Self.trainingScoresTensor) should be 1 to \(AnomalyScores.Distribution.capacity) sorted finite scores of a model with an autoencoder"
        )
      }
      trainingScores = distribution
    }
    var firingRates: [Double]?
    if let stored = tensors[Self.firingRatesTensor] {
      guard let autoencoder, stored.shape == [autoencoder.configuration.hiddenUnits],
        stored.values.allSatisfy({ (0...1).contains($0) })
      else {
        throw ModelFormatError.inconsistent(
          file: tensorsURL.path,
          reason:
            "\(Self.firingRatesTensor) should hold one rate from 0 to 1 per latent unit of the autoencoder"
        )
      }
      firingRates = stored.values.map(Double.init)
    }
    var classifier: LogisticRegression?
    if let lr = config.configuration.classifier, let classes = config.classes {
      guard let weight = tensors["classifier.weight"], weight.shape.count == 2,
        let bias = tensors["classifier.bias"], bias.shape.count == 1
      else {
        throw ModelFormatError.inconsistent(
          file: tensorsURL.path, reason: "classifier.weight or classifier.bias is missing")
      }
      let expected: Int
      switch config.configuration.effectiveClassifierInput {
      case .tfidf: expected = terms.count
      case .codes: expected = autoencoder?.configuration.hiddenUnits ?? -1
      case .both: expected = terms.count + (autoencoder?.configuration.hiddenUnits ?? -1)
      }
      guard weight.shape[1] == expected else {
        throw ModelFormatError.inconsistent(
          file: tensorsURL.path,
          reason:
            "classifier.weight reads \(weight.shape[1]) features, the pipeline makes \(expected)")
      }
      do {
        classifier = try LogisticRegression(
          weights: try weight.matrix(), intercepts: bias.values, classes: classes,
          configuration: lr)
      } catch let error as ModelFormatError {
        throw ModelFormatError.inconsistent(file: tensorsURL.path, reason: Self.reason(of: error))
      } catch let error as ConfigurationError {
        throw ModelFormatError.corrupt(file: configURL.path, reason: error.description)
      }
    }
    self.init(
      configuration: config.configuration, vectorizer: vectorizer, autoencoder: autoencoder,
      codeScaler: codeScaler, classifier: classifier, trainingScores: trainingScores,
      firingRates: firingRates, autoencoderTraining: config.autoencoderTraining)
  }

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
