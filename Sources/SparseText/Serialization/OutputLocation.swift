import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Checks made before an output is written, and the names of its temporary siblings.
///
/// Every output `NAME` is written through hidden siblings in its directory: `.NAME.tmp-PID-XXXXXXXX`
/// (the file or directory being written), `.NAME.parts-PID-XXXXXXXX` (spilled arrays) and
/// `.NAME.old-PID-XXXXXXXX` (a directory moved aside where it cannot be swapped atomically),
/// under the lock `.NAME.lock` (see ``OutputLock``). A run that is killed can leave such
/// siblings behind; the next run that writes `NAME` removes them once it holds the lock, when no
/// live writer can own them.
package enum OutputLocation {
  /// Checks that a file can be written at `url` before any work is done: its directory exists
  /// and is writable, and `url` is absent or an ordinary file (not a directory).
  package static func checkFile(_ url: URL) throws {
    try checkParent(of: url)
    var info = stat()
    guard stat(url.path, &info) == 0 else { return }
    switch info.st_mode & S_IFMT {
    case S_IFREG: return
    case S_IFDIR:
      throw OutputError.unwritable(
        file: url.path, reason: "it is a directory",
        suggestion: "Name a file, for example one inside that directory.")
    default:
      throw OutputError.refused(
        file: url.path, reason: "it is not an ordinary file (a device, pipe or socket)",
        suggestion: "Name an ordinary file.")
    }
  }

  /// Checks that a directory output (a model bundle, an autoencoder directory) can replace what
  /// is at `url`: nothing, an empty directory, or a directory holding only `entries` whose
  /// `config.json` (if any) names one of `formats`. Anything else (an ordinary file, a
  /// directory of other files) is refused, so no data of the user's is ever deleted.
  package static func checkDirectory(_ url: URL, formats: Set<String>, entries: Set<String>) throws
  {
    try checkParent(of: url)
    var info = stat()
    guard lstat(url.path, &info) == 0 else { return }
    let kind = formats.sorted().joined(separator: " or ")
    guard info.st_mode & S_IFMT == S_IFDIR else {
      throw OutputError.refused(
        file: url.path, reason: "it exists and is not a directory written by sparsetext (\(kind))",
        suggestion: "Choose another path, or move what is there away first.")
    }
    let contents: [String]
    do {
      contents = try FileManager.default.contentsOfDirectory(atPath: url.path)
    } catch {
      throw OutputError.unwritable(
        file: url.path, reason: "its contents cannot be listed",
        suggestion: "Check its permissions, or choose another path.")
    }
    let unknown = contents.filter { name in
      !entries.contains(name)
        && !entries.contains { name == ".\($0).lock" || isTemporary(name, of: $0) }
    }.sorted()
    guard unknown.isEmpty else {
      let shown = unknown.prefix(3).map { "'\($0)'" }.joined(separator: ", ")
      throw OutputError.refused(
        file: url.path,
        reason:
          "it is a directory that sparsetext did not write (it holds \(shown)\(unknown.count > 3 ? ", …" : ""))",
        suggestion:
          "Choose a new or empty directory; sparsetext replaces only its own \(kind) directories.")
    }
    if contents.contains("config.json") {
      let configURL = url.appendingPathComponent("config.json")
      let format =
        (try? Data(contentsOf: configURL)).flatMap {
          (try? JSONSerialization.jsonObject(with: $0)) as? [String: Any]
        }?["format"] as? String
      guard let format, formats.contains(format) else {
        throw OutputError.refused(
          file: url.path,
          reason: "its config.json is not that of a \(kind) directory",
          suggestion: "Choose another path; sparsetext replaces only its own \(kind) directories.")
      }
    }
  }

  /// Checks that files can be written into the directory `url`, which is created later with any
  /// missing parents: `url` is a writable directory, or the nearest part of it that exists is.
  package static func checkCreatableDirectory(_ url: URL) throws {
    var existing = url.standardizedFileURL
    while !exists(existing) && existing.path != "/" {
      existing = existing.deletingLastPathComponent()
    }
    var info = stat()
    guard stat(existing.path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
      throw OutputError.unwritable(
        file: url.path, reason: "'\(existing.path)' is not a directory",
        suggestion: "Correct the path.")
    }
    guard access(existing.path, W_OK | X_OK) == 0 else {
      throw OutputError(code: errno, file: url.path)
    }
  }

  /// Checks that the directory `url` goes into exists and is writable.
  package static func checkParent(of url: URL) throws {
    let parent = url.deletingLastPathComponent()
    var info = stat()
    guard stat(parent.path, &info) == 0 else {
      throw OutputError.unwritable(
        file: url.path, reason: "its directory '\(parent.path)' does not exist",
        suggestion: "Create the directory first, or correct the path.")
    }
    guard info.st_mode & S_IFMT == S_IFDIR else {
      throw OutputError.unwritable(
        file: url.path, reason: "'\(parent.path)' is not a directory",
        suggestion: "Correct the path.")
    }
    guard access(parent.path, W_OK | X_OK) == 0 else {
      let error = OutputError(code: errno, file: url.path)
      if case .unwritable(let file, let reason, let suggestion) = error {
        throw OutputError.unwritable(
          file: file, reason: "its directory '\(parent.path)' is not writable (\(reason))",
          suggestion: suggestion)
      }
      throw error
    }
  }

  /// A path a run reads or writes, for ``checkDistinct(outputs:inputs:)``.
  package struct Role: Sendable {
    /// The path.
    package var url: URL
    /// Whether the path is a directory read or replaced as a whole (a model bundle, a folder
    /// corpus, a report directory), so that nothing inside it may be an output or an input of
    /// the same run.
    package var isDirectory: Bool
    /// What the run calls the path in messages (an option such as `--stop-words`, or `INPUT`),
    /// `nil` for a plain "input" or "output".
    package var name: String?

    /// A path, whether it is a whole directory, and what the run calls it.
    package init(_ url: URL, isDirectory: Bool = false, name: String? = nil) {
      self.url = url
      self.isDirectory = isDirectory
      self.name = name
    }
  }

  /// A file's identity: its device and inode. Two paths with the same identity are the same
  /// file, whatever their names (a hard link, a symbolic link, a bind mount).
  package struct FileIdentity: Hashable, Sendable {
    let device: UInt64
    let inode: UInt64

    /// The identity of what is at `path` (links followed), `nil` when nothing is there.
    package init?(_ path: String) {
      var info = stat()
      guard stat(path, &info) == 0 else { return nil }
      device = UInt64(info.st_dev)
      inode = UInt64(info.st_ino)
    }
  }

  /// Refuses outputs that would overwrite an input or another output of the same run.
  ///
  /// Paths are compared twice: by path, after resolving symbolic links, `.` and `..` (which also
  /// covers outputs that do not exist yet), and by file identity (device and inode), so that a
  /// hard link to an input, or a path that reaches it through a bind mount, is the input too.
  /// A directory role (read or written as a whole) covers everything inside it: an output may
  /// not lie inside an input directory, nor an input inside an output directory, by path or
  /// through any directory on its way of the same identity; and the files inside a directory
  /// role count by identity (an output hard-linked to a file of a folder corpus is refused).
  ///
  /// This is the one check of "no output is one of the inputs": every command passes every path
  /// it reads (the main input, each file of a list, stop words, vocabularies, configurations,
  /// statistics, models) and every path it writes.
  package static func checkDistinct(outputs: [Role], inputs: [Role]) throws {
    let inputPaths = inputs.map { Place($0) }
    var earlier: [Place] = []
    for output in outputs {
      let place = Place(output)
      for input in inputPaths {
        if let reason = place.conflict(with: input, otherIs: "input") {
          throw OutputError.refused(
            file: output.url.path, reason: reason,
            suggestion:
              "Nothing was written; write the output to another path, or the input would be lost.")
        }
      }
      for other in earlier {
        if let reason = place.conflict(with: other, otherIs: "output") {
          throw OutputError.refused(
            file: output.url.path,
            reason: reason,
            suggestion: "Nothing was written; give each output its own path.")
        }
      }
      earlier.append(place)
    }
  }

  /// A path of ``checkDistinct(outputs:inputs:)`` with what it is compared by.
  private struct Place {
    let role: Role
    /// The resolved path.
    let path: String
    /// The identity of what is there, if anything.
    let identity: FileIdentity?
    /// The identities of the directories on the way to it (its resolved parents).
    let ancestors: Set<FileIdentity>
    /// For a directory role: the identities of the files inside it (recursively).
    let contents: Set<FileIdentity>

    init(_ role: Role) {
      self.role = role
      path = OutputLocation.resolved(role.url)
      identity = FileIdentity(path)
      var ancestors: Set<FileIdentity> = []
      var parent = (path as NSString).deletingLastPathComponent
      while !parent.isEmpty {
        if let id = FileIdentity(parent) { ancestors.insert(id) }
        if parent == "/" { break }
        parent = (parent as NSString).deletingLastPathComponent
      }
      self.ancestors = ancestors
      var contents: Set<FileIdentity> = []
      if role.isDirectory, identity != nil,
        let enumerator = FileManager.default.enumerator(atPath: path)
      {
        for case let name as String in enumerator {
          if let id = FileIdentity(path + "/" + name) { contents.insert(id) }
        }
      }
      self.contents = contents
    }

    /// Why this path (an output) may not be written beside `other`, or `nil` when it may. The
    /// reason names both paths' roles and the other's path.
    func conflict(with other: Place, otherIs kind: String) -> String? {
      let mine = role.name ?? "this output"
      let otherName =
        other.role.name.map { "the \(kind) \($0) '\(other.role.url.path)'" }
        ?? "the \(kind) '\(other.role.url.path)'"
      if path == other.path {
        return kind == "input"
          ? "\(mine) is also \(otherName) of this run"
          : "\(mine) is also \(otherName): one path is given for two outputs"
      }
      if identity != nil && identity == other.identity {
        return "\(mine) is \(otherName) under another name (a link to the same file)"
      }
      if other.role.isDirectory {
        if path.hasPrefix(other.path + "/") { return "\(mine) lies inside \(otherName)" }
        if let id = other.identity, ancestors.contains(id) {
          return "\(mine) lies inside \(otherName)"
        }
        if let identity, other.contents.contains(identity) {
          return "\(mine) is a file of \(otherName) under another name"
        }
      }
      if role.isDirectory {
        if other.path.hasPrefix(path + "/") { return "\(otherName) lies inside \(mine)" }
        if let identity, other.ancestors.contains(identity) {
          return "\(otherName) lies inside \(mine)"
        }
        if let id = other.identity, contents.contains(id) {
          return "\(otherName) is one of the files of \(mine) under another name"
        }
      }
      return nil
    }
  }

  /// The absolute path of `url` with symbolic links, `.` and `..` resolved (for the part that
  /// exists).
  package static func resolved(_ url: URL) -> String {
    let path = url.standardizedFileURL.path
    if let real = realpath(path, nil) {
      defer { free(real) }
      return String(cString: real)
    }
    let parent = (path as NSString).deletingLastPathComponent
    if let real = realpath(parent, nil) {
      defer { free(real) }
      let base = String(cString: real)
      return (base == "/" ? "" : base) + "/" + (path as NSString).lastPathComponent
    }
    return path
  }

  /// A new hidden sibling of `url` of `kind` (`tmp`, `parts` or `old`).
  static func sibling(of url: URL, kind: String) -> URL {
    url.deletingLastPathComponent().appendingPathComponent(
      ".\(url.lastPathComponent).\(kind)-\(getpid())-\(UUID().uuidString.prefix(8))")
  }

  /// Whether `name` is a temporary sibling of the output named `output`, by any writer (also the
  /// `.NAME.tmp-XXXXXXXX` names of earlier versions).
  static func isTemporary(_ name: String, of output: String) -> Bool {
    let prefix = ".\(output)."
    guard name.hasPrefix(prefix) else { return false }
    let rest = name.dropFirst(prefix.count)
    for kind in ["tmp-", "parts-", "old-"] where rest.hasPrefix(kind) {
      let parts = rest.dropFirst(kind.count).split(separator: "-", omittingEmptySubsequences: false)
      guard let tag = parts.last, tag.count == 8, tag.allSatisfy(\.isHexDigit) else { return false }
      return parts.count == 1
        || (parts.count == 2 && !parts[0].isEmpty
          && parts[0].allSatisfy { $0.isASCII && $0.isNumber })
    }
    return false
  }

  /// Whether anything (even a dangling symbolic link) is at `url`.
  static func exists(_ url: URL) -> Bool {
    var info = stat()
    return lstat(url.path, &info) == 0
  }

  /// Removes what killed runs left beside `url`; called by ``OutputLock`` once it holds the
  /// lock, so none of it can belong to a live writer. A directory that the portable swap moved
  /// aside (`.NAME.old-*`) while `url` itself is missing is first moved back.
  static func removeLeftovers(of url: URL) {
    let parent = url.deletingLastPathComponent()
    let name = url.lastPathComponent
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: parent.path) else {
      return
    }
    let leftovers = entries.filter { isTemporary($0, of: name) }.sorted()
    if !exists(url), let old = leftovers.first(where: { $0.hasPrefix(".\(name).old-") }) {
      _ = rename(parent.appendingPathComponent(old).path, url.path)
    }
    for entry in leftovers {
      let item = parent.appendingPathComponent(entry)
      if exists(item) { try? FileManager.default.removeItem(at: item) }
    }
  }
}

/// An advisory lock (`flock`) on `.NAME.lock` beside an output, held while the output is
/// written, so that two runs writing the same output cannot interleave: the second fails at
/// once with ``OutputError/busy(file:)``. Within one process the lock is re-entrant (a command
/// takes it before its work, the library's writers again while writing). Taking it first
/// removes the temporary files that killed writers of the same output left behind; releasing it
/// removes the lock file.
package final class OutputLock: @unchecked Sendable {
  private struct Held {
    var descriptor: Int32
    var count: Int
    var path: String
  }

  private static let mutex = NSLock()
  nonisolated(unsafe) private static var held: [String: Held] = [:]

  /// The output the lock guards.
  package let output: URL
  private let key: String
  private var released = false

  /// Takes the lock of `output`, or throws ``OutputError/busy(file:)`` when another process
  /// holds it.
  package init(_ output: URL) throws {
    self.output = output
    let lockURL = output.deletingLastPathComponent().appendingPathComponent(
      ".\(output.lastPathComponent).lock")
    key = OutputLocation.resolved(lockURL)
    Self.mutex.lock()
    defer { Self.mutex.unlock() }
    if var entry = Self.held[key] {
      entry.count += 1
      Self.held[key] = entry
      return
    }
    let descriptor = try Self.lock(lockURL, output: output)
    Self.held[key] = Held(descriptor: descriptor, count: 1, path: lockURL.path)
    OutputLocation.removeLeftovers(of: output)
  }

  deinit { release() }

  /// Gives the lock up (the last holder in the process removes the lock file).
  package func release() {
    Self.mutex.lock()
    defer { Self.mutex.unlock() }
    guard !released else { return }
    released = true
    guard var entry = Self.held[key] else { return }
    entry.count -= 1
    if entry.count > 0 {
      Self.held[key] = entry
      return
    }
    Self.held[key] = nil
    // Unlinked while still locked: a run that opened the old file sees that it is gone.
    unlink(entry.path)
    close(entry.descriptor)
  }

  private static func lock(_ url: URL, output: URL) throws -> Int32 {
    while true {
      let descriptor = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
      guard descriptor >= 0 else { throw OutputError(code: errno, file: output.path) }
      if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
        let code = errno
        if code == EWOULDBLOCK {
          close(descriptor)
          throw OutputError.busy(file: output.path)
        }
        // A file system without locks: write unlocked rather than not at all.
        return descriptor
      }
      // The holder before us may have unlinked the file before unlocking it: the lock counts
      // only if it is on the file that is at the path now.
      var locked = stat()
      var current = stat()
      if fstat(descriptor, &locked) == 0, stat(url.path, &current) == 0,
        locked.st_dev == current.st_dev, locked.st_ino == current.st_ino
      {
        return descriptor
      }
      close(descriptor)
    }
  }
}

extension OutputError {
  /// The error for a failed write of `file` with the system error `code` (`errno`).
  package init(code: Int32, file: String) {
    switch code {
    case ENOSPC, EDQUOT:
      self = .failed(
        file: file, reason: "the disk is full",
        suggestion: "Free some space or write somewhere else; nothing was left at that path.")
    case EIO:
      self = .failed(
        file: file, reason: "an input/output error",
        suggestion: "Check the disk, then run again; nothing was left at that path.")
    case EFBIG:
      self = .failed(
        file: file, reason: "the file is too large for this file system",
        suggestion: "Write it to another file system.")
    case EACCES, EPERM:
      self = .unwritable(
        file: file, reason: "permission denied",
        suggestion: "Choose a location you can write to, or change its permissions.")
    case EROFS:
      self = .unwritable(
        file: file, reason: "the file system is read-only",
        suggestion: "Choose a writable location.")
    case ENOENT:
      self = .unwritable(
        file: file, reason: "its directory does not exist",
        suggestion: "Create the directory first, or correct the path.")
    case ENOTDIR:
      self = .unwritable(
        file: file, reason: "a part of the path is not a directory", suggestion: "Correct the path."
      )
    case EISDIR:
      self = .unwritable(
        file: file, reason: "it is a directory", suggestion: "Name a file instead.")
    case ENAMETOOLONG:
      self = .unwritable(
        file: file, reason: "the name is too long", suggestion: "Choose a shorter path.")
    default:
      self = .failed(
        file: file, reason: String(cString: strerror(code)),
        suggestion: "Check the location, then run again.")
    }
  }

  /// `error` as users should see it when writing `file` failed: system and Foundation errors
  /// become an ``OutputError`` naming `file`; the library's own errors, and any other, are kept.
  package static func translating(_ error: any Error, file: String) -> any Error {
    switch error {
    case is OutputError, is DataError, is ModelFormatError, is ConfigurationError: return error
    default: break
    }
    if let code = posixCode(of: error) { return OutputError(code: code, file: file) }
    // Errors of the caller's own (thrown by a body that writes the file) are kept too.
    guard (error as NSError).domain == NSCocoaErrorDomain else { return error }
    return OutputError.failed(
      file: file, reason: error.localizedDescription,
      suggestion: "Check the location, then run again.")
  }

  /// The `errno` behind a Foundation error, when there is one.
  package static func posixCode(of error: any Error) -> Int32? {
    let error = error as NSError
    if error.domain == NSPOSIXErrorDomain { return Int32(error.code) }
    if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError,
      underlying.domain == NSPOSIXErrorDomain
    {
      return Int32(underlying.code)
    }
    guard error.domain == NSCocoaErrorDomain else { return nil }
    switch CocoaError.Code(rawValue: error.code) {
    case .fileWriteOutOfSpace: return ENOSPC
    case .fileWriteNoPermission, .fileReadNoPermission: return EACCES
    case .fileWriteVolumeReadOnly: return EROFS
    case .fileNoSuchFile, .fileReadNoSuchFile: return ENOENT
    default: return nil
    }
  }
}
