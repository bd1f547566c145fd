import Foundation
import SparseText
import Testing

/// The README's "Use as a library" example, through the public API only. The code between the
/// `README example` markers is the README's first block of that section, line for line
/// (`DocumentationExampleTests` checks it), with the bundle written to a temporary folder
/// instead of `model` in the working directory.
@Suite struct ReadmeExampleTests {
  @Test func libraryExampleRuns() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-readme-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    // README example begin: library
    let documents = ["the striker scored a late goal", "shares fell as the bank cut rates"]
    let pipeline = try TextFeaturePipeline(
      fitting: documents, labels: ["sport", "business"],
      configuration: .init(
        vectorizer: .init(), autoencoder: .init(hiddenUnits: 2, epochs: 50, batchSize: 2)))
    try pipeline.write(to: directory.appendingPathComponent("model"))  // the CLI's bundle
    let loaded = try TextFeaturePipeline(contentsOf: directory.appendingPathComponent("model"))
    let vectors: DenseMatrix = try loaded.embeddings(for: ["a goal in the cup final"])
    let label = try loaded.predict(["rates and shares"])
    // README example end
    #expect(vectors.rows == 1 && vectors.columns == 2)
    // "rates" and "shares" occur only in the business document.
    #expect(label == ["business"])
    #expect(try loaded.predict(documents) == ["sport", "business"])
    #expect(try loaded.embeddings(for: documents) == pipeline.embeddings(for: documents))
  }
}

/// Code in the README and the DocC articles is the code the tests run: each documented block
/// must equal a marked region of a test, so an edit to either shows up here.
@Suite struct DocumentationExampleTests {
  static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  static let root = tests.deletingLastPathComponent().deletingLastPathComponent()

  /// The ```swift blocks of `file` (after `heading`, when given), as lines.
  static func swiftBlocks(_ file: URL, after heading: String? = nil) throws -> [[String]] {
    var text = try String(contentsOf: file, encoding: .utf8)
    if let heading, let start = text.range(of: "\n" + heading + "\n") {
      text = String(text[start.upperBound...])
      if let next = text.range(of: "\n## ") { text = String(text[..<next.lowerBound]) }
    }
    var blocks: [[String]] = []
    var current: [String]?
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      if current == nil, line.hasPrefix("```swift") {
        current = []
      } else if current != nil, line.hasPrefix("```") {
        blocks.append(current!)
        current = nil
      } else {
        current?.append(String(line))
      }
    }
    return blocks
  }

  /// The lines between `// README example begin: name` and `// README example end` in a test
  /// file.
  static func region(_ name: String, in file: String) throws -> [String] {
    let text = try String(contentsOf: tests.appendingPathComponent(file), encoding: .utf8)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let begin = try #require(
      lines.firstIndex { $0.hasSuffix("// README example begin: \(name)") }, "\(name) in \(file)")
    let end = try #require(lines[begin...].firstIndex { $0.hasSuffix("// README example end") })
    return Array(lines[(begin + 1)..<end])
  }

  /// Lines compared without indentation, blank lines or the spacing before a comment.
  static func normalized(_ lines: [String]) -> [String] {
    lines.map { line in
      line.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
    .filter { !$0.isEmpty && $0 != "import SparseText" }
  }

  @Test func readmeLibraryExamplesAreTheTestedCode() throws {
    let blocks = try Self.swiftBlocks(
      Self.root.appendingPathComponent("README.md"), after: "## Use as a library")
    try #require(blocks.count == 2)
    let tested = try Self.region("library", in: "ReadmeExampleTests.swift").map {
      $0.replacingOccurrences(
        of: "directory.appendingPathComponent(\"model\")", with: "URL(fileURLWithPath: \"model\")")
    }
    #expect(Self.normalized(blocks[0]) == Self.normalized(tested))
    let async = try Self.region("async", in: "TextFeaturePipelineAsyncTests.swift")
    #expect(Self.normalized(blocks[1]) == Self.normalized(async))
  }

  @Test func gettingStartedAsyncExampleIsTheTestedCode() throws {
    let blocks = try Self.swiftBlocks(
      Self.root.appendingPathComponent("Sources/SparseText/Documentation.docc/GettingStarted.md"))
    let block = try #require(
      blocks.first { $0.contains { $0.contains("TextFeaturePipeline.fit(") } })
    let tested = try Self.region("getting started", in: "TextFeaturePipelineAsyncTests.swift")
    #expect(Self.normalized(block) == Self.normalized(tested))
  }
}
