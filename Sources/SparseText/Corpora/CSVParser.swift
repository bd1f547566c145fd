/// RFC 4180 records over bytes: quoted fields with doubled quotes, embedded newlines, CRLF, LF or
/// lone CR record ends, and lone CRs inside quoted fields.
struct CSVParser {
  /// One record: its fields as byte ranges into the buffer, with quotes still doubled where
  /// `needsUnescape` says so.
  struct Record {
    var fields: [(range: Range<Int>, quoted: Bool)] = []
    var line = 1
    var byteOffset = 0
  }

  let bytes: UnsafeBufferPointer<UInt8>
  let delimiter: UInt8
  private(set) var position = 0
  private(set) var line = 1

  init(bytes: UnsafeBufferPointer<UInt8>, delimiter: UInt8) {
    self.bytes = bytes
    self.delimiter = delimiter
    if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { position = 3 }
  }

  /// The next record, `nil` at the end; throws on an unterminated quoted field.
  mutating func next(into record: inout Record, file: String) throws -> Bool {
    let n = bytes.count
    guard position < n else { return false }
    record.fields.removeAll(keepingCapacity: true)
    record.line = line
    record.byteOffset = position
    while true {
      // One field.
      if position < n && bytes[position] == 0x22 {
        let openLine = line
        let openOffset = position
        position += 1
        let start = position
        var end = -1
        while position < n {
          let b = bytes[position]
          if b == 0x22 {
            if position + 1 < n && bytes[position + 1] == 0x22 {
              position += 2
              continue
            }
            end = position
            position += 1
            break
          }
          if b == 0x0A { line += 1 }
          position += 1
        }
        guard end >= 0 else {
          throw DataError.malformedRecord(
            file: file, line: openLine, column: record.fields.count + 1, byteOffset: openOffset,
            reason: "a quoted field is never closed (missing \")")
        }
        // Stray bytes between the closing quote and the delimiter are ignored.
        while position < n && bytes[position] != delimiter && bytes[position] != 0x0A
          && bytes[position] != 0x0D
        {
          position += 1
        }
        record.fields.append((start..<end, true))
      } else {
        let start = position
        while position < n && bytes[position] != delimiter && bytes[position] != 0x0A
          && bytes[position] != 0x0D
        {
          position += 1
        }
        record.fields.append((start..<position, false))
      }
      // After a field: delimiter, record end or end of input.
      if position >= n { return true }
      let b = bytes[position]
      if b == delimiter {
        position += 1
        continue
      }
      if b == 0x0D {
        position += 1
        if position < n && bytes[position] == 0x0A { position += 1 }
      } else {
        position += 1
      }
      line += 1
      return true
    }
  }

  /// The bytes of a field with doubled quotes undone.
  func fieldBytes(_ field: (range: Range<Int>, quoted: Bool)) -> [UInt8] {
    let slice = bytes[field.range]
    guard field.quoted, slice.contains(0x22) else { return Array(slice) }
    var out: [UInt8] = []
    out.reserveCapacity(slice.count)
    var skip = false
    for b in slice {
      if skip {
        skip = false
        continue
      }
      out.append(b)
      if b == 0x22 { skip = true }
    }
    return out
  }
}
