import Foundation
import SparseText
import Testing

/// Issue 24 item 4: the outputs of one run are put in place together. Each test runs a command
/// once to have earlier outputs, then again with its last output impossible to replace (a file
/// bind-mounted over it: renaming onto a mount point fails with EBUSY after every output is
/// written), and checks that the earlier outputs are as they were, not some new and some old.
@Suite(.enabled(if: Hardening.canMountSmallDisk, "needs root to bind-mount a file"))
struct MultiOutputCommitTests {
  /// Bind-mounts `source` over the file `target` for the length of `body`.
  static func withFile(_ source: URL, mountedOver target: URL, _ body: () throws -> Void) throws {
    let mount = Process()
    mount.executableURL = URL(fileURLWithPath: "/bin/mount")
    mount.arguments = ["--bind", source.path, target.path]
    try mount.run()
    mount.waitUntilExit()
    try #require(mount.terminationStatus == 0)
    defer { Hardening.unmount(target) }
    try body()
  }

  /// Runs `arguments(corpus)` once on a corpus, then with a file mounted over `last` on
  /// another corpus (so that every output would change): the second run fails naming `last`,
  /// and every file under `directory` is as the first run left it.
  static func expectAllOrNothing(
    last: URL, in directory: URL, sourceLocation: SourceLocation = #_sourceLocation,
    _ arguments: (URL) -> [String]
  ) throws {
    let root = directory.deletingLastPathComponent()
    let first = try Hardening.corpus(in: root, name: "first-\(UUID().uuidString).txt")
    let second = try Hardening.corpus(in: root, name: "second-\(UUID().uuidString).txt", count: 30)
    let handle = try FileHandle(forWritingTo: second)
    try handle.seekToEnd()
    try handle.write(contentsOf: Data("__label__sport referee whistle penalty\n".utf8))
    try handle.close()
    let run = try CLI.run(arguments(first) + ["-q"])
    #expect(run.status == 0, "\(run.stderr)", sourceLocation: sourceLocation)
    let blocker = root.appendingPathComponent("blocker-\(UUID().uuidString)")
    try Data("mounted\n".utf8).write(to: blocker)
    try withFile(blocker, mountedOver: last) {
      let before = try InputProtectionTests.snapshot(directory)
      #expect(before.count >= 2, sourceLocation: sourceLocation)
      let result = try CLI.run(arguments(second) + ["-q"])
      #expect(result.status == 1, "\(result.stderr)", sourceLocation: sourceLocation)
      #expect(
        result.stderr.contains(last.lastPathComponent), "\(result.stderr)",
        sourceLocation: sourceLocation)
      #expect(
        try InputProtectionTests.snapshot(directory) == before, sourceLocation: sourceLocation)
      #expect(try Hardening.hiddenEntries(directory).isEmpty, sourceLocation: sourceLocation)
    }
  }

  /// vectorize -o, --vocabulary-out, --vectorizer-out and --labels-out (the last staged):
  /// `-o` was already replaced when a later output failed.
  @Test func vectorizeOutputsCommitTogether() throws {
    let root = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    let dir = root.appendingPathComponent("out")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: false)
    let labels = dir.appendingPathComponent("labels.txt")
    let given = root.appendingPathComponent("given.json")
    try #"{"goal": 0, "bank": 1, "referee": 2}"#.write(
      to: given, atomically: true, encoding: .utf8)
    for extra in [[], ["--counts"], ["--vocabulary-in", given.path]] {
      try Self.expectAllOrNothing(last: labels, in: dir) { corpus in
        [
          "vectorize", corpus.path, "-o", dir.path + "/x.npz", "--vocabulary-out",
          dir.path + "/v.json", "--vectorizer-out", dir.path + "/vec", "--labels-out",
          labels.path,
        ] + extra
      }
    }
  }

  /// vectorize --hashing streams -o and --labels-out; the labels are staged last.
  @Test func hashingOutputsCommitTogether() throws {
    let root = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    let dir = root.appendingPathComponent("out")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: false)
    let labels = dir.appendingPathComponent("labels.txt")
    try Self.expectAllOrNothing(last: labels, in: dir) { corpus in
      [
        "vectorize", corpus.path, "--hashing", "64", "-o", dir.path + "/x.jsonl", "--labels-out",
        labels.path,
      ]
    }
  }

  /// corpus split left --train-out behind when --test-out failed.
  @Test func corpusSplitPartsCommitTogether() throws {
    let root = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    let dir = root.appendingPathComponent("out")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: false)
    let test = dir.appendingPathComponent("test.jsonl")
    try Self.expectAllOrNothing(last: test, in: dir) { corpus in
      [
        "corpus", "split", corpus.path, "--train-out", dir.path + "/train.jsonl", "--test-out",
        test.path,
      ]
    }
  }

  /// experiment --report: report.json was replaced when report.md failed.
  @Test func experimentReportCommitsTogether() throws {
    let root = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    let test = try Hardening.corpus(in: root, name: "test.txt", count: 20)
    let dir = root.appendingPathComponent("report")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: false)
    let last = dir.appendingPathComponent("report.md")
    try Self.expectAllOrNothing(last: last, in: dir) { train in
      [
        "experiment", "--train", train.path, "--test", test.path, "--no-autoencoder", "--report",
        dir.path,
      ]
    }
  }
}
