import Foundation

/// A pipeline configuration as a JSON file: the `configuration` object of a bundle's
/// `config.json`, which `sparsetext fit --config FILE` reads.
extension TextFeaturePipeline.Configuration {
  /// Reads a configuration from the JSON file at `url`: this build's snake_case form, or the
  /// camelCase form with a flat vectorizer that bundle format versions 1 and 2 held; a whole
  /// bundle `config.json` gives its `configuration` object. The file may be partial: fields it leaves out keep their values in `defaults` (objects merge field
  /// by field; `null` removes an optional stage).
  ///
  /// - Throws: ``ConfigurationError/invalidFile(file:reason:)`` when the file cannot be read or
  ///   is not a pipeline configuration.
  public init(contentsOf url: URL, defaults: Self = .init()) throws {
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      throw ConfigurationError.invalidFile(file: url.path, reason: "it cannot be read")
    }
    guard var tree = try? JSONSerialization.jsonObject(with: data) else {
      throw ConfigurationError.invalidFile(file: url.path, reason: "not valid JSON")
    }
    if let bundle = tree as? [String: Any],
      bundle["format"] as? String == TextFeaturePipeline.formatName,
      let configuration = bundle["configuration"]
    {
      tree = configuration
    }
    do {
      let base = try JSONSerialization.jsonObject(with: JSONFormat.data(defaults, pretty: false))
      let file = Self.isLegacy(tree) ? Self.upgraded(tree) : tree
      let merged = Self.merging(file, over: base)
      self = try JSONFormat.decoder().decode(
        Self.self, from: JSONSerialization.data(withJSONObject: merged))
    } catch let error as DecodingError {
      throw ConfigurationError.invalidFile(
        file: url.path,
        reason: "not a pipeline configuration (\(TextFeaturePipeline.describe(error)))")
    }
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
