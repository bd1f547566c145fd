import Foundation
import Testing

@testable import SparseText

@Suite struct HardeningTests {
  /// Hashing into more columns than a dense per-worker table can hold (up to 2³¹ − 1) counts
  /// each document by sorting its hits; both ways give the same matrix.
  @Test func sortedColumnCountsMatchDenseCounts() throws {
    let documents = [
      "the goal the match the goal", "", "bank rates bank shares rates rates",
      "alpha beta gamma delta epsilon zeta",
      "goal", String(repeating: "xx yy ", count: 50),
    ]
    let configuration = HashingVectorizer.Configuration(features: 16)
    let tokenizer = try Tokenizer(configuration.tokenizer)
    let column: @Sendable (UnsafeBufferPointer<UInt8>) -> (index: Int, sign: Float)? = {
      HashingVectorizer.column(ofUTF8: $0, configuration: configuration)
    }
    let dense = try TermCounting.countColumns(
      documents, tokenizer: tokenizer, columns: 16, column: column)
    let sorted = try TermCounting.countColumns(
      documents, tokenizer: tokenizer, columns: 16, denseColumnLimit: 0, column: column)
    #expect(dense.nonzeroCount > 10)
    #expect(sorted == dense)
  }

  private func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-unit-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
    return url
  }

  /// The names of the hidden siblings of one output, and only those, are recognized.
  @Test func temporarySiblingNames() {
    #expect(OutputLocation.isTemporary(".x.npz.tmp-123-DEADBEEF", of: "x.npz"))
    #expect(OutputLocation.isTemporary(".x.npz.parts-0A1B2C3D", of: "x.npz"))
    #expect(OutputLocation.isTemporary(".m.old-9-ABCDEF12", of: "m"))
    #expect(!OutputLocation.isTemporary(".x.npz.tmp-123-DEADBEEF", of: "x"))
    #expect(!OutputLocation.isTemporary(".x.tmp-1.tmp-123-DEADBEEF", of: "x"))
    #expect(!OutputLocation.isTemporary(".x.npz.tmp-notours", of: "x.npz"))
    #expect(!OutputLocation.isTemporary(".x.npz.lock", of: "x.npz"))
    let url = URL(fileURLWithPath: "/tmp/some/x.npz")
    let sibling = OutputLocation.sibling(of: url, kind: "tmp")
    #expect(OutputLocation.isTemporary(sibling.lastPathComponent, of: "x.npz"))
  }

  /// A directory is replaced by swapping (Linux: one atomic exchange); nothing else remains.
  @Test func directoryReplacementSwapsAndLeavesNothing() throws {
    let dir = try temporaryDirectory()
    let target = dir.appendingPathComponent("m")
    for version in ["old", "new"] {
      try AtomicFile.writeDirectory(at: target, formats: ["test"], entries: ["config.json"]) {
        try Data("{\"format\": \"test\", \"v\": \"\(version)\"}".utf8).write(
          to: $0.appendingPathComponent("config.json"))
      }
    }
    let text = try String(
      contentsOf: target.appendingPathComponent("config.json"), encoding: .utf8)
    #expect(text.contains("new"))
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["m"])
    #if os(Linux)
      let other = dir.appendingPathComponent("other")
      try FileManager.default.createDirectory(at: other, withIntermediateDirectories: false)
      #expect(AtomicFile.exchange(other, target))
      #expect(
        FileManager.default.fileExists(atPath: other.appendingPathComponent("config.json").path))
      #expect(try FileManager.default.contentsOfDirectory(atPath: target.path).isEmpty)
    #endif
  }

  /// A run killed between the portable swap's two renames leaves `.m.old-*` and no `m`: the
  /// next writer's lock moves the old directory back before anything else.
  @Test func theNextLockRestoresADirectoryMovedAside() throws {
    let dir = try temporaryDirectory()
    let aside = dir.appendingPathComponent(".m.old-99-ABCDEF12")
    try FileManager.default.createDirectory(at: aside, withIntermediateDirectories: false)
    try Data("old".utf8).write(to: aside.appendingPathComponent("config.json"))
    let half = dir.appendingPathComponent(".m.tmp-99-ABCDEF13")
    try FileManager.default.createDirectory(at: half, withIntermediateDirectories: false)
    let lock = try OutputLock(dir.appendingPathComponent("m"))
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == [".m.lock", "m"])
    #expect(try Data(contentsOf: dir.appendingPathComponent("m/config.json")) == Data("old".utf8))
    // Re-entrant within a process; the last release removes the lock file.
    let again = try OutputLock(dir.appendingPathComponent("./m"))
    again.release()
    #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(".m.lock").path))
    lock.release()
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["m"])
  }

  /// Foundation's write errors become messages that name the path and say what to do.
  @Test func foundationErrorsAreTranslated() {
    let full = CocoaError(.fileWriteOutOfSpace)
    let message = "\(OutputError.translating(full, file: "/d/x.npz"))"
    #expect(
      message
        == "cannot write '/d/x.npz': the disk is full. Free some space or write somewhere else; nothing was left at that path."
    )
    let missing = "\(OutputError.translating(CocoaError(.fileNoSuchFile), file: "/nodir/x"))"
    #expect(missing.hasPrefix("cannot write '/nodir/x': its directory does not exist."))
  }
}
