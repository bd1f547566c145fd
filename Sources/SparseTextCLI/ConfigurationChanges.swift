import Foundation
import SparseText

/// The fields two configurations disagree on, as `path: old → new` lines (JSON values, keys as
/// in a bundle's config.json), so a command can say which options override a file.
enum ConfigurationChanges {
  static func between<T: Encodable>(_ old: T, _ new: T) throws -> [String] {
    let encoder = JSONFormat.encoder(pretty: false)
    let a = try JSONSerialization.jsonObject(with: encoder.encode(old))
    let b = try JSONSerialization.jsonObject(with: encoder.encode(new))
    var changes: [String] = []
    compare(a, b, path: "", into: &changes)
    return changes
  }

  private static func compare(_ a: Any?, _ b: Any?, path: String, into changes: inout [String]) {
    if let a = a as? [String: Any], let b = b as? [String: Any] {
      for key in Set(a.keys).union(b.keys).sorted() {
        compare(a[key], b[key], path: path.isEmpty ? key : path + "." + key, into: &changes)
      }
      return
    }
    let old = text(a)
    let new = text(b)
    if old != new { changes.append("\(path): \(old) → \(new)") }
  }

  private static func text(_ value: Any?) -> String {
    guard let value, !(value is NSNull) else { return "null" }
    guard let data = try? JSONFormat.data(object: value) else { return "\(value)" }
    return String(decoding: data, as: UTF8.self)
  }
}
