import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Reading a whole small file (a vocabulary, a stop-word list, a configuration, a file list)
/// through one descriptor and with a bound: a pipe, a FIFO or `/dev/stdin` is read once, as it
/// is, and a device that never ends (`/dev/zero`) or a file far larger than its kind ever is
/// stops at `limit` bytes with an error instead of taking unbounded memory.
package enum BoundedFile {
  /// The bytes of the file at `path`.
  ///
  /// - Throws: ``DataError/fileTooLarge(file:limit:)`` past `limit` bytes (an ordinary file is
  ///   refused by its size, before it is read), ``DataError/unreadableFile(file:reason:)`` when it
  ///   cannot be opened or read, or is a directory.
  package static func contents(of path: String, limit: Int) throws -> Data {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else {
      throw DataError.unreadableFile(file: path, reason: reason(errno))
    }
    defer { close(descriptor) }
    var info = stat()
    if fstat(descriptor, &info) == 0 {
      if info.st_mode & S_IFMT == S_IFDIR {
        throw DataError.unreadableFile(file: path, reason: "it is a directory, not a file")
      }
      if info.st_mode & S_IFMT == S_IFREG && Int(info.st_size) > limit {
        throw DataError.fileTooLarge(file: path, limit: limit)
      }
    }
    var data = Data()
    let chunk = 1 << 16
    var buffer = [UInt8](repeating: 0, count: chunk)
    while true {
      let got = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, chunk) }
      if got < 0 {
        if errno == EINTR { continue }
        throw DataError.unreadableFile(file: path, reason: reason(errno))
      }
      if got == 0 { return data }
      guard data.count + got <= limit else {
        throw DataError.fileTooLarge(file: path, limit: limit)
      }
      data.append(contentsOf: buffer[0..<got])
    }
  }

  /// A system error as a reason in a message.
  package static func reason(_ code: Int32) -> String {
    switch code {
    case ENOENT: return "no such file"
    case EACCES, EPERM: return "permission denied"
    case EISDIR: return "it is a directory, not a file"
    case ELOOP: return "it is a loop of symbolic links"
    case ENOTDIR: return "a part of the path is not a directory"
    default: return String(cString: strerror(code))
    }
  }
}
