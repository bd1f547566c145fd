import Foundation
import Testing

@testable import SparseText

@Suite struct FlatJSONLinesTests {
  /// Flat lines of strings take the fast path, others the general parser: the documents are
  /// the same either way.
  @Test func fastAndGeneralPathsAgree() throws {
    let lines = [
      #"{"id":"7","label":"neg","text":"plain text"}"#,
      #" { "text" : "caf\u00e9 \ud83d\ude00 \"q\" \\ \/ \n\t" , "label" : "pos" } "#,
      #"{"text":"no label"}"#,
      #"{"text":"number label","label":3}"#,
      #"{"text":"several","label":["a","b"],"extra":{"nested":true}}"#,
      #"{"text":"first","text":"second"}"#,
      #"{"label":"x","text":"null id","id":null}"#,
    ]
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-flat-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let url = directory.appendingPathComponent("t.jsonl")
    try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
    let documents = try CorpusReader(path: url.path).readAll().documents
    #expect(
      documents.map(\.text) == [
        "plain text", "café 😀 \"q\" \\ / \n\t", "no label", "number label", "several", "second",
        "null id",
      ])
    #expect(documents.map(\.labels) == [["neg"], ["pos"], [], ["3"], ["a", "b"], [], ["x"]])
    #expect(documents.map(\.id) == ["0", "1", "2", "3", "4", "5", "6"])
    #expect(documents.map(\.line) == [1, 2, 3, 4, 5, 6, 7])
    // The id field, from flat lines and from the general parser alike.
    let ids = try CorpusReader(path: url.path, options: .init(onBadRecord: .skip, idField: "id"))
      .readAll()
    #expect(ids.documents.map(\.id) == ["7"])
    #expect(ids.report.skippedRecords == 6)
    // The reader's own parse of a flat line.
    let reader = CorpusReader(path: url.path)
    let flat = reader.flatJSONDocument(lines[1], index: 4, lineNumber: 9)
    #expect(flat?.text == "café 😀 \"q\" \\ / \n\t" && flat?.labels == ["pos"] && flat?.id == "4")
    #expect(reader.flatJSONDocument(lines[3], index: 0, lineNumber: 1) == nil)
    #expect(reader.flatJSONDocument(#"{"text":"a\ud800"}"#, index: 0, lineNumber: 1) == nil)
    #expect(reader.flatJSONDocument(#"{"text":"a"} x"#, index: 0, lineNumber: 1) == nil)
  }
}

extension CorpusReader {
  /// The document of `line` when it is a flat object of strings holding the fields asked for,
  /// else `nil`.
  func flatJSONDocument(_ line: String, index: Int, lineNumber: Int) -> LabeledDocument? {
    guard var parser = flatJSONFields() else { return nil }
    var copy = line
    var documents: [LabeledDocument] = []
    var sink = DocumentClosureSink { documents.append($0) }
    let parsed = copy.withUTF8 { bytes in
      // The sink only appends, so nothing here throws.
      try? parser.parse(bytes) { text, label, id in
        try sink.add(text: text, label: label, id: id, index: index, line: lineNumber)
      }
    }
    return parsed == nil ? nil : documents.first
  }
}
