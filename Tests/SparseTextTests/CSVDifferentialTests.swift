import Foundation
import Testing

@testable import SparseText

/// The CSV parser against Python's `csv` module (strict mode, `newline=""`), on seeded inputs:
/// RFC 4180 text a writer could produce, and random soups of the bytes that matter to CSV.
/// Python's standard library is all it needs, so it always runs.
@Suite struct CSVDifferentialTests {
  /// The bytes CSV cares about, and a two-byte letter so byte offsets and characters differ.
  static let soup: [String] = ["a", "b", " ", ",", "\"", "\n", "\r", "\r\n", "é", "\"\""]

  /// One seeded input: a well-formed file (even cases) or a byte soup (odd cases).
  static func input(_ index: Int) -> String {
    var generator = SeededGenerator(seed: UInt64(1000 + index))
    func pick(_ n: Int) -> Int { Int(generator.next() % UInt64(n)) }
    if index % 2 == 1 {
      return (0..<pick(40)).map { _ in soup[pick(soup.count)] }.joined()
    }
    let ends = ["\n", "\r\n", "\r"]
    let end = ends[pick(ends.count)]
    var text = ""
    for _ in 0..<(1 + pick(5)) {
      let fields = (0..<(1 + pick(4))).map { _ -> String in
        let raw = (0..<pick(6)).map { _ in soup[pick(soup.count)] }.joined()
        let mustQuote = raw.contains { "\",\n\r".contains($0) }
        if mustQuote || pick(4) == 0 {
          return "\"" + raw.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return raw
      }
      text += fields.joined(separator: ",") + end
    }
    return pick(3) == 0 ? String(text.dropLast(end.count)) : text
  }

  /// Our parser's records, or `nil` when it refuses the input.
  static func ours(_ url: URL, chunkSize: Int) -> [[String]]? {
    do {
      let input = try ChunkedInput(path: url.path, chunkSize: chunkSize)
      var parser = try CSVParser(input: input, delimiter: UInt8(ascii: ","))
      var record = CSVParser.Record()
      var rows: [[String]] = []
      while try parser.next(into: &record, file: url.path) {
        rows.append(
          record.fields.map { String(decoding: parser.fieldBytes($0), as: UTF8.self) })
      }
      return rows
    } catch {
      return nil
    }
  }

  @Test func agreesWithPythonsCSVModule() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-csv-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let count = 400
    var urls: [URL] = []
    for i in 0..<count {
      let url = directory.appendingPathComponent("\(i).csv")
      try Data(Self.input(i).utf8).write(to: url)
      urls.append(url)
    }
    // Python prints one JSON value per file: its rows, or null when strict mode refuses it.
    let script = """
      import csv, json, sys
      for path in sys.argv[1:]:
          try:
              with open(path, newline="", encoding="utf-8") as f:
                  print(json.dumps(list(csv.reader(f, strict=True))))
          except csv.Error:
              print("null")
      """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script] + urls.map(\.path)
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    let lines = output.split(separator: UInt8(ascii: "\n"))
    try #require(lines.count == count)

    var compared = 0
    var refusedByBoth = 0
    for (i, line) in lines.enumerated() {
      let python =
        try JSONSerialization.jsonObject(with: Data(line), options: .fragmentsAllowed)
        as? [[String]]
      let whole = Self.ours(urls[i], chunkSize: 1 << 16)
      // Reading in tiny windows must not change anything.
      #expect(Self.ours(urls[i], chunkSize: 1 + i % 5) == whole, "case \(i), small windows")
      guard let python else {
        // Python's strict mode also refuses text after a closing quote, which we skip; an
        // unclosed quote must be refused by both.
        if whole == nil { refusedByBoth += 1 }
        continue
      }
      // Python reads a blank line as a record with no field, we as one empty field.
      let expected = python.map { $0.isEmpty ? [""] : $0 }
      #expect(whole == expected, "case \(i): \(Self.input(i).debugDescription)")
      compared += 1
    }
    // Every well-formed input is compared, and the soups reach both outcomes.
    #expect(compared >= count / 2)
    #expect(refusedByBoth > 10)
  }
}
