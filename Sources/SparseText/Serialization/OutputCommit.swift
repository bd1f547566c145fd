import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The outputs of one run, put in place together: each is written in full to its hidden
/// temporary sibling first (``stageFile(_:_:)``, ``stageDirectory(_:formats:entries:_:)``, or a
/// streaming writer's `finish(in:)`), and only when every one is written does ``commit()`` rename
/// them over their destinations. If a rename fails, the outputs already renamed are put back:
/// each destination's old version is kept aside (on Linux, exchanged with the new one by one
/// `renameat2(RENAME_EXCHANGE)`) until every rename has succeeded, then removed. So a run that
/// fails leaves every output as it was, never some new and some old; a run that fails before
/// ``commit()`` (or drops the commit, or calls ``discard()``) leaves nothing but the locks'
/// leftovers, which the next writer removes.
///
/// A run killed with `SIGKILL` during ``commit()`` itself (a few renames, microseconds) can leave
/// the outputs renamed so far new and the others old; each output is still complete, old or new.
///
/// The commit holds each output's ``OutputLock`` from staging to ``commit()`` or ``discard()``.
package final class OutputCommit {
  private struct Staged {
    let destination: URL
    let temporary: URL
    let isDirectory: Bool
    let lock: OutputLock
  }

  private var staged: [Staged] = []
  private var finished = false

  /// An empty commit.
  package init() {}

  deinit { discard() }

  /// The destinations staged so far, in order.
  package var destinations: [URL] { staged.map(\.destination) }

  /// Lets `body` write the file output `url` into a temporary sibling, flushes it, and stages
  /// it. `url` must be absent or an ordinary file in a writable directory. When `body` throws,
  /// the temporary file is removed and the error rethrown (as an ``OutputError`` naming `url`
  /// for system errors); the outputs staged before stay staged.
  package func stageFile(_ url: URL, _ body: (URL) throws -> Void) throws {
    precondition(!finished, "a commit is used once")
    let lock = try OutputLock(url)
    let temporary = OutputLocation.sibling(of: url, kind: "tmp")
    do {
      try OutputLocation.checkFile(url)
      try body(temporary)
      try AtomicFile.synchronize(temporary, strict: true)
    } catch {
      try? FileManager.default.removeItem(at: temporary)
      lock.release()
      throw OutputError.translating(error, file: url.path)
    }
    staged.append(Staged(destination: url, temporary: temporary, isDirectory: false, lock: lock))
  }

  /// Lets `body` fill a temporary directory for the directory output `url`, flushes it, and
  /// stages it. With `formats`, what is at `url` must be absent, an empty directory or a
  /// directory of those formats holding only `entries` (see
  /// ``OutputLocation/checkDirectory(_:formats:entries:)``); missing parents of `url` are
  /// created (library callers may name a new folder).
  package func stageDirectory(
    _ url: URL, formats: Set<String>? = nil, entries: Set<String> = [],
    _ body: (URL) throws -> Void
  ) throws {
    precondition(!finished, "a commit is used once")
    let parent = url.deletingLastPathComponent()
    do {
      try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
    } catch {
      throw OutputError.translating(error, file: url.path)
    }
    let lock = try OutputLock(url)
    let temporary = OutputLocation.sibling(of: url, kind: "tmp")
    do {
      if let formats {
        try OutputLocation.checkDirectory(url, formats: formats, entries: entries)
      } else {
        try OutputLocation.checkParent(of: url)
      }
      try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: false)
      try body(temporary)
      for item in try FileManager.default.contentsOfDirectory(atPath: temporary.path) {
        try AtomicFile.synchronize(temporary.appendingPathComponent(item), strict: true)
      }
      try AtomicFile.synchronize(temporary)
    } catch {
      try? FileManager.default.removeItem(at: temporary)
      lock.release()
      throw OutputError.translating(error, file: url.path)
    }
    staged.append(Staged(destination: url, temporary: temporary, isDirectory: true, lock: lock))
  }

  /// Stages a temporary file a writer has completed and flushed (the writer's own lock is
  /// taken again here, so it may release its own).
  package func stage(temporary: URL, for url: URL) throws {
    precondition(!finished, "a commit is used once")
    let lock = try OutputLock(url)
    staged.append(Staged(destination: url, temporary: temporary, isDirectory: false, lock: lock))
  }

  /// Puts every staged output in place, in the order staged, or none of them: see the type's
  /// overview. Throws the first failure (an ``OutputError`` naming its destination) after
  /// putting back the outputs renamed before it.
  package func commit() throws {
    precondition(!finished, "a commit is used once")
    finished = true
    defer { releaseLocks() }
    /// Each output put in place, and where its old version was moved (`nil`: there was none).
    var done: [(Staged, aside: URL?)] = []
    var failure: (any Error)?
    for output in staged {
      do {
        done.append((output, try place(output)))
      } catch {
        failure = error
        break
      }
    }
    if let failure {
      for (output, aside) in done.reversed() { putBack(output, aside: aside) }
      for output in staged { try? FileManager.default.removeItem(at: output.temporary) }
      throw OutputError.translating(failure, file: failedDestination(after: done).path)
    }
    for parent in Set(staged.map { $0.destination.deletingLastPathComponent().path }) {
      try? AtomicFile.synchronize(URL(fileURLWithPath: parent))
    }
    for (_, aside) in done {
      if let aside { try? FileManager.default.removeItem(at: aside) }
    }
  }

  /// Removes every staged temporary output and releases the locks; the destinations stay as
  /// they were. Does nothing after ``commit()``.
  package func discard() {
    guard !finished else { return }
    finished = true
    for output in staged { try? FileManager.default.removeItem(at: output.temporary) }
    releaseLocks()
  }

  private func releaseLocks() {
    for output in staged { output.lock.release() }
  }

  private func failedDestination(after done: [(Staged, aside: URL?)]) -> URL {
    staged[min(done.count, staged.count - 1)].destination
  }

  /// Renames `output` into place; returns where the old version now is (`nil` when there was
  /// none).
  private func place(_ output: Staged) throws -> URL? {
    let destination = output.destination
    // Checked again: what is there may have changed since it was staged, and the exchange
    // would swap a file for a directory without a word.
    var info = stat()
    if lstat(destination.path, &info) == 0 {
      let isDirectory = info.st_mode & S_IFMT == S_IFDIR
      if isDirectory != output.isDirectory {
        throw OutputError.unwritable(
          file: destination.path,
          reason: isDirectory ? "it is a directory" : "it is not a directory",
          suggestion: "Move what is there away, or choose another path.")
      }
    }
    guard OutputLocation.exists(destination) else {
      try AtomicFile.move(output.temporary, to: destination, file: destination)
      return nil
    }
    // The temporary path now holds the old version.
    if AtomicFile.exchange(output.temporary, destination) { return output.temporary }
    let aside = OutputLocation.sibling(of: destination, kind: "old")
    try AtomicFile.move(destination, to: aside, file: destination)
    do {
      try AtomicFile.move(output.temporary, to: destination, file: destination)
    } catch {
      _ = rename(aside.path, destination.path)
      throw error
    }
    return aside
  }

  /// Undoes ``place(_:)``: the old version back at the destination (the new one removed), or
  /// the destination removed when there was no old version.
  private func putBack(_ output: Staged, aside: URL?) {
    let destination = output.destination
    guard let aside else {
      try? FileManager.default.removeItem(at: destination)
      return
    }
    if AtomicFile.exchange(aside, destination) {
      try? FileManager.default.removeItem(at: aside)
    } else if (try? FileManager.default.removeItem(at: destination)) != nil {
      _ = rename(aside.path, destination.path)
    }
  }
}
