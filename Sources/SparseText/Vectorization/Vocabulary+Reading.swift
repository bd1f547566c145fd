import Foundation

/// Reading a fixed vocabulary (scikit-learn's `vocabulary=`), recognized by its content: the
/// JSON array of a model bundle's `vocabulary.json`, the JSON object ``Vocabulary/jsonObject()``
/// writes, or one term per line.
extension Vocabulary {
  /// The largest vocabulary file read (1 GiB, as a bundle's `vocabulary.json`).
  package static let fileLimit = 1 << 30

  /// Reads a vocabulary file. Its first non-blank byte decides the form: `[` is a JSON array of
  /// terms in column order (a bundle's `vocabulary.json`), `{` a JSON object
  /// `{"term": column, …}`, anything else one term per line (blank lines skipped, a final `\r`
  /// dropped). A file of lines must be text: a NUL byte, another control character or invalid
  /// UTF-8 is refused with its line and byte offset, so binary garbage is never taken for
  /// terms.
  ///
  /// - Throws: ``DataError`` when the file cannot be read, does not parse, is not text, lists a
  ///   term or a column twice, holds an empty term, leaves a column out, or holds no terms.
  package init(contentsOf url: URL) throws {
    let data = try BoundedFile.contents(of: url.path, limit: Self.fileLimit)
    switch data.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) {
    case UInt8(ascii: "{"): try self.init(jsonObject: data, source: url.path)
    case UInt8(ascii: "["): try self.init(jsonArray: data, source: url.path)
    default: try self.init(lines: data, source: url.path)
    }
  }

  /// Parses a JSON array of terms in column order (a bundle's `vocabulary.json`), each term
  /// kept as its own bytes.
  package init(jsonArray data: Data, source: String = "the vocabulary") throws {
    var parser = VocabularyJSONParser(bytes: [UInt8](data), source: source)
    try self.init(checked: try parser.parseArray(), source: source)
  }

  /// Parses the JSON object `{"term": column, …}` that ``jsonObject()`` writes (scikit-learn's
  /// `vocabulary_`): the columns must be 0 to n − 1, each once. Terms are compared as UTF-8
  /// bytes, so canonically equivalent spellings stay distinct terms.
  package init(jsonObject data: Data, source: String = "the vocabulary") throws {
    var parser = VocabularyJSONParser(bytes: [UInt8](data), source: source)
    let pairs = try parser.parseObject()
    var terms = [String?](repeating: nil, count: pairs.count)
    for (term, column) in pairs {
      guard column < pairs.count else {
        throw DataError.invalidVocabulary(
          source: source,
          reason:
            "the term '\(term)' has column \(column), but \(pairs.count) terms take columns 0 to \(pairs.count - 1)"
        )
      }
      if let other = terms[column] {
        throw DataError.invalidVocabulary(
          source: source, reason: "the terms '\(other)' and '\(term)' both have column \(column)")
      }
      terms[column] = term
    }
    try self.init(checked: terms.map { $0! }, source: source)
  }

  /// One term per line, in column order; the bytes must be text (UTF-8 without control
  /// characters other than a tab: a term holding one is written in a JSON form).
  init(lines data: Data, source: String) throws {
    var terms: [String] = []
    let bytes = [UInt8](data)
    var start = 0
    var line = 1
    while start < bytes.count {
      let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
      var contentEnd = end
      if contentEnd > start && bytes[contentEnd - 1] == 0x0D { contentEnd -= 1 }
      let content = bytes[start..<contentEnd]
      if let bad = content.firstIndex(where: { $0 < 0x20 && $0 != 0x09 }) {
        let what = bytes[bad] == 0 ? "a NUL byte" : "the control character \(bytes[bad])"
        throw DataError.invalidVocabulary(
          source: source,
          reason:
            "line \(line), byte offset \(bad): \(what); a vocabulary of lines is text, one term per line (is this a binary file?)"
        )
      }
      let term = content.withUnsafeBufferPointer { String(validating: $0, as: UTF8.self) }
      guard let term else {
        let offset = content.withUnsafeBufferPointer { TextDecoder.firstInvalidUTF8($0) } ?? 0
        throw DataError.invalidVocabulary(
          source: source,
          reason:
            "line \(line), byte offset \(start + offset): invalid UTF-8; a vocabulary is UTF-8 text"
        )
      }
      if !term.isEmpty { terms.append(term) }
      start = end + 1
      line += 1
    }
    try self.init(checked: terms, source: source)
  }

  private init(checked terms: [String], source: String) throws {
    guard !terms.isEmpty else {
      throw DataError.invalidVocabulary(source: source, reason: "it holds no terms")
    }
    if let empty = terms.firstIndex(of: "") {
      throw DataError.invalidVocabulary(
        source: source, reason: "term \(empty) is empty; no document has an empty term")
    }
    do {
      try self.init(terms: terms)
    } catch DataError.invalidVocabulary(_, let reason) {
      throw DataError.invalidVocabulary(source: source, reason: reason)
    }
  }
}

/// A parser for exactly one JSON object of string keys and whole-number values (RFC 8259),
/// keeping every key, in order, as its own bytes.
private struct VocabularyJSONParser {
  let bytes: [UInt8]
  let source: String
  var position = 0

  init(bytes: [UInt8], source: String) {
    self.bytes = bytes
    self.source = source
  }

  func failure(_ what: String) -> DataError {
    let line = bytes[..<min(position, bytes.count)].reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
    return DataError.invalidVocabulary(
      source: source, reason: "line \(line), byte offset \(position): \(what)")
  }

  mutating func skipSpace() {
    while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) {
      position += 1
    }
  }

  mutating func expect(_ byte: UInt8, _ what: String) throws {
    skipSpace()
    guard position < bytes.count, bytes[position] == byte else { throw failure("expected \(what)") }
    position += 1
  }

  mutating func parseObject() throws -> [(String, Int)] {
    var pairs: [(String, Int)] = []
    try expect(UInt8(ascii: "{"), "'{'")
    skipSpace()
    if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
      position += 1
    } else {
      while true {
        skipSpace()
        let term = try parseString()
        try expect(UInt8(ascii: ":"), "':' after a term")
        skipSpace()
        let column = try parseColumn()
        pairs.append((term, column))
        skipSpace()
        guard position < bytes.count else { throw failure("expected ',' or '}'") }
        let byte = bytes[position]
        position += 1
        if byte == UInt8(ascii: "}") { break }
        guard byte == UInt8(ascii: ",") else { throw failure("expected ',' or '}'") }
      }
    }
    skipSpace()
    guard position == bytes.count else { throw failure("unexpected text after the object") }
    return pairs
  }

  /// `[ "term", … ]`, the terms in order.
  mutating func parseArray() throws -> [String] {
    var terms: [String] = []
    try expect(UInt8(ascii: "["), "'['")
    skipSpace()
    if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
      position += 1
    } else {
      while true {
        skipSpace()
        terms.append(try parseString())
        skipSpace()
        guard position < bytes.count else { throw failure("expected ',' or ']'") }
        let byte = bytes[position]
        position += 1
        if byte == UInt8(ascii: "]") { break }
        guard byte == UInt8(ascii: ",") else { throw failure("expected ',' or ']'") }
      }
    }
    skipSpace()
    guard position == bytes.count else { throw failure("unexpected text after the array") }
    return terms
  }

  mutating func parseColumn() throws -> Int {
    var value = 0
    let start = position
    while position < bytes.count, (0x30...0x39).contains(bytes[position]) {
      guard value < Int(Int32.max) else { throw failure("column number too large") }
      value = value * 10 + Int(bytes[position] - 0x30)
      position += 1
    }
    guard position > start else { throw failure("expected a column number (0 or more)") }
    guard position - start == 1 || bytes[start] != 0x30 else {
      throw failure("a column number has no leading zeros")
    }
    return value
  }

  mutating func parseString() throws -> String {
    guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
      throw failure("expected a term in double quotes")
    }
    position += 1
    var out: [UInt8] = []
    var end = position
    let error = bytes.withUnsafeBufferPointer { JSONString.unescape($0, from: &end, into: &out) }
    position = end
    switch error {
    case nil:
      guard let term = String(validating: out, as: UTF8.self) else {
        throw failure("a term is not valid UTF-8")
      }
      return term
    case .unterminated: throw failure("unterminated string")
    case .invalidEscape(let escape):
      throw failure("invalid escape '\\\(Character(Unicode.Scalar(escape)))'")
    case .truncatedUnicodeEscape: throw failure("truncated \\u escape")
    case .invalidUnicodeEscape: throw failure("invalid \\u escape")
    case .loneSurrogate: throw failure("a lone UTF-16 surrogate in a \\u escape")
    case .controlCharacter:
      throw failure("a control character inside a string (write it as an escape)")
    }
  }
}
