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

  /// One field two encoded values disagree on: its path (keys joined by dots, as in a
  /// bundle's config.json) and its JSON text on each side, `nil` where it is absent or null.
  package struct Difference: Equatable, Sendable {
    package var path: String
    package var old: String?
    package var new: String?
  }

  /// The fields `old` and `new` disagree on, encoded with ``encoder(pretty:)`` and compared
  /// object by object, in key order.
  package static func differences<T: Encodable>(_ old: T, _ new: T) throws -> [Difference] {
    let encoder = encoder(pretty: false)
    let a = try JSONSerialization.jsonObject(with: encoder.encode(old), options: .fragmentsAllowed)
    let b = try JSONSerialization.jsonObject(with: encoder.encode(new), options: .fragmentsAllowed)
    var differences: [Difference] = []
    compare(a, b, path: "", into: &differences)
    return differences
  }

  private static func compare(_ a: Any?, _ b: Any?, path: String, into out: inout [Difference]) {
    if let a = a as? [String: Any], let b = b as? [String: Any] {
      for key in Set(a.keys).union(b.keys).sorted() {
        compare(a[key], b[key], path: path.isEmpty ? key : path + "." + key, into: &out)
      }
      return
    }
    func text(_ value: Any?) -> String? {
      guard let value, !(value is NSNull) else { return nil }
      return (try? line(object: value)) ?? "\(value)"
    }
    let old = text(a)
    let new = text(b)
    if old != new { out.append(Difference(path: path, old: old, new: new)) }
  }

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
