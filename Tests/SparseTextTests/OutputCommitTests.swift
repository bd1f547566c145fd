import Foundation
import TestSupport
import Testing

@testable import SparseText

/// Several outputs of one run commit together (issue 24, item 4): when one of them cannot be
/// put in place, every output is left as it was. And "no output is one of the inputs" compares
/// files by identity (item 1).
@Suite struct OutputCommitTests {
  private func directory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-commit-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
    return url
  }

  private func text(_ url: URL) -> String? {
    (try? Data(contentsOf: url)).map { String(decoding: $0, as: UTF8.self) }
  }

  /// What the directory holds besides the named entries (temporary siblings, locks).
  private func leftovers(_ dir: URL, besides names: Set<String>) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !names.contains($0) }
  }

  @Test func everyOutputIsPutInPlaceTogether() throws {
    let dir = try directory()
    let a = dir.appendingPathComponent("a.txt")
    let b = dir.appendingPathComponent("b.txt")
    try Data("old a".utf8).write(to: a)
    let commit = OutputCommit()
    try AtomicFile.write(Data("new a".utf8), to: a, in: commit)
    try AtomicFile.write(Data("new b".utf8), to: b, in: commit)
    // Nothing is in place before the commit.
    #expect(text(a) == "old a")
    #expect(!FileManager.default.fileExists(atPath: b.path))
    try commit.commit()
    #expect(text(a) == "new a")
    #expect(text(b) == "new b")
    #expect(try leftovers(dir, besides: ["a.txt", "b.txt"]).isEmpty)
  }

  /// The second output cannot be renamed into place (a directory holding a file stands at its
  /// path): the first, already renamed, is put back, and both stay as they were.
  @Test func aFailedRenamePutsTheEarlierOutputsBack() throws {
    let dir = try directory()
    let a = dir.appendingPathComponent("a.txt")
    let b = dir.appendingPathComponent("b.txt")
    let c = dir.appendingPathComponent("c.txt")
    try Data("old a".utf8).write(to: a)
    let commit = OutputCommit()
    try AtomicFile.write(Data("new a".utf8), to: a, in: commit)
    try AtomicFile.write(Data("new c".utf8), to: c, in: commit)
    try AtomicFile.write(Data("new b".utf8), to: b, in: commit)
    // After staging, something the rename cannot replace appears at b.
    try FileManager.default.createDirectory(at: b, withIntermediateDirectories: false)
    try Data("x".utf8).write(to: b.appendingPathComponent("inside"))
    do {
      try commit.commit()
      Issue.record("the commit succeeded")
    } catch let error as OutputError {
      #expect("\(error)".contains(b.path), "\(error)")
    }
    #expect(text(a) == "old a")
    #expect(!FileManager.default.fileExists(atPath: c.path))
    #expect(text(b.appendingPathComponent("inside")) == "x")
    #expect(try leftovers(dir, besides: ["a.txt", "b.txt"]).isEmpty)
  }

  /// A failure while writing one output (before the commit) leaves the others untouched, and a
  /// dropped commit removes what it staged.
  @Test func aFailedOrDroppedCommitLeavesNothing() throws {
    let dir = try directory()
    let a = dir.appendingPathComponent("a.txt")
    try Data("old a".utf8).write(to: a)
    struct Failure: Error {}
    do {
      let commit = OutputCommit()
      try AtomicFile.write(Data("new a".utf8), to: a, in: commit)
      try AtomicFile.write(to: dir.appendingPathComponent("b.txt"), in: commit) { _ in
        throw Failure()
      }
      try commit.commit()
      Issue.record("the failing output was committed")
    } catch is Failure {}
    #expect(text(a) == "old a")
    #expect(try leftovers(dir, besides: ["a.txt"]).isEmpty)
  }

  /// Streaming writers, a sparse matrix and a bundle directory join one commit; when the last
  /// output fails, none of them is replaced.
  @Test func writersAndBundlesJoinACommit() throws {
    let dir = try directory()
    let matrix = try SparseMatrix(
      rows: 2, columns: 3, rowOffsets: [0, 1, 2], columnIndices: [0, 2], values: [1, 2])
    let x = dir.appendingPathComponent("x.npz")
    let codes = dir.appendingPathComponent("c.npy")
    let model = dir.appendingPathComponent("model")
    let vectorizer = try TfidfVectorizer(fitting: ["the fox", "the dog"])
    for pass in ["first", "second"] {
      let commit = OutputCommit()
      try SparseRowWriter.write(matrix, to: x, in: commit)
      let writer = try DenseRowWriter(url: codes, columns: 2)
      try writer.append(DenseMatrix(rows: 1, columns: 2, values: [1, pass == "first" ? 1 : 2]))
      try writer.finish(in: commit)
      try vectorizer.write(to: model, in: commit)
      if pass == "second" {
        try AtomicFile.write(Data(), to: dir.appendingPathComponent("late"), in: commit)
        try FileManager.default.createDirectory(
          at: dir.appendingPathComponent("late/blocker"), withIntermediateDirectories: true)
        #expect(throws: OutputError.self) { try commit.commit() }
      } else {
        try commit.commit()
      }
    }
    // The first pass's outputs are all still there, unchanged.
    #expect(try SparseMatrix.readNPZ(from: x) == matrix)
    #expect(try NumPyArray.readMatrix(from: codes).values == [1, 1])
    #expect(try TfidfVectorizer(contentsOf: model).vocabulary == vectorizer.vocabulary)
    #expect(try leftovers(dir, besides: ["x.npz", "c.npy", "model", "late"]).isEmpty)
  }

  /// A hard link or a symbolic link to an input is that input.
  @Test func outputsAreComparedWithInputsByIdentity() throws {
    let dir = try directory()
    let input = dir.appendingPathComponent("in.jsonl")
    try Data("{}".utf8).write(to: input)
    let hardLink = dir.appendingPathComponent("hard.jsonl")
    try FileManager.default.linkItem(at: input, to: hardLink)
    let symbolic = dir.appendingPathComponent("soft.jsonl")
    try FileManager.default.createSymbolicLink(at: symbolic, withDestinationURL: input)
    for output in [input, hardLink, symbolic] {
      #expect(throws: OutputError.self) {
        try OutputLocation.checkDistinct(
          outputs: [.init(output)], inputs: [.init(input)])
      }
    }
    do {
      try OutputLocation.checkDistinct(outputs: [.init(hardLink)], inputs: [.init(input)])
    } catch let error as OutputError {
      #expect("\(error)".contains("under another name"), "\(error)")
    }
    try OutputLocation.checkDistinct(
      outputs: [.init(dir.appendingPathComponent("out.jsonl"))], inputs: [.init(input)])
    // Two outputs that are one file.
    #expect(throws: OutputError.self) {
      try OutputLocation.checkDistinct(outputs: [.init(input), .init(hardLink)], inputs: [])
    }
  }

  /// The files of an input folder count by identity; an output inside an input folder, or an
  /// input inside an output directory, is refused, also through a linked directory.
  @Test func directoriesCoverWhatIsInside() throws {
    let dir = try directory()
    let corpus = dir.appendingPathComponent("corpus")
    try FileManager.default.createDirectory(
      at: corpus.appendingPathComponent("pos"), withIntermediateDirectories: true)
    let document = corpus.appendingPathComponent("pos/1.txt")
    try Data("good".utf8).write(to: document)
    let outside = dir.appendingPathComponent("linked.txt")
    try FileManager.default.linkItem(at: document, to: outside)
    let folder = OutputLocation.Role(corpus, isDirectory: true)
    #expect(throws: OutputError.self) {
      try OutputLocation.checkDistinct(outputs: [.init(outside)], inputs: [folder])
    }
    #expect(throws: OutputError.self) {
      try OutputLocation.checkDistinct(
        outputs: [.init(corpus.appendingPathComponent("pos/new.txt"))], inputs: [folder])
    }
    let alias = dir.appendingPathComponent("alias")
    try FileManager.default.createSymbolicLink(at: alias, withDestinationURL: corpus)
    #expect(throws: OutputError.self) {
      try OutputLocation.checkDistinct(
        outputs: [.init(alias.appendingPathComponent("x.npz"))], inputs: [folder])
    }
    // A report directory that holds an input (directly or as a link).
    let report = dir.appendingPathComponent("report")
    try FileManager.default.createDirectory(at: report, withIntermediateDirectories: false)
    let train = dir.appendingPathComponent("train.jsonl")
    try Data("{}".utf8).write(to: train)
    try FileManager.default.linkItem(at: train, to: report.appendingPathComponent("report.json"))
    #expect(throws: OutputError.self) {
      try OutputLocation.checkDistinct(
        outputs: [.init(report, isDirectory: true)], inputs: [.init(train)])
    }
    try OutputLocation.checkDistinct(
      outputs: [.init(dir.appendingPathComponent("elsewhere"), isDirectory: true)],
      inputs: [.init(train), folder])
  }
}
