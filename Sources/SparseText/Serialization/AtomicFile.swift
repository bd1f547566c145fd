import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Writes that either complete or leave the destination untouched: data goes to a temporary
/// sibling, is flushed to disk, and is renamed over the destination.
public enum AtomicFile {
  /// Writes `data` to `url` atomically.
  public static func write(_ data: Data, to url: URL) throws {
    try write(to: url) { temporary in try data.write(to: temporary) }
  }

  /// Lets `body` write a temporary file, then moves it over `url`. When `body` throws, the
  /// temporary file is removed and `url` is left as it was.
  public static func write(to url: URL, _ body: (URL) throws -> Void) throws {
    let directory = url.deletingLastPathComponent()
    let temporary = directory.appendingPathComponent(
      ".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
    )
    do {
      try body(temporary)
      try synchronize(temporary)
      try replace(url, with: temporary)
      try? synchronize(directory)
    } catch {
      try? FileManager.default.removeItem(at: temporary)
      throw error
    }
  }

  /// Lets `body` fill a temporary directory, then swaps it into place at `url` (an existing
  /// directory there is replaced only once the new one is complete).
  public static func writeDirectory(at url: URL, _ body: (URL) throws -> Void) throws {
    let parent = url.deletingLastPathComponent()
    try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
    let temporary = parent.appendingPathComponent(
      ".\(url.lastPathComponent).tmp-\(UUID().uuidString.prefix(8))")
    do {
      try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: false)
      try body(temporary)
      for item in try FileManager.default.contentsOfDirectory(atPath: temporary.path) {
        try synchronize(temporary.appendingPathComponent(item))
      }
      try synchronize(temporary)
      var old: URL? = nil
      if FileManager.default.fileExists(atPath: url.path) {
        let aside = parent.appendingPathComponent(
          ".\(url.lastPathComponent).old-\(UUID().uuidString.prefix(8))")
        try FileManager.default.moveItem(at: url, to: aside)
        old = aside
      }
      do {
        try FileManager.default.moveItem(at: temporary, to: url)
      } catch {
        if let old { try? FileManager.default.moveItem(at: old, to: url) }
        throw error
      }
      if let old { try? FileManager.default.removeItem(at: old) }
      try? synchronize(parent)
    } catch {
      try? FileManager.default.removeItem(at: temporary)
      throw error
    }
  }

  static func replace(_ url: URL, with temporary: URL) throws {
    guard rename(temporary.path, url.path) == 0 else {
      let reason = String(cString: strerror(errno))
      throw DataError.unreadableFile(file: url.path, reason: "cannot write: \(reason)")
    }
  }

  /// Flushes a file or directory to disk.
  static func synchronize(_ url: URL) throws {
    let fd = open(url.path, O_RDONLY)
    guard fd >= 0 else { return }
    defer { close(fd) }
    _ = fsync(fd)
  }
}

/// A file written piece by piece into a temporary sibling and renamed over the destination by
/// ``finish()``; until then (or after ``cancel()``, or when dropped) the destination is untouched.
public final class StreamingFileWriter {
  /// The destination.
  public let url: URL
  private let temporary: URL
  private let handle: FileHandle
  private var finished = false

  /// Creates the temporary file for `url`.
  public init(url: URL) throws {
    self.url = url
    temporary = url.deletingLastPathComponent().appendingPathComponent(
      ".\(url.lastPathComponent).tmp-\(UUID().uuidString.prefix(8))")
    guard FileManager.default.createFile(atPath: temporary.path, contents: nil),
      let handle = FileHandle(forWritingAtPath: temporary.path)
    else {
      throw DataError.unreadableFile(file: url.path, reason: "cannot create the output file")
    }
    self.handle = handle
  }

  deinit {
    if !finished { cancel() }
  }

  /// Appends `text` as UTF-8.
  public func append(_ text: String) throws { try handle.write(contentsOf: Data(text.utf8)) }

  /// Appends raw bytes.
  public func append(_ data: Data) throws { try handle.write(contentsOf: data) }

  /// Replaces bytes already written, from `offset` (a header completed at the end), and goes
  /// back to the end.
  public func overwrite(_ data: Data, at offset: UInt64) throws {
    try handle.seek(toOffset: offset)
    try handle.write(contentsOf: data)
    try handle.seekToEnd()
  }

  /// Flushes the file to disk and moves it over the destination.
  public func finish() throws {
    try handle.synchronize()
    try handle.close()
    finished = true
    do {
      try AtomicFile.replace(url, with: temporary)
    } catch {
      try? FileManager.default.removeItem(at: temporary)
      throw error
    }
  }

  /// Abandons the output.
  public func cancel() {
    finished = true
    try? handle.close()
    try? FileManager.default.removeItem(at: temporary)
  }
}
