import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Writes that either complete or leave the destination untouched: data goes to a temporary
/// sibling, is flushed to disk, and is renamed over the destination, under the output's
/// ``OutputLock``. Failures are reported as ``OutputError``s naming the destination.
package enum AtomicFile {
  /// Writes `data` to `url` atomically; with `commit`, it is staged there and put in place
  /// with the commit's other outputs.
  package static func write(_ data: Data, to url: URL, in commit: OutputCommit? = nil) throws {
    try write(to: url, in: commit) { temporary in try data.write(to: temporary) }
  }

  /// Lets `body` write a temporary file, then moves it over `url` (with `commit`: when the
  /// commit does). When `body` throws, the temporary file is removed and `url` is left as it
  /// was. `url` must be absent or an ordinary file in a writable directory.
  package static func write(
    to url: URL, in commit: OutputCommit? = nil, _ body: (URL) throws -> Void
  ) throws {
    let own = commit == nil ? OutputCommit() : nil
    try (commit ?? own!).stageFile(url, body)
    try own?.commit()
  }

  /// Lets `body` fill a temporary directory, then swaps it into place at `url` (with
  /// `commit`: when the commit does): at every instant `url` holds either the complete old
  /// directory or the complete new one.
  ///
  /// On Linux the two are exchanged with `renameat2(RENAME_EXCHANGE)` and the old one is then
  /// removed. Elsewhere (or on a file system without the exchange) the old directory is renamed
  /// aside to `.NAME.old-*` and the new one renamed in; a run killed between the two renames
  /// leaves no `url`, and the next writer of `url` moves the old directory back (see
  /// ``OutputLock``). With `formats`, what is at `url` must be absent, an empty directory or a
  /// directory of those formats holding only `entries` (see
  /// ``OutputLocation/checkDirectory(_:formats:entries:)``); anything else is refused.
  package static func writeDirectory(
    at url: URL, formats: Set<String>? = nil, entries: Set<String> = [],
    in commit: OutputCommit? = nil, _ body: (URL) throws -> Void
  ) throws {
    let own = commit == nil ? OutputCommit() : nil
    try (commit ?? own!).stageDirectory(url, formats: formats, entries: entries, body)
    try own?.commit()
  }

  /// `rename(2)`, reporting failures against `file`.
  static func move(_ source: URL, to destination: URL, file: URL) throws {
    guard rename(source.path, destination.path) == 0 else {
      throw OutputError(code: errno, file: file.path)
    }
  }

  #if os(Linux)
    private typealias RenameAt2 =
      @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
    /// glibc's `renameat2` (2.28 and later), looked up at run time: the Glibc module does not
    /// declare it.
    private static let renameat2Function: RenameAt2? = {
      guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "renameat2") else { return nil }
      return unsafeBitCast(symbol, to: RenameAt2.self)
    }()
  #endif

  /// Atomically exchanges what is at `a` and at `b`; `false` where the system or the file
  /// system cannot (nothing is changed then).
  static func exchange(_ a: URL, _ b: URL) -> Bool {
    #if os(Linux)
      guard let renameat2 = renameat2Function else { return false }
      let renameExchange: UInt32 = 1 << 1
      return renameat2(AT_FDCWD, a.path, AT_FDCWD, b.path, renameExchange) == 0
    #else
      return false
    #endif
  }

  /// Flushes a file or directory to disk; with `strict`, a failed flush (a full disk discovered
  /// late, an I/O error) throws.
  static func synchronize(_ url: URL, strict: Bool = false) throws {
    let fd = open(url.path, O_RDONLY)
    guard fd >= 0 else { return }
    defer { close(fd) }
    if fsync(fd) != 0 && strict && errno != EINVAL && errno != EISDIR {
      throw OutputError(code: errno, file: url.path)
    }
  }
}

/// A file written piece by piece into a temporary sibling and renamed over the destination by
/// ``finish()``; until then (or after ``cancel()``, or when dropped) the destination is untouched.
/// The writer holds the destination's ``OutputLock`` from creation to ``finish()`` or
/// ``cancel()``.
package final class StreamingFileWriter {
  /// The destination.
  package let url: URL
  private let temporary: URL
  private let handle: FileHandle
  private let lock: OutputLock
  private var finished = false
  /// Whether the temporary file belongs to a commit now.
  private var handedOver = false

  /// Checks and locks `url` and creates its temporary file.
  package init(url: URL) throws {
    self.url = url
    lock = try OutputLock(url)
    do {
      try OutputLocation.checkFile(url)
    } catch {
      lock.release()
      throw error
    }
    temporary = OutputLocation.sibling(of: url, kind: "tmp")
    let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else {
      let code = errno
      lock.release()
      throw OutputError(code: code, file: url.path)
    }
    handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
  }

  deinit {
    if !finished { cancel() }
  }

  /// Appends `text` as UTF-8.
  package func append(_ text: String) throws { try append(Data(text.utf8)) }

  /// Appends raw bytes.
  package func append(_ data: Data) throws {
    do {
      try handle.write(contentsOf: data)
    } catch {
      throw OutputError.translating(error, file: url.path)
    }
  }

  /// Replaces bytes already written, from `offset` (a header completed at the end), and goes
  /// back to the end.
  package func overwrite(_ data: Data, at offset: UInt64) throws {
    do {
      try handle.seek(toOffset: offset)
      try handle.write(contentsOf: data)
      try handle.seekToEnd()
    } catch {
      throw OutputError.translating(error, file: url.path)
    }
  }

  /// Flushes the file to disk and moves it over the destination; with `commit`, stages it
  /// there instead, to be put in place with the commit's other outputs.
  package func finish(in commit: OutputCommit? = nil) throws {
    do {
      try handle.synchronize()
      try handle.close()
      let own = commit == nil ? OutputCommit() : nil
      try (commit ?? own!).stage(temporary: temporary, for: url)
      handedOver = true
      cancel()
      try own?.commit()
    } catch {
      cancel()
      throw OutputError.translating(error, file: url.path)
    }
  }

  /// Abandons the output (after ``finish(in:)``: only releases the lock).
  package func cancel() {
    guard !finished else { return }
    finished = true
    try? handle.close()
    if !handedOver { try? FileManager.default.removeItem(at: temporary) }
    lock.release()
  }
}
