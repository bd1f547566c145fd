import Foundation

/// The term-statistics file (`.stats`): compact, exact and read defensively.
///
/// ```text
/// "SPTXSTAT"            8 bytes
/// header length         UInt32, little-endian
/// header                JSON: format, version, library, documents, terms,
///                       tokenizer_digest, tokenizer (the configuration)
/// terms, in increasing byte order, each:
///   byte length         unsigned LEB128
///   bytes               UTF-8
///   document frequency  unsigned LEB128
///   total count         unsigned LEB128
/// ```
extension TermStatistics {
  /// The `format` field of the header.
  package static let formatName = "sparsetext-term-statistics"
  /// The `version` field of the header. Version 2 writes the tokenizer configuration with
  /// snake_case keys (and so has other tokenizer digests than version 1).
  package static let formatVersion = 2
  static let magic = Array("SPTXSTAT".utf8)

  private struct VersionProbe: Decodable {
    var format: String
    var version: Int
  }

  private struct Header: Codable {
    var format: String
    var version: Int
    var library: String
    var documents: Int
    var terms: Int
    var tokenizerDigest: String
    var tokenizer: Tokenizer.Configuration

    enum CodingKeys: String, CodingKey {
      case format, version, library, documents, terms, tokenizer
      case tokenizerDigest = "tokenizer_digest"
    }
  }

  /// The file's bytes.
  package func fileData() throws -> Data {
    let encoder = JSONFormat.encoder(pretty: false)
    let header = try encoder.encode(
      Header(
        format: Self.formatName, version: Self.formatVersion, library: SparseTextVersion.library,
        documents: documents, terms: count, tokenizerDigest: tokenizerDigest,
        tokenizer: tokenizer))
    var out: [UInt8] = Self.magic
    out.reserveCapacity(16 + header.count + count * 8 + offsetsTotal)
    withUnsafeBytes(of: UInt32(header.count).littleEndian) { out.append(contentsOf: $0) }
    out.append(contentsOf: header)
    for i in 0..<count {
      let bytes = termBytes(i)
      Self.appendVarint(UInt64(bytes.count), to: &out)
      out.append(contentsOf: bytes)
      Self.appendVarint(UInt64(documentFrequency[i]), to: &out)
      Self.appendVarint(UInt64(totals[i]), to: &out)
    }
    return Data(out)
  }

  private var offsetsTotal: Int { (0..<count).reduce(0) { $0 + termBytes($1).count } }

  /// Writes the file atomically (a temporary sibling, flushed and renamed into place).
  package func write(to url: URL) throws {
    try AtomicFile.write(fileData(), to: url)
  }

  /// Reads a file written by ``write(to:)``.
  ///
  /// - Throws: ``ModelFormatError`` for a file that is not term statistics, is truncated, or
  ///   holds unsorted, repeated or impossible counts.
  package init(contentsOf url: URL) throws {
    // Read through one descriptor: a device or a pipe is read as what it holds (and named by
    // the system's reason when it cannot be read), never reported in Foundation's words.
    let data = try BoundedFile.contents(of: url.path, limit: MemoryBudget.bytes)
    try self.init(fileData: data, file: url.path)
  }

  /// Parses the bytes of a term-statistics file named `file` (for messages).
  package init(fileData data: Data, file: String) throws {
    let bytes = [UInt8](data)
    func corrupt(_ reason: String) -> ModelFormatError {
      .corrupt(file: file, reason: reason)
    }
    guard bytes.count >= 12, Array(bytes[0..<8]) == Self.magic else {
      throw corrupt("not a sparsetext term-statistics file (it does not start with SPTXSTAT)")
    }
    let headerLength = Int(
      UInt32(bytes[8]) | UInt32(bytes[9]) << 8 | UInt32(bytes[10]) << 16 | UInt32(bytes[11]) << 24)
    guard headerLength <= bytes.count - 12 else {
      throw ModelFormatError.truncated(
        file: file, expected: 12 + headerLength, actual: bytes.count)
    }
    let headerData = Data(bytes[12..<(12 + headerLength)])
    // The format and version first: a file of another version may hold other fields.
    if let probe = try? JSONFormat.decoder().decode(VersionProbe.self, from: headerData) {
      guard probe.format == Self.formatName else {
        throw corrupt("the format is '\(probe.format)', not '\(Self.formatName)'")
      }
      guard probe.version == Self.formatVersion else {
        throw ModelFormatError.unsupportedVersion(
          file: file, found: "\(probe.version)", supported: "\(Self.formatVersion)")
      }
    }
    let header: Header
    do {
      header = try JSONFormat.decoder().decode(Header.self, from: headerData)
    } catch {
      throw corrupt("the header is not valid (\(error))")
    }
    guard header.documents >= 0, header.terms >= 0 else {
      throw corrupt("negative document or term count in the header")
    }
    var position = 12 + headerLength
    func varint() throws -> Int {
      var value: UInt64 = 0
      var shift: UInt64 = 0
      while true {
        guard position < bytes.count else {
          throw ModelFormatError.truncated(file: file, expected: position + 1, actual: bytes.count)
        }
        let byte = bytes[position]
        position += 1
        guard shift < 63 else { throw corrupt("a number is too large at byte \(position)") }
        value |= UInt64(byte & 0x7F) << shift
        if byte & 0x80 == 0 { break }
        shift += 7
      }
      guard value <= UInt64(Int.max) else { throw corrupt("a number is too large") }
      return Int(value)
    }
    // Each term takes at least four bytes, so a header cannot promise more than the file holds.
    guard header.terms <= (bytes.count - position) / 4 else {
      throw ModelFormatError.truncated(
        file: file,
        expected: header.terms > (Int.max - position) / 4 ? Int.max : position + 4 * header.terms,
        actual: bytes.count)
    }
    var arena: [UInt8] = []
    var offsets = [0]
    var df: [Int] = []
    var totals: [Int] = []
    df.reserveCapacity(header.terms)
    totals.reserveCapacity(header.terms)
    offsets.reserveCapacity(header.terms + 1)
    for i in 0..<header.terms {
      let length = try varint()
      guard length > 0 else { throw corrupt("term \(i + 1) is empty") }
      guard length <= bytes.count - position else {
        throw ModelFormatError.truncated(
          file: file, expected: position + length, actual: bytes.count)
      }
      let term = bytes[position..<(position + length)]
      position += length
      guard String(validating: term, as: UTF8.self) != nil else {
        throw corrupt("term \(i + 1) is not valid UTF-8")
      }
      if i > 0 {
        let previous = arena[offsets[i - 1]..<offsets[i]]
        guard previous.lexicographicallyPrecedes(term) else {
          throw corrupt("term \(i + 1) is out of byte order or repeated")
        }
      }
      let d = try varint()
      let t = try varint()
      guard d >= 1, d <= header.documents, t >= d else {
        throw corrupt(
          "term \(i + 1) has document frequency \(d) and total \(t) over \(header.documents) documents"
        )
      }
      arena.append(contentsOf: term)
      offsets.append(arena.count)
      df.append(d)
      totals.append(t)
    }
    guard position == bytes.count else {
      throw corrupt("\(bytes.count - position) unexpected byte(s) after the last term")
    }
    self.init(
      tokenizer: header.tokenizer, digest: header.tokenizerDigest, documents: header.documents,
      arena: arena, offsets: offsets, documentFrequency: df, totals: totals)
  }

  private static func appendVarint(_ value: UInt64, to out: inout [UInt8]) {
    var value = value
    while value >= 0x80 {
      out.append(UInt8(value & 0x7F) | 0x80)
      value >>= 7
    }
    out.append(UInt8(value))
  }
}
