import CKernels
import Foundation

@testable import SparseText

/// A ZIP of deflated members whose contents are some bytes followed by many zeros, written by
/// hand (fixed-Huffman deflate: the bytes as literals, the zeros as copies of 258 bytes at
/// distance 1, about 160 : 1), for tests of archives that declare far more than their size.
enum DeflatedZIP {
  struct Member {
    var name: String
    var prefix: [UInt8]
    var zeros: Int
  }

  /// The `.npy` bytes of a 1-D array of `count` elements of `descriptor`, before its data.
  static func npyHeader(descriptor: String, count: Int) -> [UInt8] {
    [UInt8](NumPyArray.header(descriptor: descriptor, shape: [count]))
  }

  static func write(_ members: [Member], to url: URL) throws {
    var file: [UInt8] = []
    var central: [UInt8] = []
    for member in members {
      let compressed = deflate(member.prefix, zeros: member.zeros)
      let size = member.prefix.count + member.zeros
      var crc = member.prefix.withUnsafeBufferPointer {
        sparsetext_crc32(0, $0.baseAddress, $0.count)
      }
      let zeros = [UInt8](repeating: 0, count: 1 << 16)
      var left = member.zeros
      while left > 0 {
        let piece = min(left, zeros.count)
        crc = zeros.withUnsafeBufferPointer { sparsetext_crc32(crc, $0.baseAddress, piece) }
        left -= piece
      }
      let name = Array(member.name.utf8)
      let offset = file.count
      // Local file header.
      append(UInt32(0x0403_4B50), &file)
      append(UInt16(20), &file)
      append(UInt16(0), &file)
      append(UInt16(8), &file)
      append(UInt32(0), &file)
      append(crc, &file)
      append(UInt32(compressed.count), &file)
      append(UInt32(size), &file)
      append(UInt16(name.count), &file)
      append(UInt16(0), &file)
      file += name + compressed
      // Central directory entry.
      append(UInt32(0x0201_4B50), &central)
      append(UInt16(20), &central)
      append(UInt16(20), &central)
      append(UInt16(0), &central)
      append(UInt16(8), &central)
      append(UInt32(0), &central)
      append(crc, &central)
      append(UInt32(compressed.count), &central)
      append(UInt32(size), &central)
      append(UInt16(name.count), &central)
      append(UInt16(0), &central)
      append(UInt16(0), &central)
      append(UInt16(0), &central)
      append(UInt16(0), &central)
      append(UInt32(0), &central)
      append(UInt32(offset), &central)
      central += name
    }
    let centralOffset = file.count
    file += central
    append(UInt32(0x0605_4B50), &file)
    append(UInt16(0), &file)
    append(UInt16(0), &file)
    append(UInt16(members.count), &file)
    append(UInt16(members.count), &file)
    append(UInt32(central.count), &file)
    append(UInt32(centralOffset), &file)
    append(UInt16(0), &file)
    try Data(file).write(to: url)
  }

  private static func append<T: FixedWidthInteger>(_ value: T, _ bytes: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
  }

  /// One fixed-Huffman block: `prefix` as literals, then `zeros` zero bytes.
  static func deflate(_ prefix: [UInt8], zeros: Int) -> [UInt8] {
    var out: [UInt8] = []
    var buffer: UInt64 = 0
    var bits = 0
    func put(_ value: UInt32, _ count: Int) {  // least significant bit first
      buffer |= UInt64(value) << UInt64(bits)
      bits += count
      while bits >= 8 {
        out.append(UInt8(truncatingIfNeeded: buffer))
        buffer >>= 8
        bits -= 8
      }
    }
    func code(_ value: UInt32, _ count: Int) {  // Huffman codes go most significant bit first
      var reversed: UInt32 = 0
      for k in 0..<count where value & (1 << UInt32(k)) != 0 {
        reversed |= 1 << UInt32(count - 1 - k)
      }
      put(reversed, count)
    }
    func literal(_ byte: UInt8) {
      if byte < 144 {
        code(0x30 + UInt32(byte), 8)
      } else {
        code(0x190 + UInt32(byte) - 144, 9)
      }
    }
    put(1, 1)  // the last block
    put(1, 2)  // fixed Huffman codes
    for byte in prefix { literal(byte) }
    var left = zeros
    if left > 0 {
      literal(0)
      left -= 1
    }
    // Copies of the zero just written.
    while left >= 258 {
      code(0xC5, 8)  // length 258 (code 285)
      code(0, 5)  // distance 1
      left -= 258
    }
    for _ in 0..<left { literal(0) }
    code(0, 7)  // end of block
    if bits > 0 { out.append(UInt8(truncatingIfNeeded: buffer)) }
    return out
  }
}
