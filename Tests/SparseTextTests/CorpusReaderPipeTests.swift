import Foundation
import Testing

@testable import SparseText

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Inputs that can be read only once (pipes given as paths, FIFOs) and inputs without an end
/// (`/dev/zero`): the format is sniffed from the stream the parser reads, and a record has a
/// bound.
@Suite struct CorpusReaderPipeTests {
  private func directory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-pipes-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
    return url
  }

  /// fastText lines long enough that losing the first 64 bytes would be visible.
  private let fastText =
    (0..<40).map { "__label__\($0 % 2 == 0 ? "pos" : "neg") document number \($0) says hello\n" }
    .joined()

  private func expectFastText(_ documents: [LabeledDocument]) {
    #expect(documents.count == 40)
    #expect(documents.first?.text == "document number 0 says hello")
    #expect(documents.first?.labels == ["pos"])
    #expect(documents.last?.labels == ["neg"])
  }

  /// `<(…)` and `/dev/stdin` name a pipe by a path: reading it detects fastText and loses
  /// nothing (the first 64 bytes were lost when the file was opened to sniff, then reopened).
  @Test func aPipeGivenAsAPathIsSniffedWithoutLosingBytes() throws {
    var ends: [Int32] = [0, 0]
    #expect(pipe(&ends) == 0)
    let bytes = Array(fastText.utf8)
    #expect(bytes.count < 16 << 10)  // fits the pipe's buffer: written before it is read
    #expect(bytes.withUnsafeBytes { write(ends[1], $0.baseAddress, $0.count) } == bytes.count)
    close(ends[1])
    defer { close(ends[0]) }
    let reader = CorpusReader(path: "/dev/fd/\(ends[0])")
    expectFastText(try reader.readAll().documents)
  }

  /// A named FIFO with the format auto-detected is read whole, once (it hung: the writer was
  /// gone when the reader opened it a second time).
  @Test(.timeLimit(.minutes(1))) func aNamedFIFOIsReadOnce() throws {
    let dir = try directory()
    let source = dir.appendingPathComponent("source.txt")
    try Data(fastText.utf8).write(to: source)
    let fifo = dir.appendingPathComponent("corpus")
    #expect(mkfifo(fifo.path, 0o600) == 0)
    let writer = Process()
    writer.executableURL = URL(fileURLWithPath: "/bin/sh")
    writer.arguments = ["-c", "cat \"$0\" > \"$1\"", source.path, fifo.path]
    try writer.run()
    let documents = try CorpusReader(path: fifo.path).readAll().documents
    writer.waitUntilExit()
    #expect(writer.terminationStatus == 0)
    expectFastText(documents)
  }

  /// A CSV (named by its extension) arriving through a FIFO keeps its header and first record.
  @Test(.timeLimit(.minutes(1))) func aCSVThroughAFIFOKeepsItsHeader() throws {
    let dir = try directory()
    let source = dir.appendingPathComponent("source.csv")
    try Data("text,label\nthe first one,a\nthe second one,b\n".utf8).write(to: source)
    let fifo = dir.appendingPathComponent("corpus.csv")
    #expect(mkfifo(fifo.path, 0o600) == 0)
    let writer = Process()
    writer.executableURL = URL(fileURLWithPath: "/bin/sh")
    writer.arguments = ["-c", "cat \"$0\" > \"$1\"", source.path, fifo.path]
    try writer.run()
    let documents = try CorpusReader(path: fifo.path).readAll().documents
    writer.waitUntilExit()
    #expect(documents.map(\.text) == ["the first one", "the second one"])
    #expect(documents.map(\.labels) == [["a"], ["b"]])
  }

  /// `format` does not open a FIFO (which would block, then consume): it names the format the
  /// path says; an ordinary file is still sniffed.
  @Test func formatDoesNotOpenAFIFO() throws {
    let dir = try directory()
    let fifo = dir.appendingPathComponent("corpus")
    #expect(mkfifo(fifo.path, 0o600) == 0)
    #expect(CorpusReader(path: fifo.path).format == .lines)
    let file = dir.appendingPathComponent("plain")
    try Data(fastText.utf8).write(to: file)
    #expect(CorpusReader(path: file.path).format == .fasttext)
  }

  /// `/dev/zero` has no line breaks: the reader stops at the record bound with an error naming
  /// the file, line and offset, instead of growing without limit.
  @Test func anInputWithoutLineBreaksStopsAtTheRecordBound() throws {
    for format in [CorpusFormat.lines, .jsonl, .csv, .fasttext] {
      let reader = CorpusReader(
        path: "/dev/zero", options: .init(format: format, maximumRecordBytes: 1 << 20))
      #expect(
        throws: DataError.recordTooLarge(
          file: "/dev/zero", line: 1, byteOffset: 0, limit: 1 << 20)
      ) { try reader.forEachDocument { _ in } }
    }
    #expect(CorpusReader.Options().maximumRecordBytes == 64 << 20)
  }

  /// The bound counts from the record's start: a long record after short ones names its line
  /// and offset; records under the bound are read.
  @Test func theRecordBoundNamesTheLongRecord() throws {
    let dir = try directory()
    let url = dir.appendingPathComponent("c.txt")
    let long = String(repeating: "x", count: 5000)
    try Data("short one\nshort two\n\(long)\n".utf8).write(to: url)
    var reader = CorpusReader(path: url.path, options: .init(maximumRecordBytes: 4096))
    reader.chunkSize = 512
    #expect(
      throws: DataError.recordTooLarge(file: url.path, line: 3, byteOffset: 20, limit: 4096)
    ) { try reader.forEachDocument { _ in } }
    reader = CorpusReader(path: url.path, options: .init(maximumRecordBytes: 8192))
    reader.chunkSize = 512
    #expect(try reader.readAll().documents.map(\.text.count) == [9, 9, 5000])
    // An unclosed quote in a CSV stops at the bound too.
    let csv = dir.appendingPathComponent("c.csv")
    try Data(("text\n\"" + long).utf8).write(to: csv)
    reader = CorpusReader(path: csv.path, options: .init(maximumRecordBytes: 1024))
    reader.chunkSize = 256
    #expect(throws: DataError.recordTooLarge(file: csv.path, line: 2, byteOffset: 5, limit: 1024)) {
      try reader.forEachDocument { _ in }
    }
  }

  /// A file of a folder corpus larger than the bound is refused by its size; a link to a
  /// device without end is read only up to the bound.
  @Test func folderFilesHaveTheBoundToo() throws {
    let dir = try directory()
    try FileManager.default.createDirectory(
      at: dir.appendingPathComponent("a"), withIntermediateDirectories: false)
    try Data("fine".utf8).write(to: dir.appendingPathComponent("a/1.txt"))
    try FileManager.default.createSymbolicLink(
      atPath: dir.appendingPathComponent("a/2.txt").path, withDestinationPath: "/dev/zero")
    let reader = CorpusReader(
      path: dir.path, options: .init(format: .folder, maximumRecordBytes: 1 << 16))
    #expect(
      throws: DataError.recordTooLarge(
        file: dir.appendingPathComponent("a/2.txt").path, line: 1, byteOffset: 0, limit: 1 << 16)
    ) { try reader.forEachDocument { _ in } }
  }

  /// A label folder that cannot be read is an error naming it, not a class silently missing
  /// (which made a fit fail later with a "single class" message).
  @Test func anUnreadableLabelFolderIsAnError() throws {
    let dir = try directory()
    for label in ["pos", "neg"] {
      try FileManager.default.createDirectory(
        at: dir.appendingPathComponent(label), withIntermediateDirectories: false)
      try Data("a \(label) text".utf8).write(to: dir.appendingPathComponent("\(label)/1.txt"))
    }
    #expect(try CorpusReader(path: dir.path).readAll().documents.count == 2)
    // A label that is a link to nothing (or a loop) cannot be examined.
    let broken = dir.appendingPathComponent("gone")
    try FileManager.default.createSymbolicLink(
      atPath: broken.path, withDestinationPath: dir.appendingPathComponent("missing").path)
    do {
      _ = try CorpusReader(path: dir.path).readAll()
      Issue.record("a label folder that cannot be examined was skipped")
    } catch DataError.unreadableFile(let file, let reason) {
      #expect(file == broken.path)
      #expect(reason.contains("no such file"))
    }
    try FileManager.default.removeItem(at: broken)
    // Without permission (not testable as root, who reads everything).
    if getuid() != 0 {
      let neg = dir.appendingPathComponent("neg")
      #expect(chmod(neg.path, 0) == 0)
      defer { chmod(neg.path, 0o755) }
      do {
        _ = try CorpusReader(path: dir.path).readAll()
        Issue.record("an unreadable label folder was skipped")
      } catch DataError.unreadableFile(let file, let reason) {
        #expect(file == neg.path)
        #expect(reason.contains("permission denied"))
      }
    }
  }

  /// A file read whole is bounded and read through one descriptor (a pipe works).
  @Test func boundedFileReadsPipesAndRefusesEndlessDevices() throws {
    #expect(
      throws: DataError.fileTooLarge(file: "/dev/zero", limit: 4096)
    ) { _ = try BoundedFile.contents(of: "/dev/zero", limit: 4096) }
    var ends: [Int32] = [0, 0]
    #expect(pipe(&ends) == 0)
    #expect(write(ends[1], "one\ntwo\n", 8) == 8)
    close(ends[1])
    defer { close(ends[0]) }
    #expect(
      try BoundedFile.contents(of: "/dev/fd/\(ends[0])", limit: 100) == Data("one\ntwo\n".utf8))
    let dir = try directory()
    let big = dir.appendingPathComponent("big")
    try Data(count: 5000).write(to: big)
    #expect(throws: DataError.fileTooLarge(file: big.path, limit: 4999)) {
      _ = try BoundedFile.contents(of: big.path, limit: 4999)
    }
    #expect(
      throws: DataError.unreadableFile(file: dir.path, reason: "it is a directory, not a file")
    ) { _ = try BoundedFile.contents(of: dir.path, limit: 10) }
  }
}
