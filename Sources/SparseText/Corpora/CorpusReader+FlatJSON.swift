/// A fast path for the common JSON line: one flat object whose values are all strings
/// (`{"id":"0","label":"negative","text":"…"}`). Such a line is read without building a
/// Foundation object graph (the general parser took two fifths of `vectorize`'s time on a JSONL
/// corpus); anything else — numbers, arrays, nesting, dotted field paths, a missing field, a
/// syntax error — goes to the general parser, which gives the same documents and the errors.
extension CorpusReader {
  /// The document of `line` when it is a flat object of strings holding the fields asked for,
  /// else `nil`.
  func flatJSONDocument(_ line: String, index: Int, lineNumber: Int) -> LabeledDocument? {
    let textField = options.textField
    let labelField = options.labelField
    let idField = options.idField
    // Byte scans: `String.contains(_: String)` is Foundation's, and costs more than the parse.
    func isPlain(_ field: String) -> Bool {
      !field.isEmpty && !field.utf8.contains(UInt8(ascii: "."))
    }
    guard isPlain(textField), isPlain(labelField), isPlain(idField ?? "id") else { return nil }
    var text: String?
    var label: String?
    var id: String?
    var copy = line
    let parsed = copy.withUTF8 { bytes -> Bool in
      var parser = FlatJSONParser(bytes: bytes)
      return parser.forEachField { key, value in
        // Later duplicates win, as in the general parser.
        if key == textField { text = value }
        if key == labelField { label = value }
        if key == idField { id = value }
      }
    }
    guard parsed, let text, idField == nil || id != nil else { return nil }
    return LabeledDocument(
      id: id ?? String(index), text: text, labels: label.map { [$0] } ?? [], line: lineNumber)
  }
}

/// Reads one JSON object whose values are all strings (RFC 8259), or gives up.
private struct FlatJSONParser {
  let bytes: UnsafeBufferPointer<UInt8>
  var position = 0
  var scratch: [UInt8] = []

  init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

  mutating func skipSpace() {
    while position < bytes.count,
      bytes[position] == 0x20 || bytes[position] == 0x09 || bytes[position] == 0x0A
        || bytes[position] == 0x0D
    {
      position += 1
    }
  }

  mutating func take(_ byte: UInt8) -> Bool {
    skipSpace()
    guard position < bytes.count, bytes[position] == byte else { return false }
    position += 1
    return true
  }

  /// Calls `body` with each key and value; `false` when the line is not such an object.
  mutating func forEachField(_ body: (String, String) -> Void) -> Bool {
    guard take(UInt8(ascii: "{")) else { return false }
    if take(UInt8(ascii: "}")) { return atEnd() }
    while true {
      skipSpace()
      guard let key = string(), take(UInt8(ascii: ":")) else { return false }
      skipSpace()
      guard let value = string() else { return false }
      body(key, value)
      if take(UInt8(ascii: "}")) { return atEnd() }
      guard take(UInt8(ascii: ",")) else { return false }
    }
  }

  mutating func atEnd() -> Bool {
    skipSpace()
    return position == bytes.count
  }

  /// A string at the position, unescaped; `nil` when there is none or it is malformed.
  mutating func string() -> String? {
    guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { return nil }
    position += 1
    let start = position
    // Plain strings (no escapes) are copied straight from the line.
    while position < bytes.count {
      let b = bytes[position]
      if b == UInt8(ascii: "\"") {
        let text = String(
          decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        position += 1
        return text
      }
      if b == UInt8(ascii: "\\") { break }
      if b < 0x20 { return nil }
      position += 1
    }
    scratch.removeAll(keepingCapacity: true)
    scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<position]))
    // Anything malformed (a lone surrogate included) is left to the general parser.
    guard JSONString.unescape(bytes, from: &position, into: &scratch) == nil else { return nil }
    return String(decoding: scratch, as: UTF8.self)
  }
}
