import Foundation
import Testing

@testable import SparseText

/// Reading in blocks passes valid UTF-8 straight from the input into the block; everything
/// else goes through the decoder and the general parsers. Either way the blocks must hold what
/// reading document by document gives.
@Suite struct DocumentBlockTests {
  /// Lines that take each path: flat and nested JSON, escapes, invalid UTF-8, byte order marks
  /// at the start of a line, keys that are not ASCII, several labels, CRLF and blank lines.
  static let inputs: [(name: String, bytes: [UInt8], skips: Bool)] = [
    (
      "t.jsonl",
      lines([
        #"{"id":"7","label":"neg","text":"plain text"}"#,
        #" { "text" : "caf\u00e9 \ud83d\ude00 \"q\" \\ / \n\t" , "label" : "pos" } "#,
        #"{"text":"no label"}"#,
        #"{"text":"number label","label":3}"#,
        #"{"text":"several","label":["a","b"],"extra":{"nested":true}}"#,
        #"{"text":"first","text":"second","label":"x","label":"y"}"#,
        #"{"t\u0065xt":"escaped key","label":"k"}"#,
        #"{"tëxt":"not this","text":"non-ASCII key","label":"k"}"#,
        "",
        #"{"text":"ünïcödé ok","label":"ü"}"#,
      ]) + Array(#"{"text":"bad "#.utf8) + [0xFF, 0xE9] + Array(#" bytes","label":"b"}"#.utf8)
        + [0x0A, 0xEF, 0xBB, 0xBF] + Array("{\"text\":\"after a mark\"}\r\n".utf8)
        + Array(#"{"text":"trailing comma",}"#.utf8) + [0x0A] + Array(#"[1,2]"#.utf8) + [0x0A],
      true
    ),
    (
      "t.txt",
      lines(["plain line", "", "  spaced  ", "ünïcödé"]) + Array("crlf line\r\n".utf8)
        + Array("bad ".utf8) + [0xC3, 0x28] + [0x0A] + [0xEF, 0xBB, 0xBF] + Array("marked\n".utf8),
      false
    ),
    (
      "t.ft",
      lines([
        "__label__pos good", "__label__neg __label__x two labels", "__label__ü ünï",
        "no label here", "__label__pos",
      ]) + Array("__label__b bad ".utf8) + [0xFF] + [0x0A] + Array("__label__".utf8)
        + [0xEF, 0xBB, 0xBF] + Array("m marked label\n".utf8) + Array("__label__c ".utf8)
        + [0xEF, 0xBB, 0xBF] + Array("marked text\r\n".utf8),
      false
    ),
    (
      "t.csv",
      Array("text,label\n\"a, b\",pos\nplain,neg\n\"multi\nline\",x\n".utf8) + Array("bad ".utf8)
        + [0xFF] + Array(",y\n".utf8),
      false
    ),
  ]

  static func lines(_ lines: [String]) -> [UInt8] {
    Array(lines.map { $0 + "\n" }.joined().utf8)
  }

  @Test(arguments: 0..<inputs.count, TextDecoder.Encoding.allCases)
  func blocksHoldWhatDocumentsHold(_ input: Int, _ encoding: TextDecoder.Encoding) throws {
    let (name, bytes, skips) = Self.inputs[input]
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-blocks-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    let reader = CorpusReader(
      contentsOf: url,
      options: .init(encoding: encoding, onBadRecord: skips ? .skip : .error))
    let (documents, report) = try reader.readAll()
    #expect(documents.count >= 4)
    for blockBytes in [1, 9, 1 << 20] {
      for keepsLabels in [false, true] {
        var texts: [String] = []
        var labels: [String?] = []
        var blocks = 0
        let blockReport = try reader.forEachBlock(
          blockBytes: blockBytes, keepsLabels: keepsLabels
        ) { block in
          blocks += 1
          #expect(block.labels.count == (keepsLabels ? block.count : 0))
          for d in 0..<block.count {
            texts.append(block.withUTF8(at: d) { String(decoding: $0, as: UTF8.self) })
            #expect(block.utf8Count(at: d) == texts.last!.utf8.count)
          }
          labels.append(contentsOf: block.labels)
        }
        #expect(texts == documents.map(\.text), "\(name) \(encoding) \(blockBytes)")
        if keepsLabels { #expect(labels == documents.map(\.label)) }
        #expect(blockReport == report)
        // One byte a block: every document with text ends one.
        let nonEmpty = documents.filter { !$0.text.isEmpty }.count
        #expect(blockBytes != 1 || (blocks >= nonEmpty && blocks <= documents.count))
      }
    }
  }

  /// The flat-line fast path and the general parser agree on the JSON inputs above, and the
  /// expected documents are read (not skipped) when they should be.
  @Test func jsonLinesAreReadAsExpected() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-blocks-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("t.jsonl")
    try Data(Self.inputs[0].bytes).write(to: url)
    let (documents, report) = try CorpusReader(contentsOf: url, options: .init(onBadRecord: .skip))
      .readAll()
    #expect(
      documents.map(\.text) == [
        "plain text", "café 😀 \"q\" \\ / \n\t", "no label", "number label", "several", "second",
        "escaped key", "non-ASCII key", "ünïcödé ok", "bad \u{FFFD}\u{FFFD} bytes", "after a mark",
        // Foundation's JSON parser allows a trailing comma.
        "trailing comma",
      ])
    #expect(
      documents.map(\.labels) == [
        ["neg"], ["pos"], [], ["3"], ["a", "b"], ["y"], ["k"], ["k"], ["ü"], ["b"], [], [],
      ])
    #expect(report.skippedRecords == 1 && report.replacedBytes == 2)
  }

  /// The eight-bytes-at-a-time scan for the end of a JSON string's plain run finds the same
  /// byte as a byte-by-byte scan, wherever the quote, backslash or control byte falls and
  /// whatever bytes (high ones, 0x21, 0x23, 0x5B, 0x5D, 0x1F, 0x20) surround it.
  @Test func plainRunsEndWhereAByteScanSaysTheyDo() {
    var generator = SeededGenerator(seed: 9)
    let alphabet: [UInt8] = [0x61, 0x20, 0x21, 0x23, 0x5B, 0x5D, 0x7F, 0x80, 0xC3, 0xFF, 0x01]
    let specials: [UInt8] = [0x22, 0x5C, 0x1F, 0x00, 0x0A]
    for _ in 0..<3_000 {
      let length = Int(generator.next() % 40)
      var bytes = (0..<length).map { _ in alphabet[Int(generator.next() % 11)] }
      for _ in 0..<Int(generator.next() % 3) where length > 0 {
        bytes[Int(generator.next() % UInt64(length))] = specials[Int(generator.next() % 5)]
      }
      let start = length == 0 ? 0 : Int(generator.next() % UInt64(length))
      let expected =
        bytes[start...].firstIndex { $0 == 0x22 || $0 == 0x5C || $0 < 0x20 } ?? bytes.count
      bytes.withUnsafeBufferPointer { buffer in
        #expect(JSONString.endOfPlainRun(buffer, from: start) == expected, "\(bytes) \(start)")
      }
    }
  }

  /// Fitting from a reader's blocks gives the matrix and vocabulary of fitting the documents
  /// read one by one.
  @Test func fittingFromBlocksEqualsFittingDocuments() throws {
    var generator = SeededGenerator(seed: 5)
    let words = ["alpha", "beta", "gamma", "delta", "café", "naïve", "x"]
    var lines: [String] = []
    for _ in 0..<400 {
      let length = 1 + Int(generator.next() % 30)
      let text = (0..<length).map { _ in words[Int(generator.next() % 7)] }.joined(separator: " ")
      lines.append(#"{"text":"\#(text)","label":"\#(generator.next() % 3)"}"#)
    }
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-blocks-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("fit.jsonl")
    try Data(Self.lines(lines)).write(to: url)
    let reader = CorpusReader(contentsOf: url)
    var configuration = TfidfVectorizer.Configuration()
    configuration.counting.tokenizer = .sklearn
    configuration.counting.tokenizer.ngrams = 1...2
    configuration.counting.minDocumentFrequency = .count(2)
    let (expected, features) = try TfidfVectorizer.fitTransform(
      reader.readAll().documents.map(\.text), configuration: configuration)
    let (fitted, blockFeatures) = try TfidfVectorizer.fitTransform(
      configuration: configuration,
      readBlocks: { add in
        try reader.forEachBlock(blockBytes: 1000, keepsLabels: false) { add($0) }
      })
    #expect(fitted.vocabulary.terms == expected.vocabulary.terms)
    #expect(blockFeatures.rowOffsets == features.rowOffsets)
    #expect(blockFeatures.columnIndices == features.columnIndices)
    #expect(blockFeatures.values == features.values)
    #expect(features.rows == 400 && features.columns > 7)
  }
}
