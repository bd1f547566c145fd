import Foundation

/// NumPy's `.npy` format (version 1.0, or 2.0 for large headers): a little-endian array in C
/// order behind a small text header.
package enum NumPyArray {
  /// The element types this library reads and writes.
  package enum ElementType: String, Sendable {
    case float32 = "<f4"
    case float64 = "<f8"
    case int32 = "<i4"
    case int64 = "<i8"

    var size: Int {
      switch self {
      case .float32, .int32: return 4
      case .float64, .int64: return 8
      }
    }
  }

  /// A decoded array: shape, element type and raw little-endian bytes.
  package struct Decoded: Sendable {
    /// The shape, outermost first.
    package let shape: [Int]
    /// The element type.
    package let elementType: ElementType
    /// `shape.reduce(1, *) × elementType.size` bytes.
    package let bytes: Data

    /// The elements as Float (float64 and integers are converted).
    package func floats() -> [Float] {
      switch elementType {
      case .float32: return load(Float.self)
      case .float64: return load(Double.self).map { Float($0) }
      case .int32: return load(Int32.self).map { Float($0) }
      case .int64: return load(Int64.self).map { Float($0) }
      }
    }

    /// The elements as Int64 (floats are truncated).
    package func integers() -> [Int64] {
      switch elementType {
      case .float32: return load(Float.self).map { Int64($0) }
      case .float64: return load(Double.self).map { Int64($0) }
      case .int32: return load(Int32.self).map { Int64($0) }
      case .int64: return load(Int64.self)
      }
    }

    private func load<T>(_: T.Type) -> [T] {
      let count = bytes.count / MemoryLayout<T>.size
      return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
        _ = bytes.copyBytes(to: buffer)
        initialized = count
      }
    }
  }

  /// Encodes an array of `shape` from raw little-endian element bytes.
  package static func encode(shape: [Int], elementType: ElementType, bytes: Data) -> Data {
    encode(shape: shape, descriptor: elementType.rawValue, bytes: bytes)
  }

  /// Encodes an array whose NumPy type descriptor is `descriptor` (e.g. `<U3`).
  static func encode(shape: [Int], descriptor: String, bytes: Data) -> Data {
    header(descriptor: descriptor, shape: shape) + bytes
  }

  /// The `.npy` header of an array: magic, version, length and the dictionary, padded with
  /// spaces so the data starts at a multiple of 64 bytes and at `minimumLength` or later
  /// (a header of fixed length can be rewritten in place once the shape is known).
  static func header(descriptor: String, shape: [Int], minimumLength: Int = 0) -> Data {
    let shapeText: String
    switch shape.count {
    case 0: shapeText = "()"
    case 1: shapeText = "(\(shape[0]),)"
    default: shapeText = "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }
    var header =
      "{'descr': '\(descriptor)', 'fortran_order': False, 'shape': \(shapeText), }"
    let preamble = 10
    let unpadded = preamble + header.utf8.count + 1
    let length = max(minimumLength, unpadded + (64 - unpadded % 64) % 64)
    header += String(repeating: " ", count: length - unpadded) + "\n"
    var data = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59])  // \x93NUMPY
    if header.utf8.count <= 65_535 {
      data.append(contentsOf: [1, 0])
      let length = UInt16(header.utf8.count)
      data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
    } else {
      data.append(contentsOf: [2, 0])
      let length = UInt32(header.utf8.count + 2)
      header += "  "
      withUnsafeBytes(of: length.littleEndian) { data.append(contentsOf: $0) }
    }
    data.append(contentsOf: header.utf8)
    return data
  }

  /// Encodes Float32 values.
  package static func encode(shape: [Int], floats: [Float]) -> Data {
    encode(shape: shape, elementType: .float32, bytes: floats.withUnsafeBytes { Data($0) })
  }

  /// Encodes Int64 values.
  package static func encode(shape: [Int], integers: [Int64]) -> Data {
    encode(shape: shape, elementType: .int64, bytes: integers.withUnsafeBytes { Data($0) })
  }

  /// Encodes Int32 values.
  package static func encode(shape: [Int], integers: [Int32]) -> Data {
    encode(shape: shape, elementType: .int32, bytes: integers.withUnsafeBytes { Data($0) })
  }

  /// Writes a dense matrix as a float32 `.npy` file, atomically.
  package static func write(_ matrix: DenseMatrix, to url: URL) throws {
    try AtomicFile.write(
      encode(shape: [matrix.rows, matrix.columns], floats: matrix.values), to: url)
  }

  static func readFile(_ url: URL) throws -> Data {
    do {
      return try Data(contentsOf: url, options: .mappedIfSafe)
    } catch {
      throw DataError.unreadableFile(file: url.path, reason: error.localizedDescription)
    }
  }

  /// A `.npy` header: what the data that follows it holds.
  package struct Header: Sendable, Equatable {
    /// The element type.
    package let elementType: ElementType
    /// The shape, outermost first.
    package let shape: [Int]
    /// The number of elements (the product of the shape).
    package let count: Int
    /// The number of data bytes: `count × elementType.size`.
    package let byteCount: Int
    /// Where the data starts: the header's length, magic included.
    package let dataOffset: Int
  }

  /// The largest header accepted (NumPy's own limit is 10,000 bytes by default).
  static let headerLimit = 1 << 20

  /// Parses the header at the start of `bytes`, checking every field; `nil` when `bytes` ends
  /// before the header does (more is needed).
  package static func header(in bytes: some Collection<UInt8>, file: String) throws -> Header? {
    let prefix = Array(bytes.prefix(12))
    guard prefix.count >= 10 else {
      if !prefix.isEmpty,
        !prefix.elementsEqual([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59].prefix(prefix.count))
      {
        throw ModelFormatError.corrupt(file: file, reason: "not a NumPy .npy file (bad magic)")
      }
      return nil
    }
    guard prefix[0] == 0x93, prefix[1...5].elementsEqual("NUMPY".utf8) else {
      throw ModelFormatError.corrupt(file: file, reason: "not a NumPy .npy file (bad magic)")
    }
    let major = prefix[6]
    let headerLength: Int
    let headerStart: Int
    switch major {
    case 1:
      headerLength = Int(prefix[8]) | Int(prefix[9]) << 8
      headerStart = 10
    case 2, 3:
      guard prefix.count >= 12 else { return nil }
      headerLength =
        Int(prefix[8]) | Int(prefix[9]) << 8 | Int(prefix[10]) << 16 | Int(prefix[11]) << 24
      headerStart = 12
    default:
      throw ModelFormatError.unsupportedVersion(
        file: file, found: "\(major).\(prefix[7])", supported: "1.0, 2.0 and 3.0")
    }
    guard headerLength <= headerLimit else {
      throw ModelFormatError.oversized(file: file, limit: headerLimit, actual: headerLength)
    }
    guard bytes.count >= headerStart + headerLength else { return nil }
    let header = String(
      decoding: bytes.dropFirst(headerStart).prefix(headerLength), as: UTF8.self)
    guard let descr = value(of: "descr", in: header),
      let type = ElementType(
        rawValue: descr.trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
      )
    else {
      throw ModelFormatError.corrupt(
        file: file,
        reason:
          "unsupported element type in header \(header.prefix(80)); use float32, float64, int32 or int64"
      )
    }
    if let fortran = value(of: "fortran_order", in: header), fortran.hasPrefix("True") {
      throw ModelFormatError.corrupt(
        file: file,
        reason: "Fortran-ordered arrays are not supported; save with np.ascontiguousarray")
    }
    guard let shapeText = value(of: "shape", in: header),
      let shape = parseShape(shapeText)
    else {
      throw ModelFormatError.corrupt(file: file, reason: "cannot read the shape in the header")
    }
    var count = 1
    for dimension in shape {
      let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
      guard !overflow, dimension >= 0 else {
        throw ModelFormatError.corrupt(file: file, reason: "impossible shape \(shape)")
      }
      count = product
    }
    let (byteCount, overflow) = count.multipliedReportingOverflow(by: type.size)
    guard !overflow else {
      throw ModelFormatError.corrupt(file: file, reason: "impossible shape \(shape)")
    }
    return Header(
      elementType: type, shape: shape, count: count, byteCount: byteCount,
      dataOffset: headerStart + headerLength)
  }

  /// Decodes `.npy` bytes, checking the header against the data length (and the memory the
  /// copy takes against the budget) before the data is copied.
  package static func decode(_ data: Data, file: String) throws -> Decoded {
    guard let header = try header(in: data, file: file) else {
      throw ModelFormatError.truncated(
        file: file, expected: max(10, data.count + 1), actual: data.count)
    }
    let available = data.count - header.dataOffset
    guard header.byteCount <= available else {
      throw ModelFormatError.truncated(
        file: file, expected: header.dataOffset + header.byteCount, actual: data.count)
    }
    // Decoded, then converted: twice the data at most.
    try MemoryBudget.check(
      2 * Double(header.byteCount), for: "the array in '\(file)'",
      suggestion: "Check that the file is what it should be.")
    let payloadStart = data.startIndex + header.dataOffset
    return Decoded(
      shape: header.shape, elementType: header.elementType,
      bytes: Data(data[payloadStart..<(payloadStart + header.byteCount)]))
  }

  private static func value(of key: String, in header: String) -> String? {
    guard let keyRange = header.range(of: "'\(key)':") ?? header.range(of: "\"\(key)\":") else {
      return nil
    }
    let rest = header[keyRange.upperBound...].drop(while: { $0 == " " })
    if rest.first == "(" {
      guard let close = rest.firstIndex(of: ")") else { return nil }
      return String(rest[...close])
    }
    let end = rest.firstIndex(where: { $0 == "," || $0 == "}" }) ?? rest.endIndex
    return String(rest[..<end]).trimmingCharacters(in: .whitespaces)
  }

  private static func parseShape(_ text: String) -> [Int]? {
    guard text.hasPrefix("("), text.hasSuffix(")") else { return nil }
    let inner = text.dropFirst().dropLast()
    var shape: [Int] = []
    for part in inner.split(separator: ",") {
      let trimmed = part.trimmingCharacters(in: .whitespaces)
      if trimmed.isEmpty { continue }
      guard let n = Int(trimmed.hasSuffix("L") ? String(trimmed.dropLast()) : trimmed) else {
        return nil
      }
      shape.append(n)
    }
    return shape
  }
}
