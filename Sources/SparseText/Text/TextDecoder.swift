/// Turns bytes into text: UTF-8 (invalid bytes become U+FFFD and are counted, or are an error in
/// strict mode), Windows-1252 or Latin-1. A leading UTF-8 byte-order mark is dropped.
///
/// Apps choose the encoding of a corpus with ``CorpusReader/Options/encoding``, which decodes
/// every document this way.
public struct TextDecoder: Sendable {
  /// A text encoding.
  public enum Encoding: String, Codable, Sendable, CaseIterable {
    /// UTF-8; invalid bytes are replaced (or rejected when strict).
    case utf8 = "utf-8"
    /// Each document as UTF-8 when it is valid, otherwise as Latin-1 (how the reference numbers
    /// for the default corpora decoded them).
    case utf8OrLatin1 = "utf-8-or-latin-1"
    /// Windows-1252 (the usual "ANSI" code page; bytes 0x80–0x9F are typographic characters).
    case windows1252 = "windows-1252"
    /// ISO-8859-1: every byte is the code point of the same value.
    case latin1 = "latin-1"
  }

  /// The first bytes that did not decode, and how many replacements were made.
  package struct Problems: Sendable, Equatable {
    /// Number of U+FFFD replacements made.
    package var replacements: Int = 0
    /// 1-based line of the first problem, within the decoded unit.
    package var firstLine: Int?
    /// Byte offset of the first problem, within the decoded unit.
    package var firstByteOffset: Int?
  }

  /// The encoding.
  package let encoding: Encoding
  /// Throw instead of replacing invalid UTF-8.
  package let strict: Bool

  /// Creates a decoder.
  package init(encoding: Encoding = .utf8, strict: Bool = false) {
    self.encoding = encoding
    self.strict = strict
  }

  /// Decodes `bytes`. `file`, `line` and `byteOffset` locate the bytes in their file, for
  /// error messages; `problems` collects replacements.
  package func decode(
    _ bytes: UnsafeBufferPointer<UInt8>, file: String = "<input>", line: Int = 1,
    byteOffset: Int = 0, problems: inout Problems
  ) throws -> String {
    var body = bytes
    if body.count >= 3, body[0] == 0xEF, body[1] == 0xBB, body[2] == 0xBF {
      body = UnsafeBufferPointer(rebasing: body[3...])
    }
    switch encoding {
    case .latin1:
      return TextDecoder.latin1(body)
    case .windows1252:
      return String(
        String.UnicodeScalarView(
          body.map { b in
            b >= 0x80 && b < 0xA0
              ? Unicode.Scalar(TextDecoder.windows1252High[Int(b - 0x80)])! : Unicode.Scalar(b)
          }))
    case .utf8, .utf8OrLatin1:
      guard let bad = TextDecoder.firstInvalidUTF8(body) else {
        return String(decoding: body, as: UTF8.self)
      }
      if encoding == .utf8OrLatin1 { return TextDecoder.latin1(body) }
      let lineOfBad = line + body[..<bad].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
      let offset = byteOffset + bad + (bytes.count - body.count)
      if strict {
        throw DataError.invalidEncoding(
          file: file, line: lineOfBad, byteOffset: offset, encoding: "UTF-8")
      }
      let text = String(decoding: body, as: UTF8.self)
      let before = TextDecoder.countReplacementCharacters(body)
      let after = text.unicodeScalars.reduce(0) { $0 + ($1.value == 0xFFFD ? 1 : 0) }
      if problems.firstLine == nil {
        problems.firstLine = lineOfBad
        problems.firstByteOffset = offset
      }
      problems.replacements += after - before
      return text
    }
  }

  /// Decodes `bytes`, ignoring the problem report.
  package func decode(_ bytes: [UInt8]) throws -> String {
    var problems = Problems()
    return try bytes.withUnsafeBufferPointer { try decode($0, problems: &problems) }
  }

  /// Latin-1 bytes as a string: each byte is the code point of its value, written straight as
  /// UTF-8 (one byte below 0x80, two from there).
  static func latin1(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
    let high = bytes.reduce(0) { $0 + Int($1 >> 7) }
    return String(unsafeUninitializedCapacity: bytes.count + high) { out in
      var k = 0
      for b in bytes {
        if b < 0x80 {
          out[k] = b
          k += 1
        } else {
          out[k] = 0xC0 | (b >> 6)
          out[k + 1] = 0x80 | (b & 0x3F)
          k += 2
        }
      }
      return k
    }
  }

  /// The offset of the first byte that is not part of valid UTF-8, or `nil` when all are.
  package static func firstInvalidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
    var i = 0
    let n = bytes.count
    guard let base = bytes.baseAddress else { return nil }
    let raw = UnsafeRawPointer(base)
    while i < n {
      while i + 8 <= n
        && raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0
      {
        i += 8
      }
      guard i < n else { break }
      let b0 = bytes[i]
      if b0 < 0x80 {
        i += 1
        continue
      }
      let length: Int
      var lower: UInt8 = 0x80
      var upper: UInt8 = 0xBF
      switch b0 {
      case 0xC2...0xDF: length = 2
      case 0xE0:
        length = 3
        lower = 0xA0
      case 0xE1...0xEC, 0xEE...0xEF: length = 3
      case 0xED:
        length = 3
        upper = 0x9F
      case 0xF0:
        length = 4
        lower = 0x90
      case 0xF1...0xF3: length = 4
      case 0xF4:
        length = 4
        upper = 0x8F
      default: return i
      }
      guard i + length <= n else { return i }
      let b1 = bytes[i + 1]
      guard b1 >= lower && b1 <= upper else { return i }
      for k in 2..<max(2, length) where bytes[i + k] & 0xC0 != 0x80 { return i }
      i += length
    }
    return nil
  }

  static func countReplacementCharacters(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
    var count = 0
    var i = 0
    while i + 2 < bytes.count {
      if bytes[i] == 0xEF && bytes[i + 1] == 0xBF && bytes[i + 2] == 0xBD {
        count += 1
        i += 3
      } else {
        i += 1
      }
    }
    return count
  }

  /// Windows-1252's 0x80–0x9F; the five undefined bytes map to the C1 controls of the same value.
  static let windows1252High: [UInt32] = [
    0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039,
    0x0152, 0x8D, 0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
  ]
}
