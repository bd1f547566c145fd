import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What loading a bundle checks beyond its shapes, and what writing one may replace: the
/// bundle's files are ordinary files, every tensor is known and every value finite and in
/// range, every stage's settings valid.
extension TextFeaturePipeline {
  /// The files of a bundle directory: ``write(to:)`` replaces a directory holding only these.
  package static let bundleEntries: Set<String> = [
    "config.json", "vocabulary.json", "model.safetensors",
  ]
  /// Every tensor name a bundle's `model.safetensors` may hold; loading refuses any other, so
  /// a foreign or damaged file is not half-used. A new optional tensor is added here.
  package static let knownTensors: Set<String> = [
    "idf", "encoder.weight", "encoder.bias", "decoder.weight", "decoder.bias",
    "classifier.weight", "classifier.bias", "codes.mean", "codes.scale",
    "anomaly.training_scores", "codes.firing_rate",
  ]
  /// The largest `inputScale` a bundle may hold (the default is 10); beyond it the encoder's
  /// pre-activations overflow Float.
  static let inputScaleLimit = 1e6

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

  /// Every stage's settings are in range, as when the model was fitted.
  static func checkSettings(_ configuration: Configuration, file: String) throws {
    do {
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
      if let scale = number(sae.inputScale), !(scale <= inputScaleLimit) {
        throw ConfigurationError.outOfRange(
          field: .inputScale, value: "\(scale)",
          allowed: "a positive number up to \(Int(inputScaleLimit))")
      }
    } catch let error as ConfigurationError {
      throw ModelFormatError.corrupt(file: file, reason: error.description)
    }
  }

  /// A setting that is a number, or an optional one where it may be chosen automatically (the
  /// autoencoder's `inputScale` is becoming optional on the main branch): the same check
  /// compiles for both.
  static func number(_ value: Double) -> Double? { value }
  static func number(_ value: Double?) -> Double? { value }

  /// The reason inside a stage's model error, without its own file name and advice.
  static func reason(of error: ModelFormatError) -> String {
    switch error {
    case .inconsistent(_, let reason), .corrupt(_, let reason): return reason
    default: return error.description
    }
  }
}
