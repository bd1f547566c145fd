#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A fast path for the common JSON line: one flat object whose values are all strings
/// (`{"id":"0","label":"negative","text":"…"}`). Such a line is read from its bytes without
/// building a Foundation object graph or a `String` per field (the general parser took two
/// fifths of `vectorize`'s time on a JSONL corpus); anything else — numbers, arrays, nesting,
/// dotted field paths, a key that is not ASCII, a missing field, a syntax error — goes to the
/// general parser, which gives the same documents and the errors.
extension CorpusReader {
  /// The fields the fast path looks for, or `nil` when the options name one it cannot find
  /// (an empty name, or a dotted path into nested objects).
  func flatJSONFields() -> FlatJSONLine? {
    func plain(_ field: String) -> [UInt8]? {
      field.isEmpty || field.utf8.contains(UInt8(ascii: ".")) ? nil : Array(field.utf8)
    }
    guard let text = plain(options.textField), let label = plain(options.labelField),
      let id = plain(options.idField ?? "id")
    else { return nil }
    return FlatJSONLine(textKey: text, labelKey: label, idKey: options.idField == nil ? nil : id)
  }
}

/// Reads JSON lines that are one object whose values are all strings (RFC 8259), or gives up;
/// reused from line to line, so its buffers are allocated once.
struct FlatJSONLine {
  let textKey: [UInt8]
  let labelKey: [UInt8]
  /// The id field's key, when ids are read from the records.
  let idKey: [UInt8]?

  /// Unescaped keys and values, and each wanted field's value when it had escapes.
  private var key: [UInt8] = []
  private var value: [UInt8] = []
  private var fields: [[UInt8]] = [[], [], []]

  init(textKey: [UInt8], labelKey: [UInt8], idKey: [UInt8]?) {
    self.textKey = textKey
    self.labelKey = labelKey
    self.idKey = idKey
  }

  /// Where a wanted field's value is: a run of the line (it had no escapes) or, unescaped, in
  /// the field's buffer.
  private enum Value {
    case line(Range<Int>)
    case unescaped
  }

  /// Parses `line` and calls `body` with the text, the label and the id (each valid UTF-8 when
  /// the line is; `nil` for a field that is absent), once the whole line has parsed. Returns
  /// `nil` without calling `body` when the line is not such an object, lacks the text field,
  /// or lacks the id field when one is asked for.
  mutating func parse<Result>(
    _ line: UnsafeBufferPointer<UInt8>,
    _ body: (
      _ text: UnsafeBufferPointer<UInt8>, _ label: UnsafeBufferPointer<UInt8>?,
      _ id: UnsafeBufferPointer<UInt8>?
    ) throws -> Result
  ) rethrows -> Result? {
    // Where the text, the label and the id are (also the order of `fields`).
    var found: (text: Value?, label: Value?, id: Value?) = (nil, nil, nil)
    var position = 0
    let n = line.count

    func skipSpace() {
      while position < n,
        line[position] == 0x20 || line[position] == 0x09 || line[position] == 0x0A
          || line[position] == 0x0D
      {
        position += 1
      }
    }
    func take(_ byte: UInt8) -> Bool {
      skipSpace()
      guard position < n, line[position] == byte else { return false }
      position += 1
      return true
    }
    /// Reads a string at `position`: its run of the line when it has no escapes, else `nil`
    /// run and the unescaped bytes in `out`; `false` when there is no well-formed string.
    func string(into out: inout [UInt8]) -> (ok: Bool, run: Range<Int>?) {
      guard position < n, line[position] == UInt8(ascii: "\"") else { return (false, nil) }
      position += 1
      let start = position
      // Plain strings (no escapes) are a run of the line.
      position = JSONString.endOfPlainRun(line, from: position)
      guard position < n else { return (false, nil) }
      if line[position] == UInt8(ascii: "\"") {
        position += 1
        return (true, start..<(position - 1))
      }
      guard line[position] == UInt8(ascii: "\\") else { return (false, nil) }
      out.removeAll(keepingCapacity: true)
      out.append(contentsOf: UnsafeBufferPointer(rebasing: line[start..<position]))
      // Anything malformed (a lone surrogate included) is left to the general parser.
      guard JSONString.unescape(line, from: &position, into: &out) == nil else {
        return (false, nil)
      }
      return (true, nil)
    }

    guard take(UInt8(ascii: "{")) else { return nil }
    if !take(UInt8(ascii: "}")) {
      while true {
        skipSpace()
        let (keyOK, keyRun) = string(into: &key)
        guard keyOK, take(UInt8(ascii: ":")) else { return nil }
        skipSpace()
        let (valueOK, valueRun) = string(into: &value)
        guard valueOK else { return nil }
        // Keys are compared as bytes, which equals comparing them as strings only for ASCII.
        if let keyRun {
          guard !line[keyRun].contains(where: { $0 >= 0x80 }) else { return nil }
        } else {
          guard !key.contains(where: { $0 >= 0x80 }) else { return nil }
        }
        func isKey(_ wanted: [UInt8]) -> Bool {
          guard let keyRun else { return key == wanted }
          return keyRun.count == wanted.count
            && wanted.withUnsafeBufferPointer {
              memcmp(line.baseAddress! + keyRun.lowerBound, $0.baseAddress!, keyRun.count) == 0
            }
        }
        func store(_ field: Int) -> Value {
          guard let valueRun else {
            fields[field].removeAll(keepingCapacity: true)
            fields[field].append(contentsOf: value)
            return .unescaped
          }
          return .line(valueRun)
        }
        // Later duplicates win, as in the general parser.
        if isKey(textKey) { found.text = store(0) }
        if isKey(labelKey) { found.label = store(1) }
        if let idKey, isKey(idKey) { found.id = store(2) }
        if take(UInt8(ascii: "}")) { break }
        guard take(UInt8(ascii: ",")) else { return nil }
      }
    }
    skipSpace()
    guard position == n, found.text != nil, idKey == nil || found.id != nil else { return nil }

    let unescaped = fields
    func withField<R>(
      _ value: Value?, _ field: Int, _ body: (UnsafeBufferPointer<UInt8>?) throws -> R
    ) rethrows -> R {
      switch value {
      case nil: return try body(nil)
      case .line(let run)?: return try body(UnsafeBufferPointer(rebasing: line[run]))
      case .unescaped?: return try unescaped[field].withUnsafeBufferPointer { try body($0) }
      }
    }
    return try withField(found.text, 0) { text in
      try withField(found.label, 1) { label in
        try withField(found.id, 2) { id in try body(text!, label, id) }
      }
    }
  }
}
