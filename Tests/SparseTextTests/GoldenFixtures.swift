import Foundation

/// Locates and decodes the committed golden files under `Tests/Golden/`.
enum GoldenFixtures {
  static var root: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("Golden")
  }

  static func load<T: Decodable>(_ type: T.Type, _ path: String) throws -> T {
    let data = try Data(contentsOf: root.appendingPathComponent(path))
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return try decoder.decode(T.self, from: data)
  }
}

/// A CSR matrix as the golden scripts write it.
struct GoldenCSR: Decodable {
  let shape: [Int]
  let indptr: [Int64]
  let indices: [Int32]
  let data: [Double]
}
