import Foundation
import SparseText
import Testing

/// The README's "Use as a library" example, through the public API only. The code between the
/// `README example` markers, after this file's imports, is the README's first block of that
/// section, line for line (`DocumentationExampleTests` checks it), with the bundle written to a
/// temporary folder instead of `model` in the working directory. This file imports what the
/// README's block imports and nothing else but Testing: imports are per file, so the block
/// compiles in a fresh file of its own.
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
  /// file (a path relative to this folder).
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
    .filter { !$0.isEmpty }
  }

  /// The code of `lines` as one string of words, wherever its lines break.
  static func flattened(_ lines: [String]) -> String {
    normalized(lines).joined(separator: " ").replacingOccurrences(of: "( ", with: "(")
  }

  /// The import lines of a test file (a path relative to this folder), but Testing's.
  static func imports(of file: String) throws -> [String] {
    try String(contentsOf: tests.appendingPathComponent(file), encoding: .utf8)
      .split(separator: "\n").map(String.init)
      .filter { $0.hasPrefix("import ") || $0.hasPrefix("@testable import ") }
      .filter { $0 != "import Testing" }
  }

  /// `code` with the tests' temporary folder written as the documentation's working directory.
  static func inWorkingDirectory(_ code: [String]) -> [String] {
    code.map {
      $0.replacingOccurrences(
        of: #"directory\.appendingPathComponent\(("[^"]*")\)"#,
        with: "URL(fileURLWithPath: $1)", options: .regularExpression)
    }
  }

  @Test func readmeLibraryExamplesAreTheTestedCode() throws {
    let blocks = try Self.swiftBlocks(
      Self.root.appendingPathComponent("README.md"), after: "## Use as a library")
    try #require(blocks.count == 2)
    // The block's imports are exactly the tested file's: what it needs, it imports.
    let tested =
      try Self.imports(of: "ReadmeExampleTests.swift")
      + Self.inWorkingDirectory(try Self.region("library", in: "ReadmeExampleTests.swift"))
    #expect(Self.normalized(blocks[0]) == Self.normalized(tested))
    let async = try Self.region("async", in: "TextFeaturePipelineAsyncTests.swift")
    #expect(Self.normalized(blocks[1]) == Self.normalized(async))
  }

  /// The version is written once, in `SparseTextVersion.library`; the changelog's newest entry
  /// names it.
  @Test func changelogNamesTheLibraryVersion() throws {
    let text = try String(
      contentsOf: Self.root.appendingPathComponent("CHANGELOG.md"), encoding: .utf8)
    let newest = try #require(text.split(separator: "\n").first { $0.hasPrefix("## ") })
    #expect(newest.hasPrefix("## \(SparseTextVersion.library) "), "\(newest)")
  }

  /// Steps 1 to 4 of the DocC article are `GettingStartedTests`' code (which also runs the
  /// command line the article names and compares the bundles); step 1 holds the imports, which
  /// are that file's only ones.
  @Test func gettingStartedStepsAreTheTestedCode() throws {
    let blocks = try Self.swiftBlocks(
      Self.root.appendingPathComponent("Sources/SparseText/Documentation.docc/GettingStarted.md"))
    let file = "../SparseTextCLITests/GettingStartedTests.swift"
    let imports = try Self.region("getting started imports", in: file)
    #expect(
      Self.normalized(imports) == Self.normalized(try Self.imports(of: file)),
      "GettingStartedTests.swift imports more than the article")
    // Block 0 is the Package.swift excerpt; blocks 1 to 4 are the steps.
    try #require(blocks.count >= 5)
    for step in 1...4 {
      var tested = Self.inWorkingDirectory(try Self.region("getting started \(step)", in: file))
      if step == 1 { tested = imports + tested }
      #expect(Self.flattened(blocks[step]) == Self.flattened(tested), "step \(step)")
    }
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
