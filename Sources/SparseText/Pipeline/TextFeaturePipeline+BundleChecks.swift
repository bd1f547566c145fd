import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What loading a bundle checks, and what writing one may replace. Loading checks the
/// invariants every bundle this library writes satisfies, not a list of known damages: its files
/// are ordinary files; its format version is one this build reads (in `config.json` and in the
/// tensors' metadata alike); every stage's settings are valid; each stage is present in the
/// configuration exactly when its tensors are; every tensor is a known one, stored as F32, of the
/// shape the configuration and the vocabulary imply, with finite values in their range (idf ≥ 1,
/// or all 1 without idf; positive code scales; sorted training scores of the sign their method
/// gives; firing rates from 0 to 1); vocabulary terms are distinct; the classes are distinct, at least two, with one weight
/// row per class (one for two). A bundle written since the checksums were added also carries the
/// CRC-32 of `config.json`, `vocabulary.json` and the tensors' data in the tensors' metadata, so
/// an edit that keeps every other invariant (a changed activation, two terms swapped, a weight
/// changed) is found too.
extension TextFeaturePipeline {
  /// The files of a bundle directory: ``write(to:)`` replaces a directory holding only these.
  package static let bundleEntries: Set<String> = [
    "config.json", "vocabulary.json", "model.safetensors", classifierVocabularyFile,
  ]
  /// Every tensor name a bundle's `model.safetensors` may hold; loading refuses any other, so
  /// a foreign or damaged file is not half-used. A new optional tensor is added here.
  package static let knownTensors: Set<String> = [
    "idf", "encoder.weight", "encoder.bias", "decoder.weight", "decoder.bias",
    "classifier.weight", "classifier.bias", "codes.mean", "codes.scale",
    "anomaly.training_scores", "codes.firing_rate", "classifier.log_count_ratio",
    classifierIDFTensor,
  ]

  /// Checks that a bundle file is an ordinary file before it is opened: a directory, a FIFO
  /// (which would block the read), a socket or a symbolic-link loop is damage, not absence.
  package static func checkBundleFile(_ url: URL) throws {
    var info = stat()
    guard stat(url.path, &info) == 0 else {
      let code = errno
      var link = stat()
      switch code {
      case ENOENT where lstat(url.path, &link) == 0:
        throw ModelFormatError.corrupt(
          file: url.path, reason: "it is a symbolic link to nothing")
      case ENOENT: throw ModelFormatError.missingFile(file: url.path)
      case ELOOP:
        throw ModelFormatError.corrupt(file: url.path, reason: "it is a loop of symbolic links")
      default:
        throw ModelFormatError.corrupt(
          file: url.path, reason: "it cannot be read (\(String(cString: strerror(code))))")
      }
    }
    let kind: String
    switch info.st_mode & S_IFMT {
    case S_IFREG: return
    case S_IFDIR: kind = "a directory"
    case S_IFIFO: kind = "a named pipe (FIFO)"
    case S_IFSOCK: kind = "a socket"
    default: kind = "a device"
    }
    throw ModelFormatError.corrupt(file: url.path, reason: "it is \(kind), not an ordinary file")
  }

  /// The files of a bundle directory.
  struct BundleFiles {
    let config: URL
    let vocabulary: URL
    let classifierVocabulary: URL
    let tensors: URL

    init(directory: URL) {
      config = directory.appendingPathComponent("config.json")
      vocabulary = directory.appendingPathComponent("vocabulary.json")
      classifierVocabulary = directory.appendingPathComponent(classifierVocabularyFile)
      tensors = directory.appendingPathComponent("model.safetensors")
    }
  }

  /// The tensors' metadata keys of the checksums: `crc32:` and eight hex digits, of the exact
  /// bytes of `config.json`, `vocabulary.json` and `classifier_vocabulary.json` and of the
  /// tensors' data (all the bytes after the safetensors header).
  static let checksumKeys = (
    config: "checksum.config.json", vocabulary: "checksum.vocabulary.json",
    classifierVocabulary: "checksum.classifier_vocabulary.json", data: "checksum.data"
  )

  /// The checksum of `data`: `crc32:` and eight hex digits.
  static func checksum(_ data: Data) -> String {
    data.withUnsafeBytes { Digest.crc32Text(Digest.crc32($0)) }
  }

  /// Throws ``ModelFormatError/unsupportedVersion(file:found:supported:)`` for a format version
  /// this build does not read (one from the future, or none that ever existed).
  static func checkReadable(version: Int, file: String) throws {
    guard readableFormatVersions.contains(version) else {
      throw ModelFormatError.unsupportedVersion(
        file: file, found: "\(version)",
        supported: "\(readableFormatVersions.lowerBound) to \(readableFormatVersions.upperBound)")
    }
  }

  /// Checks every invariant of a bundle that spans its files (see the extension's overview);
  /// the loader has already checked that each file parses. `classifierTerms` are the
  /// classifier's own terms when config.json says it has them. `bytes` are the exact bytes of
  /// `config.json`, `vocabulary.json` and `classifier_vocabulary.json` and the CRC-32 of the
  /// tensors' data, for the checksums.
  static func checkInvariants(
    config: BundleConfig, terms: [String], classifierTerms: [String]?, tensors: [String: Tensor],
    metadata: [String: String], files: BundleFiles,
    bytes: (config: Data, vocabulary: Data, classifierVocabulary: Data?, dataChecksum: String)
  ) throws {
    let configFile = files.config.path
    let vocabularyFile = files.vocabulary.path
    let classifierVocabularyFile = files.classifierVocabulary.path
    let tensorsFile = files.tensors.path
    func inconsistent(_ file: String, _ reason: String) -> ModelFormatError {
      .inconsistent(file: file, reason: reason)
    }
    // The tensors' metadata: the same format and version as config.json.
    if let format = metadata["format"], format != formatName {
      throw ModelFormatError.corrupt(
        file: tensorsFile, reason: "its metadata names the format '\(format)', not '\(formatName)'")
    }
    if let text = metadata["format_version"] {
      guard let version = Int(text) else {
        throw ModelFormatError.corrupt(
          file: tensorsFile, reason: "its metadata's format_version '\(text)' is not a number")
      }
      try checkReadable(version: version, file: tensorsFile)
      guard version == config.formatVersion else {
        throw inconsistent(
          tensorsFile,
          "its metadata says format version \(version), config.json says \(config.formatVersion)")
      }
    }
    // The checksums, when the bundle carries them.
    for (key, file, actual) in [
      (checksumKeys.config, configFile, checksum(bytes.config)),
      (checksumKeys.vocabulary, vocabularyFile, checksum(bytes.vocabulary)),
      (
        checksumKeys.classifierVocabulary, classifierVocabularyFile,
        bytes.classifierVocabulary.map(checksum) ?? "none"
      ),
      (checksumKeys.data, tensorsFile, bytes.dataChecksum),
    ] {
      if let expected = metadata[key], expected != actual {
        throw ModelFormatError.corrupt(
          file: file,
          reason:
            "its checksum is \(actual), but the model was written with \(expected): the file was changed or damaged after the bundle was written"
        )
      }
    }
    // Settings.
    try checkSettings(config.configuration, file: configFile)
    let configuration = config.configuration
    // The vocabulary.
    guard terms.count == config.vocabularySize else {
      throw inconsistent(
        vocabularyFile, "\(terms.count) terms, but config.json says \(config.vocabularySize)")
    }
    if configuration.vectorizer.counting.tokenizer.tokenPattern == nil,
      let empty = terms.firstIndex(of: "")
    {
      // Only a token pattern with a group that can match nothing makes an empty term.
      throw ModelFormatError.corrupt(
        file: vocabularyFile, reason: "term \(empty) is empty; no tokenizer of this model makes one"
      )
    }
    // Tensors: known names, finite values.
    try checkValues(tensors, file: tensorsFile)
    // The classifier's own terms: exactly when the configuration gives it an n-gram range of
    // its own and it has a classifier, as many as config.json says, distinct, one idf each.
    let ownTerms = configuration.classifierTerms != nil
    guard ownTerms == (config.classifierVocabularySize != nil),
      ownTerms == (tensors[classifierIDFTensor] != nil),
      !ownTerms || configuration.classifier != nil
    else {
      throw inconsistent(
        configFile,
        "classifier_ngrams (\(configuration.classifierNgrams.map { "\($0.lowerBound)-\($0.upperBound)" } ?? "none")), classifier_vocabulary_size, the classifier and \(classifierIDFTensor) in model.safetensors must be there together or not at all"
      )
    }
    if let classifierTerms {
      guard classifierTerms.count == config.classifierVocabularySize else {
        throw inconsistent(
          classifierVocabularyFile,
          "\(classifierTerms.count) terms, but config.json says \(config.classifierVocabularySize ?? 0)"
        )
      }
      if let duplicate = classifierTerms.firstDuplicate {
        throw ModelFormatError.corrupt(
          file: classifierVocabularyFile, reason: "the term '\(duplicate)' is listed twice")
      }
      try checkIDF(
        classifierIDFTensor, in: tensors, terms: classifierTerms.count,
        useIDF: configuration.vectorizer.weighting.useIDF, file: tensorsFile)
    }
    // The number of terms the classifier reads.
    let classifierTermCount = classifierTerms?.count ?? terms.count
    try checkIDF(
      "idf", in: tensors, terms: terms.count,
      useIDF: configuration.vectorizer.weighting.useIDF, file: tensorsFile)
    // Each optional stage is in the configuration exactly when its tensors are.
    let sae = configuration.autoencoder
    let autoencoderTensors = ["encoder.weight", "encoder.bias", "decoder.weight", "decoder.bias"]
    for name in autoencoderTensors + [
      "codes.mean", "codes.scale", trainingScoresTensor, firingRatesTensor,
    ]
    where sae == nil && tensors[name] != nil {
      throw inconsistent(
        configFile,
        "it has no autoencoder, but model.safetensors holds '\(name)'")
    }
    if let sae {
      for name in autoencoderTensors where tensors[name] == nil {
        throw inconsistent(tensorsFile, "the autoencoder's '\(name)' is missing")
      }
      let h = sae.hiddenUnits
      guard tensors["encoder.weight"]!.shape == [h, terms.count] else {
        throw inconsistent(
          tensorsFile,
          "encoder.weight should have shape [\(h), \(terms.count)] (hidden units × terms), found \(tensors["encoder.weight"]!.shape)"
        )
      }
      let standardized = configuration.codeScaling == .standardize
      for name in ["codes.mean", "codes.scale"] {
        if standardized {
          guard let tensor = tensors[name], tensor.shape == [h] else {
            throw inconsistent(
              tensorsFile,
              "\(name) of shape [\(h)] is missing or of another shape (config.json standardizes the codes)"
            )
          }
        } else if tensors[name] != nil {
          throw inconsistent(
            tensorsFile, "it holds '\(name)', but config.json does not standardize the codes")
        }
      }
      if let scale = tensors["codes.scale"], let bad = scale.values.firstIndex(where: { !($0 > 0) })
      {
        throw ModelFormatError.corrupt(
          file: tensorsFile,
          reason: "codes.scale holds \(scale.values[bad]) at index \(bad); scales are positive")
      }
      if let rates = tensors[firingRatesTensor] {
        guard rates.shape == [h] else {
          throw inconsistent(
            tensorsFile,
            "\(firingRatesTensor) should have shape [\(h)] (one rate per hidden unit), found \(rates.shape)"
          )
        }
        if let bad = rates.values.firstIndex(where: { !(0...1).contains($0) }) {
          throw ModelFormatError.corrupt(
            file: tensorsFile,
            reason:
              "\(firingRatesTensor) holds \(rates.values[bad]) at index \(bad); a firing rate is a fraction from 0 to 1"
          )
        }
      }
      if let stored = tensors[trainingScoresTensor] {
        try checkTrainingScores(
          stored, method: configuration.anomalyScore, file: tensorsFile)
      }
    }
    // The classifier: settings, classes and both weight tensors all present, or none of them.
    let classifierTensors = ["classifier.weight", "classifier.bias"].filter { tensors[$0] != nil }
    let present = [
      configuration.classifier != nil ? "settings" : nil,
      config.classes != nil ? "classes" : nil,
      classifierTensors.isEmpty ? nil : classifierTensors.joined(separator: " and "),
    ].compactMap { $0 }
    let missing = [
      configuration.classifier == nil ? "its settings ('classifier' in config.json)" : nil,
      config.classes == nil ? "'classes' in config.json" : nil,
      classifierTensors.count < 2
        ? "classifier.weight and classifier.bias in model.safetensors" : nil,
    ].compactMap { $0 }
    if !present.isEmpty && !missing.isEmpty {
      throw inconsistent(
        missing.contains { $0.contains("config.json") } ? configFile : tensorsFile,
        "the classifier's \(present.joined(separator: " and ")) are there, but not \(missing.joined(separator: " or "))"
      )
    }
    if config.classes == nil, tensors[NaiveBayesLogisticRegression.ratiosTensor] != nil {
      throw inconsistent(
        tensorsFile,
        "it holds \(NaiveBayesLogisticRegression.ratiosTensor), but there is no classifier")
    }
    if let classes = config.classes {
      if let duplicate = classes.firstDuplicate {
        throw ModelFormatError.corrupt(
          file: configFile,
          reason: "class '\(duplicate)' is listed twice in 'classes'; class names must be unique")
      }
      guard classes.count >= 2 else {
        throw ModelFormatError.corrupt(
          file: configFile,
          reason: "'classes' lists \(classes.count) class(es); a classifier has two or more")
      }
      let weight = tensors["classifier.weight"]!
      let bias = tensors["classifier.bias"]!
      let outputs = classes.count == 2 ? 1 : classes.count
      let features: Int
      let hidden = sae?.hiddenUnits ?? 0
      let (input, codesWeight) = classifierInput(of: config)
      switch input {
      case .tfidf, .nbsvm: features = classifierTermCount
      case .codes: features = hidden
      case .both, .nbsvmCodes: features = classifierTermCount + hidden
      }
      if input.readsCodes && sae == nil {
        throw inconsistent(
          configFile, "the classifier reads codes (\(input.rawValue)), but there is no autoencoder")
      }
      if let choice = config.classifierChoice {
        guard input.hasCodesBlock == (codesWeight != nil),
          codesWeight.map({ $0 > 0 && $0.isFinite }) ?? true, choice.c > 0, choice.c.isFinite
        else {
          throw ModelFormatError.corrupt(
            file: configFile,
            reason:
              "classifier_choice should have a positive C, and a positive codes_weight exactly when its input (\(input.rawValue)) has a codes block"
          )
        }
      }
      let ratios = tensors[NaiveBayesLogisticRegression.ratiosTensor]
      if input.isNaiveBayes {
        guard let ratios, ratios.shape == [outputs, classifierTermCount] else {
          throw inconsistent(
            tensorsFile,
            "an NBSVM classifier (\(input.rawValue)) of \(classes.count) classes needs \(NaiveBayesLogisticRegression.ratiosTensor) of shape [\(outputs), \(classifierTermCount)] (models × terms), found \(ratios.map { "\($0.shape)" } ?? "none")"
          )
        }
      } else if ratios != nil {
        throw inconsistent(
          tensorsFile,
          "it holds \(NaiveBayesLogisticRegression.ratiosTensor), which belongs to an NBSVM classifier, but the classifier reads \(input.rawValue)"
        )
      }
      guard weight.shape == [outputs, features], bias.shape == [outputs] else {
        throw inconsistent(
          tensorsFile,
          "\(classes.count) classes over \(features) features need classifier.weight [\(outputs), \(features)] and classifier.bias [\(outputs)], found \(weight.shape) and \(bias.shape)"
        )
      }
    }
  }

  /// An idf tensor: one weight per term, each ≥ 1 (ln of a ratio ≥ 1, plus 1), or exactly 1
  /// without idf.
  static func checkIDF(
    _ name: String, in tensors: [String: Tensor], terms: Int, useIDF: Bool, file: String
  ) throws {
    guard let idf = tensors[name], idf.shape == [terms] else {
      throw ModelFormatError.inconsistent(
        file: file,
        reason:
          "\(name) should have shape [\(terms)], found \(tensors[name]?.shape.description ?? "nothing")"
      )
    }
    if let bad = idf.values.firstIndex(where: { useIDF ? !($0 >= 1) : $0 != 1 }) {
      throw ModelFormatError.corrupt(
        file: file,
        reason:
          "\(name) holds \(idf.values[bad]) at index \(bad); idf weights are \(useIDF ? "1 or more" : "all 1 when idf is off")"
      )
    }
  }

  /// The stored training scores: 1 to ``AnomalyScores/Distribution/capacity`` values, sorted,
  /// of the sign the method gives (every score is ≥ 0 but the code deficit, which is ≤ 0; a
  /// rounding error's worth of the other sign is allowed).
  static func checkTrainingScores(_ stored: Tensor, method: AnomalyScores.Method, file: String)
    throws
  {
    let values = stored.values
    guard stored.shape.count == 1,
      (1...AnomalyScores.Distribution.capacity).contains(values.count)
    else {
      throw ModelFormatError.inconsistent(
        file: file,
        reason:
          "\(trainingScoresTensor) should hold 1 to \(AnomalyScores.Distribution.capacity) scores, found shape \(stored.shape)"
      )
    }
    if let k = values.indices.dropFirst().first(where: { values[$0] < values[$0 - 1] }) {
      throw ModelFormatError.corrupt(
        file: file,
        reason:
          "\(trainingScoresTensor) is not sorted (\(values[k - 1]) before \(values[k]) at index \(k))"
      )
    }
    let tolerance: Float = 1e-5
    let negative = method == .codeDeficit
    if let bad = values.firstIndex(where: { negative ? $0 > tolerance : $0 < -tolerance }) {
      throw ModelFormatError.corrupt(
        file: file,
        reason:
          "\(trainingScoresTensor) holds \(values[bad]) at index \(bad); \(method.rawValue) scores are \(negative ? "never positive" : "never negative")"
      )
    }
  }

  /// Every value of every tensor is finite, idf is not negative, and no tensor is unknown.
  package static func checkValues(_ tensors: [String: Tensor], file: String) throws {
    for name in tensors.keys.sorted() {
      guard knownTensors.contains(name) else {
        throw ModelFormatError.corrupt(
          file: file,
          reason:
            "it holds a tensor '\(name)' that is not part of a SparseText model (known: \(knownTensors.sorted().joined(separator: ", ")))"
        )
      }
      let values = tensors[name]!.values
      if let bad = values.firstIndex(where: { !$0.isFinite }) {
        throw ModelFormatError.corrupt(
          file: file,
          reason:
            "tensor '\(name)' holds \(values[bad]) at index \(bad); every value must be finite")
      }
    }
    if let idf = tensors["idf"]?.values, let bad = idf.firstIndex(where: { $0 < 0 }) {
      throw ModelFormatError.corrupt(
        file: file, reason: "idf holds \(idf[bad]) at index \(bad); idf weights are never negative")
    }
  }

  /// Every stage's settings are in range, as when the model was fitted, and so are the
  /// pipeline's own (the outlier quantile, the C candidates, the folds): a bad value is damage
  /// to `file`, not an option the user gave.
  static func checkSettings(_ configuration: Configuration, file: String) throws {
    do {
      try configuration.validate()
      try configuration.vectorizer.validate()
      try configuration.classifier?.validate()
      if let sae = configuration.autoencoder { try checkSettings(sae, file: file) }
    } catch let error as ConfigurationError {
      throw ModelFormatError.corrupt(file: file, reason: error.description)
    }
  }

  /// A saved autoencoder's settings are in range (also for a `train-sae` directory).
  package static func checkSettings(_ sae: SparseAutoencoder.Configuration, file: String) throws {
    do {
      try sae.validate()
      try sae.checkCounts()
    } catch let error as ConfigurationError {
      throw ModelFormatError.corrupt(file: file, reason: error.description)
    }
  }

  /// The reason inside a stage's model error, without its own file name and advice.
  static func reason(of error: ModelFormatError) -> String {
    switch error {
    case .inconsistent(_, let reason), .corrupt(_, let reason): return reason
    default: return error.description
    }
  }
}
