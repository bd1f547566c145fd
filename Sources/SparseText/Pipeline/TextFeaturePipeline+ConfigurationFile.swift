import Foundation

/// A pipeline configuration as a JSON file: the `configuration` object of a bundle's
/// `config.json`, which `sparsetext fit --config FILE` reads.
extension TextFeaturePipeline.Configuration {
  /// Reads a configuration from the JSON file at `url`: this build's snake_case form, or the
  /// camelCase form with a flat vectorizer that bundle format versions 1 and 2 held; a whole
  /// bundle `config.json` gives its `configuration` object. The file may be partial: fields it leaves out keep their values in `defaults` (objects merge field
  /// by field; `null` removes an optional stage).
  ///
  /// A key the file names that no configuration has is an error naming it (a misspelt key
  /// would otherwise be ignored without a word), as is a file that holds JSON but not an object.
  ///
  /// - Throws: ``ConfigurationError/invalidFile(file:reason:)`` when the file cannot be read or
  ///   is not a pipeline configuration.
  public init(contentsOf url: URL, defaults: Self = .init()) throws {
    let data: Data
    do {
      data = try BoundedFile.contents(of: url.path, limit: 16 << 20)
    } catch let error as DataError {
      let reason: String
      switch error {
      case .fileTooLarge(_, let limit):
        reason = "it is larger than \(limit) bytes, far more than a configuration"
      case .unreadableFile(_, let why): reason = "it cannot be read (\(why))"
      default: reason = "it cannot be read"
      }
      throw ConfigurationError.invalidFile(file: url.path, reason: reason)
    }
    let parsed: Any
    do {
      parsed = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    } catch {
      throw ConfigurationError.invalidFile(
        file: url.path, reason: "not valid JSON (\(CorpusReader.jsonProblem(error)))")
    }
    guard var tree = parsed as? [String: Any] else {
      throw ConfigurationError.invalidFile(
        file: url.path, reason: "it holds \(Self.kind(of: parsed)), not a JSON object")
    }
    if tree["format"] as? String == TextFeaturePipeline.formatName,
      let configuration = tree["configuration"]
    {
      guard let object = configuration as? [String: Any] else {
        throw ConfigurationError.invalidFile(
          file: url.path,
          reason: "its 'configuration' holds \(Self.kind(of: configuration)), not a JSON object")
      }
      tree = object
    }
    do {
      let base = try JSONSerialization.jsonObject(with: JSONFormat.data(defaults, pretty: false))
      let file = Self.isLegacy(tree) ? Self.upgraded(tree) : tree
      let merged = Self.merging(file, over: base)
      self = try JSONFormat.decoder().decode(
        Self.self, from: JSONSerialization.data(withJSONObject: merged))
      // Every key of the file must be one the configuration read: it writes them all back.
      let written = try JSONSerialization.jsonObject(with: JSONFormat.data(self, pretty: false))
      if let unknown = Self.unknownKey(in: file, known: written) {
        throw ConfigurationError.invalidFile(
          file: url.path,
          reason:
            "'\(unknown.path)' is not a configuration key (known there: \(unknown.known.joined(separator: ", ")))"
        )
      }
    } catch let error as DecodingError {
      throw ConfigurationError.invalidFile(
        file: url.path,
        reason: "not a pipeline configuration (\(TextFeaturePipeline.describe(error)))")
    }
  }

  /// A JSON value's kind, for messages: "a number", "null", ….
  static func kind(of value: Any) -> String {
    switch value {
    case is NSNull: return "null"
    case is String: return "a string"
    case let number as NSNumber:
      return CorpusReader.jsonLabel(number) == "true" || CorpusReader.jsonLabel(number) == "false"
        ? "\(number.boolValue)" : "a number"
    case is [Any]: return "an array"
    default: return "an object"
    }
  }

  /// The first key of `file` (depth first, sorted) that `known`, the configuration as decoded
  /// and written back, does not have, with the keys `known` has at that level. A key whose value
  /// is `null` is skipped: `null` removes an optional setting, which is then not written back.
  static func unknownKey(in file: Any, known: Any, path: [String] = []) -> (
    path: String, known: [String]
  )? {
    guard let file = file as? [String: Any], let known = known as? [String: Any] else {
      return nil
    }
    for key in file.keys.sorted() {
      let value = file[key]!
      if value is NSNull { continue }
      guard let written = known[key] else {
        return ((path + [key]).joined(separator: "."), known.keys.sorted())
      }
      if let found = unknownKey(in: value, known: written, path: path + [key]) { return found }
    }
    return nil
  }

  /// Whether any key of `tree` is camelCase, as bundle format versions 1 and 2 wrote them.
  static func isLegacy(_ tree: Any) -> Bool {
    if let array = tree as? [Any] { return array.contains(where: isLegacy) }
    guard let object = tree as? [String: Any] else { return false }
    return object.contains { key, value in JSONFormat.snakeCase(key) != key || isLegacy(value) }
  }

  /// `file` over `base`: objects merge key by key, anything else in `file` replaces.
  static func merging(_ file: Any, over base: Any) -> Any {
    guard let file = file as? [String: Any], let base = base as? [String: Any] else { return file }
    var out = base
    for (key, value) in file {
      out[key] = base[key].map { merging(value, over: $0) } ?? value
    }
    return out
  }

  /// The configuration tree of bundle format versions 1 and 2 (camelCase keys, a flat
  /// vectorizer, `{"count": {"_0": 2}}` bounds) in this build's form.
  static func upgraded(_ tree: Any) -> Any {
    guard var object = JSONFormat.snakeCased(tree) as? [String: Any] else { return tree }
    if var vectorizer = object["vectorizer"] as? [String: Any], vectorizer["counting"] == nil {
      var counting: [String: Any] = [:]
      var weighting: [String: Any] = [:]
      for key in [
        "tokenizer", "min_document_frequency", "max_document_frequency", "max_features", "binary",
      ] {
        counting[key] = vectorizer.removeValue(forKey: key)
      }
      for key in ["norm", "use_idf", "smooth_idf", "sublinear_tf"] {
        weighting[key] = vectorizer.removeValue(forKey: key)
      }
      vectorizer["counting"] = counting
      vectorizer["weighting"] = weighting
      object["vectorizer"] = vectorizer
    }
    return object
  }
}
