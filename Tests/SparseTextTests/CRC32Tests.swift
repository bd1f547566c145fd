import CKernels
import SparseText
import Testing

/// `sparsetext_crc32`, whose implementation depends on the processor (carry-less
/// multiplication folding on x86-64, the CRC32 instructions on ARM, tables elsewhere), against
/// zlib's values and a bit-at-a-time CRC written from the definition, for every short length and
/// alignment, long inputs, and checksums continued across calls.
@Suite struct CRC32Tests {
  /// ZIP's CRC-32 one bit at a time: the reflected polynomial 0xEDB88320, the register
  /// inverted before and after, continuing from `crc`.
  static func reference(_ crc: UInt32, _ bytes: ArraySlice<UInt8>) -> UInt32 {
    var c = ~crc
    for byte in bytes {
      c ^= UInt32(byte)
      for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    }
    return ~c
  }

  /// The C function on `bytes[range]`, continuing from `crc`.
  static func crc32(_ crc: UInt32, _ bytes: [UInt8], _ range: Range<Int>) -> UInt32 {
    bytes.withUnsafeBufferPointer { buffer in
      sparsetext_crc32(crc, buffer.baseAddress.map { $0 + range.lowerBound }, range.count)
    }
  }

  static func crc32(_ crc: UInt32, _ bytes: [UInt8]) -> UInt32 {
    crc32(crc, bytes, 0..<bytes.count)
  }

  static func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
  }

  /// The check value of the CRC catalogues, an empty input (which leaves any start as it is)
  /// and values from zlib's `crc32`, two of them long enough for the fast paths.
  @Test func knownValues() {
    #expect(Self.crc32(0, Array("123456789".utf8)) == 0xCBF4_3926)
    #expect(Self.crc32(0, []) == 0)
    #expect(Self.crc32(0x1234_5678, []) == 0x1234_5678)
    let fox = Array("The quick brown fox jumps over the lazy dog".utf8)
    #expect(Self.crc32(0, fox) == 0x414F_A339)
    #expect(Self.crc32(0, [UInt8](repeating: 0xFF, count: 1_000)) == 0xE053_3230)
    #expect(Self.crc32(0, [UInt8](repeating: 0, count: 1 << 20)) == 0xA738_EA1C)
    let pattern = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
    #expect(Self.crc32(0, pattern) == 0x6B59_3EDB)
  }

  /// Every length up to 600 bytes (the short table path, the fast path's threshold and the bytes
  /// it leaves before a 16-byte boundary and after its last 16 bytes) at all 16 alignments,
  /// each from a random starting value.
  @Test func everyShortLengthAtEveryAlignment() {
    let bytes = Self.randomBytes(600 + 16, seed: 32)
    var generator = SeededGenerator(seed: 33)
    var mismatches: [String] = []
    for offset in 0..<16 {
      for length in 0...600 {
        let start = UInt32(truncatingIfNeeded: generator.next())
        let range = offset..<(offset + length)
        let expected = Self.reference(start, bytes[range])
        if Self.crc32(start, bytes, range) != expected {
          mismatches.append("offset \(offset) length \(length) start \(start)")
        }
      }
    }
    // The first few only, so that a failure prints a readable message.
    let first = Array(mismatches.prefix(10))
    #expect(first.isEmpty, "\(mismatches.count) mismatches")
  }

  /// Inputs of a few megabytes, as the ZIP writer checksums, at several alignments, with the
  /// starting values where every register bit is clear or set.
  @Test(arguments: [
    (0, 1 << 20, UInt32(0)), (1, 3_000_017, 0xFFFF_FFFF), (15, 4_194_301, 0x9E37_79B9),
  ])
  func longInputs(offset: Int, length: Int, start: UInt32) {
    let bytes = Self.randomBytes(offset + length, seed: UInt64(length))
    let range = offset..<(offset + length)
    #expect(Self.crc32(start, bytes, range) == Self.reference(start, bytes[range]))
  }

  /// The checksum of a whole is that of its first part continued over the rest, wherever the
  /// split falls: at every position of the first 2,000 bytes and then every 997 bytes of
  /// 200,000, and also across three parts.
  @Test func continuesAcrossCalls() {
    let count = 200_000
    let bytes = Self.randomBytes(count, seed: 34)
    let whole = Self.crc32(0, bytes)
    #expect(whole == Self.reference(0, bytes[...]))
    var splits = Array(0...2_000) + Array(stride(from: 2_001, through: count, by: 997))
    splits.append(count)
    var mismatches: [Int] = []
    for split in splits {
      let first = Self.crc32(0, bytes, 0..<split)
      if Self.crc32(first, bytes, split..<count) != whole { mismatches.append(split) }
    }
    let firstSplits = Array(mismatches.prefix(10))
    #expect(firstSplits.isEmpty, "\(mismatches.count) mismatches")
    var generator = SeededGenerator(seed: 35)
    for _ in 0..<200 {
      let a = Int(generator.next() % UInt64(count + 1))
      let b = Int(generator.next() % UInt64(count + 1))
      let (low, high) = (min(a, b), max(a, b))
      var crc = Self.crc32(0, bytes, 0..<low)
      crc = Self.crc32(crc, bytes, low..<high)
      #expect(Self.crc32(crc, bytes, high..<count) == whole)
    }
  }
}
