/// RFC 4180 records over bytes: quoted fields with doubled quotes, embedded newlines, CRLF, LF or
/// lone CR record ends, and lone CRs inside quoted fields. Reads a ``ChunkedInput``: a record
/// that runs past the window's end is parsed again once more input is in.
struct CSVParser {
  /// One record: its fields as absolute byte ranges into the input, with quotes still doubled
  /// where `quoted` says so.
  struct Record {
    var fields: [(range: Range<Int>, quoted: Bool)] = []
    var line = 1
    var byteOffset = 0
  }

  let input: ChunkedInput
  let delimiter: UInt8
  private(set) var position = 0
  private(set) var line = 1

  init(input: ChunkedInput, delimiter: UInt8) throws {
    self.input = input
    self.delimiter = delimiter
    position = try input.skipByteOrderMark()
  }

  /// The next record, `nil` at the end; throws on an unterminated quoted field.
  mutating func next(into record: inout Record, file: String) throws -> Bool {
    while true {
      if position >= input.end {
        if input.atEnd { return false }
        try input.refill(keepingFrom: position, line: line)
        continue
      }
      record.fields.removeAll(keepingCapacity: true)
      record.line = line
      record.byteOffset = position
      let outcome = parse(input.window, into: &record)
      switch outcome {
      case .complete(let end, let lines):
        try input.checkRecord(position..<end, line: line)
        position = end
        line += lines
        return true
      case .needsMore:
        try input.refill(keepingFrom: position, line: line)
      case .unclosedQuote(let openLine, let column, let offset):
        throw DataError.malformedRecord(
          file: file, line: openLine, column: column, byteOffset: offset,
          reason: "a quoted field is never closed (missing \")")
      }
    }
  }

  private enum Outcome {
    case complete(end: Int, lines: Int)
    case needsMore
    case unclosedQuote(line: Int, column: Int, offset: Int)
  }

  /// One record from `position`, within the window; positions in `record` are absolute.
  private func parse(_ window: UnsafeBufferPointer<UInt8>, into record: inout Record) -> Outcome {
    let base = input.base
    let n = input.count
    let final = input.atEnd
    var at = position - base
    var lines = 0
    while true {
      // One field.
      if at < n && window[at] == 0x22 {
        let openLine = line + lines
        let openOffset = at
        at += 1
        let start = at
        var end = -1
        while at < n {
          let b = window[at]
          if b == 0x22 {
            if at + 1 < n && window[at + 1] == 0x22 {
              at += 2
              continue
            }
            if at + 1 >= n && !final { return .needsMore }
            end = at
            at += 1
            break
          }
          if b == 0x0A { lines += 1 }
          at += 1
        }
        guard end >= 0 else {
          if !final { return .needsMore }
          return .unclosedQuote(
            line: openLine, column: record.fields.count + 1, offset: base + openOffset)
        }
        // Stray bytes between the closing quote and the delimiter are ignored.
        while at < n && window[at] != delimiter && window[at] != 0x0A && window[at] != 0x0D {
          at += 1
        }
        record.fields.append(((base + start)..<(base + end), true))
      } else {
        let start = at
        while at < n && window[at] != delimiter && window[at] != 0x0A && window[at] != 0x0D {
          at += 1
        }
        record.fields.append(((base + start)..<(base + at), false))
      }
      // After a field: delimiter, record end or end of input.
      if at >= n { return final ? .complete(end: base + at, lines: lines) : .needsMore }
      let b = window[at]
      if b == delimiter {
        at += 1
        continue
      }
      if b == 0x0D {
        at += 1
        if at >= n && !final { return .needsMore }
        if at < n && window[at] == 0x0A { at += 1 }
      } else {
        at += 1
      }
      return .complete(end: base + at, lines: lines + 1)
    }
  }

  /// The bytes of a field with doubled quotes undone.
  func fieldBytes(_ field: (range: Range<Int>, quoted: Bool)) -> [UInt8] {
    input.withBytes(field.range) { slice in
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
}
