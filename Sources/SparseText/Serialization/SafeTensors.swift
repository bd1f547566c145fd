import Foundation

/// The safetensors format: an 8-byte little-endian header length, a JSON header naming each
/// tensor's dtype, shape and byte range, then the raw little-endian data. Python's
/// `safetensors.numpy.load_file` reads what ``write(_:metadata:to:)`` writes.
///
/// Reading is defensive: the header length, every offset and every shape are checked against
/// the file before anything is allocated, so a truncated or hostile file gives a
/// ``ModelFormatError`` rather than a crash or a giant allocation.
package enum SafeTensors {
  /// The largest header accepted (100 MB, as the reference implementation).
  package static let headerLimit = 100_000_000

  /// Writes F32 tensors (sorted by name) and string metadata, atomically.
  package static func write(
    _ tensors: [String: Tensor], metadata: [String: String] = [:], to url: URL
  )
    throws
  {
    try AtomicFile.write(encode(tensors, metadata: metadata), to: url)
  }

  /// The bytes of a safetensors file.
  package static func encode(_ tensors: [String: Tensor], metadata: [String: String] = [:]) -> Data
  {
    let names = tensors.keys.sorted()
    let entries = names.map { name in
      HeaderEntry(
        name: name, dtype: "F32", shape: tensors[name]!.shape,
        byteCount: tensors[name]!.values.count * 4)
    }
    var data = header(entries, metadata: metadata)
    data.reserveCapacity(data.count + entries.reduce(0) { $0 + $1.byteCount })
    for name in names {
      tensors[name]!.values.withUnsafeBytes { data.append(contentsOf: $0) }
    }
    return data
  }

  /// One tensor of a safetensors header: its data follows the previous entry's.
  struct HeaderEntry {
    var name: String
    /// The safetensors type name: `F32`, `F64`, `I32`, `I64`, …
    var dtype: String
    var shape: [Int]
    var byteCount: Int
  }

  /// The 8-byte length and the JSON header of a safetensors file whose tensors are `entries`,
  /// stored one after the other in that order. The JSON is padded with spaces so the data
  /// starts 8-byte aligned and the whole header (length included) is at least `minimumSize`
  /// bytes: streaming writers reserve a fixed size and rewrite it once the shape is known.
  static func header(
    _ entries: [HeaderEntry], metadata: [String: String], minimumSize: Int = 0
  ) -> Data {
    var object: [String: Any] = [:]
    if !metadata.isEmpty { object["__metadata__"] = metadata }
    var offset = 0
    for entry in entries {
      object[entry.name] = [
        "dtype": entry.dtype, "shape": entry.shape,
        "data_offsets": [offset, offset + entry.byteCount],
      ]
      offset += entry.byteCount
    }
    // Dictionaries of strings, numbers and arrays always serialize.
    // swift-format-ignore: NeverUseForceTry
    var json = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    while (8 + json.count) % 8 != 0 || 8 + json.count < minimumSize { json.append(0x20) }
    var data = Data()
    withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
    data.append(json)
    return data
  }

  /// Reads every tensor (F32, F64, F16, BF16, I64 and I32 are converted to Float) and the
  /// metadata; with `dtype`, every tensor must be stored as that type (a model's are `F32`).
  package static func read(from url: URL, dtype: String? = nil) throws -> (
    tensors: [String: Tensor], metadata: [String: String]
  ) {
    let data: Data
    do {
      data = try Data(contentsOf: url, options: .mappedIfSafe)
    } catch {
      throw ModelFormatError.missingFile(file: url.path)
    }
    return try decode(data, file: url.path, dtype: dtype)
  }

  /// ``read(from:dtype:)``, and the checksum (`crc32:` and eight hex digits) of the data: every
  /// byte after the header.
  package static func readChecksummed(from url: URL, dtype: String? = nil) throws -> (
    tensors: [String: Tensor], metadata: [String: String], dataChecksum: String
  ) {
    let data: Data
    do {
      data = try Data(contentsOf: url, options: .mappedIfSafe)
    } catch {
      throw ModelFormatError.missingFile(file: url.path)
    }
    let (tensors, metadata) = try decode(data, file: url.path, dtype: dtype)
    // decode checked that the header length is within the file.
    let headerEnd =
      8 + data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
    let checksum = data.withUnsafeBytes {
      Digest.crc32Text(Digest.crc32(UnsafeRawBufferPointer(rebasing: $0[headerEnd...])))
    }
    return (tensors, metadata, checksum)
  }

  /// The checksum of the data ``encode(_:metadata:)`` writes after the header for `tensors`:
  /// `crc32:` and eight hex digits.
  package static func dataChecksum(_ tensors: [String: Tensor]) -> String {
    var crc: UInt32 = 0
    for name in tensors.keys.sorted() {
      crc = tensors[name]!.values.withUnsafeBytes { Digest.crc32($0, continuing: crc) }
    }
    return Digest.crc32Text(crc)
  }

  /// Decodes safetensors bytes; `file` names the source in errors.
  ///
  /// Checks the format's invariants before converting anything: the header is a JSON object of
  /// well-formed entries, every tensor's byte range matches its dtype and shape, and the ranges
  /// cover the data exactly, one after another, with no gap, overlap or trailing byte (as the
  /// reference implementation requires). With `dtype`, every tensor must be stored as that type.
  package static func decode(_ data: Data, file: String, dtype required: String? = nil) throws -> (
    tensors: [String: Tensor], metadata: [String: String]
  ) {
    guard data.count >= 8 else {
      throw ModelFormatError.truncated(file: file, expected: 8, actual: data.count)
    }
    let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) {
      $0 | UInt64($1.element) << (8 * UInt64($1.offset))
    }
    guard headerLength <= UInt64(headerLimit) else {
      throw ModelFormatError.oversized(
        file: file, limit: headerLimit, actual: Int(clamping: headerLength))
    }
    let headerEnd = 8 + Int(headerLength)
    guard headerEnd <= data.count else {
      throw ModelFormatError.truncated(file: file, expected: headerEnd, actual: data.count)
    }
    let start = data.startIndex
    guard
      let header = try? JSONSerialization.jsonObject(
        with: data[(start + 8)..<(start + headerEnd)]) as? [String: Any]
    else {
      throw ModelFormatError.corrupt(file: file, reason: "the header is not a JSON object")
    }
    let payload = data.count - headerEnd
    var metadata: [String: String] = [:]
    var tensors: [String: Tensor] = [:]
    var entries: [(name: String, dtype: String, shape: [Int], count: Int, begin: Int, end: Int)] =
      []
    for (name, value) in header {
      if name == "__metadata__" {
        guard let dictionary = value as? [String: String] else {
          throw ModelFormatError.corrupt(
            file: file, reason: "__metadata__ must map strings to strings")
        }
        metadata = dictionary
        continue
      }
      guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
        let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int],
        offsets.count == 2
      else {
        throw ModelFormatError.corrupt(file: file, reason: "tensor '\(name)' has a malformed entry")
      }
      if let required, dtype != required {
        throw ModelFormatError.corrupt(
          file: file,
          reason: "tensor '\(name)' is stored as \(dtype); every tensor here is \(required)")
      }
      let itemSize: Int
      switch dtype {
      case "F32", "I32": itemSize = 4
      case "F64", "I64": itemSize = 8
      case "F16", "BF16": itemSize = 2
      default:
        throw ModelFormatError.corrupt(
          file: file, reason: "tensor '\(name)' has unsupported dtype \(dtype)")
      }
      var count = 1
      for dimension in shape {
        let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
        guard dimension >= 0, !overflow else {
          throw ModelFormatError.corrupt(file: file, reason: "tensor '\(name)' has shape \(shape)")
        }
        count = product
      }
      let (begin, end) = (offsets[0], offsets[1])
      let (bytes, overflow) = count.multipliedReportingOverflow(by: itemSize)
      guard !overflow, begin >= 0, end >= begin, end - begin == bytes else {
        throw ModelFormatError.corrupt(
          file: file, reason: "tensor '\(name)': offsets \(offsets) do not match shape \(shape)")
      }
      guard end <= payload else {
        throw ModelFormatError.truncated(file: file, expected: headerEnd + end, actual: data.count)
      }
      entries.append((name, dtype, shape, count, begin, end))
    }
    // The ranges tile the data: each starts where the one before ends, the last ends the file.
    entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
    var covered = 0
    for (k, entry) in entries.enumerated() {
      guard entry.begin == covered else {
        throw ModelFormatError.corrupt(
          file: file,
          reason: entry.begin < covered
            ? "tensors '\(entries[k - 1].name)' and '\(entry.name)' overlap"
            : "data bytes \(covered)..<\(entry.begin) belong to no tensor")
      }
      covered = entry.end
    }
    guard covered == payload else {
      throw ModelFormatError.corrupt(
        file: file,
        reason:
          "\(payload - covered) bytes follow the last tensor's data; the header accounts for \(covered) of \(payload)"
      )
    }
    // Converted to Float, every tensor together: at most twice the file (F16), checked anyway.
    try MemoryBudget.check(
      Double(entries.reduce(0) { $0 + $1.count }) * 4, for: "the tensors of '\(file)'",
      suggestion: "Check that the file is what it should be.")
    let base = start + headerEnd
    for entry in entries {
      let (name, dtype, count) = (entry.name, entry.dtype, entry.count)
      let slice = data[(base + entry.begin)..<(base + entry.end)]
      let values: [Float] = slice.withUnsafeBytes { raw in
        switch dtype {
        case "F32":
          return (0..<count).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) }
        case "F64":
          return (0..<count).map {
            Float(raw.loadUnaligned(fromByteOffset: $0 * 8, as: Double.self))
          }
        case "I32":
          return (0..<count).map {
            Float(raw.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self))
          }
        case "I64":
          return (0..<count).map {
            Float(raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self))
          }
        case "BF16":
          return (0..<count).map {
            Float(
              bitPattern: UInt32(raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self)) << 16)
          }
        default:
          #if arch(arm64)
            return (0..<count).map {
              Float(Float16(bitPattern: raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self)))
            }
          #else
            return (0..<count).map {
              halfToFloat(raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self))
            }
          #endif
        }
      }
      tensors[name] = try Tensor(shape: entry.shape, values: values)
    }
    return (tensors, metadata)
  }

  static func halfToFloat(_ bits: UInt16) -> Float {
    let sign = UInt32(bits & 0x8000) << 16
    let exponent = Int((bits >> 10) & 0x1F)
    let mantissa = UInt32(bits & 0x3FF)
    if exponent == 0 {
      return Float(sign == 0 ? 1 : -1) * Float(mantissa) * pow(2, -24)
    }
    if exponent == 31 {
      return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
    }
    return Float(bitPattern: sign | UInt32(exponent + 112) << 23 | (mantissa << 13))
  }
}
