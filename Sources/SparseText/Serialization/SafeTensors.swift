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
  /// metadata.
  package static func read(from url: URL) throws -> (
    tensors: [String: Tensor], metadata: [String: String]
  ) {
    let data: Data
    do {
      data = try Data(contentsOf: url, options: .mappedIfSafe)
    } catch {
      throw ModelFormatError.missingFile(file: url.path)
    }
    return try decode(data, file: url.path)
  }

  /// Decodes safetensors bytes; `file` names the source in errors.
  package static func decode(_ data: Data, file: String) throws -> (
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
    var ranges: [(Int, Int, String)] = []
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
      ranges.append((begin, end, name))
      let base = start + headerEnd
      let slice = data[(base + begin)..<(base + end)]
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
      tensors[name] = try Tensor(shape: shape, values: values)
    }
    ranges.sort { $0.0 < $1.0 }
    for k in 1..<max(1, ranges.count) where ranges[k].0 < ranges[k - 1].1 {
      throw ModelFormatError.corrupt(
        file: file, reason: "tensors '\(ranges[k - 1].2)' and '\(ranges[k].2)' overlap")
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
