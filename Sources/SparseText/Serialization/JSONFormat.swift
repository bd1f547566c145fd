import Foundation

/// The one JSON setup of every file SparseText writes (bundle `config.json`, `training.json`,
/// `report.json`, summaries on standard output): keys in snake_case, declared by each type's
/// `CodingKeys`, sorted, slashes unescaped, so files diff well and read the same everywhere.
package enum JSONFormat {
  /// An encoder with the shared settings; `pretty` adds indentation and line breaks.
  package static func encoder(pretty: Bool = true) -> JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting =
      pretty
      ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
      : [.sortedKeys, .withoutEscapingSlashes]
    return encoder
  }

  /// `value` encoded with ``encoder(pretty:)``.
  package static func data(_ value: some Encodable, pretty: Bool = true) throws -> Data {
    try encoder(pretty: pretty).encode(value)
  }

  /// A `JSONSerialization` object (dictionaries, arrays, numbers, strings) written with the
  /// same settings as ``encoder(pretty:)``.
  package static func data(object: Any, pretty: Bool = false) throws -> Data {
    try JSONSerialization.data(
      withJSONObject: object,
      options: pretty
        ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed]
        : [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
  }

  /// A `JSONSerialization` object as one line of text.
  package static func line(object: Any) throws -> String {
    String(decoding: try data(object: object), as: UTF8.self)
  }

  /// A decoder for the files ``encoder(pretty:)`` writes.
  package static func decoder() -> JSONDecoder { JSONDecoder() }

  /// `name` in snake_case: `minDocumentFrequency` → `min_document_frequency`, `useIDF` →
  /// `use_idf`, `cValues` → `c_values`; names already in snake_case are unchanged.
  package static func snakeCase(_ name: String) -> String {
    let characters = Array(name)
    var out = ""
    for (i, c) in characters.enumerated() {
      if c.isUppercase, i > 0 {
        let previous = characters[i - 1]
        let nextIsLower = i + 1 < characters.count && characters[i + 1].isLowercase
        if previous.isLowercase || previous.isNumber || (previous.isUppercase && nextIsLower) {
          out.append("_")
        }
      }
      out.append(contentsOf: c.lowercased())
    }
    return out
  }

  /// A JSON tree written by an earlier build, in this build's key style: every object key in
  /// snake_case, and enum payloads written as `{"count": {"_0": 2}}` unwrapped to
  /// `{"count": 2}`. Only for trees whose object keys are all field names (configurations),
  /// never data such as labels.
  package static func snakeCased(_ tree: Any) -> Any {
    if let array = tree as? [Any] { return array.map(snakeCased) }
    guard let object = tree as? [String: Any] else { return tree }
    var out: [String: Any] = [:]
    for (key, value) in object {
      if let payload = value as? [String: Any], payload.count == 1, let only = payload["_0"] {
        out[snakeCase(key)] = snakeCased(only)
      } else {
        out[snakeCase(key)] = snakeCased(value)
      }
    }
    return out
  }

  /// `data` unchanged, or, when its top-level object has the key `marker` (a camelCase key
  /// that only an earlier build wrote), re-encoded through ``snakeCased(_:)``.
  package static func upgradingCamelCase(_ data: Data, marker: String) throws -> Data {
    let tree = try JSONSerialization.jsonObject(with: data)
    guard let object = tree as? [String: Any], object[marker] != nil else { return data }
    return try JSONSerialization.data(withJSONObject: snakeCased(object))
  }
}
