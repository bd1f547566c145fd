import CKernels
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A ZIP archive of stored (uncompressed) members, written straight to a file: what
/// `numpy.savez` and `scipy.sparse.save_npz` write, and all a `.npz` needs.
///
/// Each member's bytes go from the caller's buffers to the file with nothing copied in between,
/// and its CRC-32 (``sparsetext_crc32``, by carry-less multiplication or CRC instructions where
/// the processor has them) is computed on each piece just before it is written, while the piece
/// is in cache. The member's local header is written with
/// its size first and its checksum patched in afterwards. Members or offsets past 4 GiB get
/// ZIP64 fields, which Python's `zipfile` and ZIPFoundation (which reads `.npz` files here)
/// read.
struct StoredZIPWriter {
  /// One member being written: bytes go through ``write(_:)``.
  struct Member {
    fileprivate let descriptor: Int32
    fileprivate let file: String
    fileprivate(set) var crc: UInt32 = 0
    fileprivate(set) var written: UInt64 = 0

    /// Appends `bytes` to the member.
    mutating func write(_ bytes: UnsafeRawBufferPointer) throws {
      guard let base = bytes.baseAddress, bytes.count > 0 else { return }
      // Pieces of 1 MiB: the checksum reads a piece, and write(2) copies it while it is hot.
      var start = 0
      while start < bytes.count {
        let piece = min(1 << 20, bytes.count - start)
        let pointer = base + start
        crc = sparsetext_crc32(crc, pointer.assumingMemoryBound(to: UInt8.self), piece)
        try StoredZIPWriter.writeAll(descriptor, pointer, piece, file: file)
        start += piece
      }
      written += UInt64(bytes.count)
    }

    /// Appends `values` as their raw (little-endian) bytes.
    mutating func write<T>(_ values: UnsafeBufferPointer<T>) throws {
      try write(UnsafeRawBufferPointer(values))
    }

    /// Appends `data`.
    mutating func write(_ data: Data) throws {
      try data.withUnsafeBytes { try write($0) }
    }
  }

  private let descriptor: Int32
  private let file: String
  private var offset: UInt64 = 0
  private var directory: [UInt8] = []
  private var members = 0
  private var needsZIP64 = false
  private var closed = false
  private let time: UInt16
  private let date: UInt16
  /// Sizes and offsets from this one on are written as ZIP64 fields (lowered by tests, which
  /// cannot write 4 GiB, to exercise them).
  private let zip64Limit: UInt64

  /// Creates (or truncates) the file at `url`; `file` names it in errors.
  ///
  /// Tests, which cannot write 4 GiB, exercise the ZIP64 fields by lowering `zip64Limit` (at
  /// least 1: the first member's offset of 0 is never a ZIP64 field, which ZIPFoundation would
  /// read as absent) and by starting the archive `start` bytes into the file, after a hole
  /// that takes no disk, so that its members lie past 4 GiB as in a real large archive
  /// (offsets count from the file's start).
  init(url: URL, file: String, zip64Limit: UInt64 = 0xFFFF_FFFF, start: UInt64 = 0) throws {
    precondition(zip64Limit >= 1)
    self.file = file
    self.zip64Limit = zip64Limit
    descriptor = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { throw OutputError(code: errno, file: file) }
    if start > 0 {
      guard lseek(descriptor, off_t(start), SEEK_SET) >= 0 else {
        let code = errno
        posixClose(descriptor)
        throw OutputError(code: code, file: file)
      }
      offset = start
    }
    let parts = localTimeNow()
    // MS-DOS time and date, as every ZIP writer stores them (years from 1980).
    time = UInt16(parts.tm_hour << 11 | parts.tm_min << 5 | parts.tm_sec / 2)
    date = UInt16(
      max(0, Int(parts.tm_year) - 80) << 9 | Int(parts.tm_mon + 1) << 5 | Int(parts.tm_mday))
  }

  /// Adds a member of exactly `size` bytes, which `body` writes.
  mutating func addMember(name: String, size: UInt64, _ body: (inout Member) throws -> Void)
    throws
  {
    let name = Array(name.utf8)
    let localOffset = offset
    let large = size >= zip64Limit
    var header: [UInt8] = []
    Self.append(UInt32(0x0403_4B50), to: &header)
    Self.append(UInt16(large ? 45 : 20), to: &header)  // version needed
    Self.append(UInt16(0), to: &header)  // flags
    Self.append(UInt16(0), to: &header)  // stored
    Self.append(time, to: &header)
    Self.append(date, to: &header)
    Self.append(UInt32(0), to: &header)  // CRC-32, patched below
    Self.append(UInt32(large ? 0xFFFF_FFFF : UInt32(size)), to: &header)
    Self.append(UInt32(large ? 0xFFFF_FFFF : UInt32(size)), to: &header)
    Self.append(UInt16(name.count), to: &header)
    Self.append(UInt16(large ? 20 : 0), to: &header)
    header += name
    if large {
      Self.append(UInt16(1), to: &header)
      Self.append(UInt16(16), to: &header)
      Self.append(size, to: &header)
      Self.append(size, to: &header)
    }
    try write(header)
    var member = Member(descriptor: descriptor, file: file)
    try body(&member)
    guard member.written == size else {
      throw OutputError.failed(
        file: file,
        reason: "a member of the archive came out at \(member.written) bytes, not \(size)",
        suggestion: "This is a bug in sparsetext; please report it.")
    }
    offset += size
    var crc = member.crc.littleEndian
    guard pwrite(descriptor, &crc, 4, off_t(localOffset + 14)) == 4 else {
      throw OutputError(code: errno, file: file)
    }
    // The central directory's record of the member, with ZIP64 fields for what overflows.
    let farOffset = localOffset >= zip64Limit
    var extra: [UInt8] = []
    if large {
      Self.append(size, to: &extra)
      Self.append(size, to: &extra)
    }
    if farOffset { Self.append(localOffset, to: &extra) }
    needsZIP64 = needsZIP64 || large || farOffset
    Self.append(UInt32(0x0201_4B50), to: &directory)
    Self.append(UInt16(3 << 8 | 45), to: &directory)  // made by: Unix, 4.5
    Self.append(UInt16(large || farOffset ? 45 : 20), to: &directory)
    Self.append(UInt16(0), to: &directory)
    Self.append(UInt16(0), to: &directory)
    Self.append(time, to: &directory)
    Self.append(date, to: &directory)
    Self.append(member.crc, to: &directory)
    Self.append(UInt32(large ? 0xFFFF_FFFF : UInt32(size)), to: &directory)
    Self.append(UInt32(large ? 0xFFFF_FFFF : UInt32(size)), to: &directory)
    Self.append(UInt16(name.count), to: &directory)
    Self.append(UInt16(extra.isEmpty ? 0 : 4 + extra.count), to: &directory)
    Self.append(UInt16(0), to: &directory)  // comment
    Self.append(UInt16(0), to: &directory)  // disk
    Self.append(UInt16(0), to: &directory)  // internal attributes
    Self.append(UInt32(0o100644) << 16, to: &directory)  // a regular file, rw-r--r--
    Self.append(UInt32(farOffset ? 0xFFFF_FFFF : UInt32(localOffset)), to: &directory)
    directory += name
    if !extra.isEmpty {
      Self.append(UInt16(1), to: &directory)
      Self.append(UInt16(extra.count), to: &directory)
      directory += extra
    }
    members += 1
  }

  /// Writes the central directory and closes the file.
  mutating func finish() throws {
    defer { close() }
    let start = offset
    var tail = directory
    let size = UInt64(directory.count)
    let zip64 = needsZIP64 || start + size >= zip64Limit || members >= 0xFFFF
    if zip64 {
      let record = start + size
      Self.append(UInt32(0x0606_4B50), to: &tail)
      Self.append(UInt64(44), to: &tail)
      Self.append(UInt16(3 << 8 | 45), to: &tail)
      Self.append(UInt16(45), to: &tail)
      Self.append(UInt32(0), to: &tail)
      Self.append(UInt32(0), to: &tail)
      Self.append(UInt64(members), to: &tail)
      Self.append(UInt64(members), to: &tail)
      Self.append(size, to: &tail)
      Self.append(start, to: &tail)
      Self.append(UInt32(0x0706_4B50), to: &tail)
      Self.append(UInt32(0), to: &tail)
      Self.append(record, to: &tail)
      Self.append(UInt32(1), to: &tail)
    }
    Self.append(UInt32(0x0605_4B50), to: &tail)
    Self.append(UInt16(0), to: &tail)
    Self.append(UInt16(0), to: &tail)
    Self.append(UInt16(zip64 ? 0xFFFF : UInt16(members)), to: &tail)
    Self.append(UInt16(zip64 ? 0xFFFF : UInt16(members)), to: &tail)
    Self.append(UInt32(zip64 ? 0xFFFF_FFFF : UInt32(size)), to: &tail)
    Self.append(UInt32(zip64 ? 0xFFFF_FFFF : UInt32(start)), to: &tail)
    Self.append(UInt16(0), to: &tail)  // comment
    try write(tail)
  }

  /// Closes the file (``finish()`` does; call it after a failure). Closing twice does nothing.
  mutating func close() {
    guard !closed else { return }
    closed = true
    posixClose(descriptor)
  }

  private mutating func write(_ bytes: [UInt8]) throws {
    try bytes.withUnsafeBytes {
      try Self.writeAll(descriptor, $0.baseAddress!, $0.count, file: file)
    }
    offset += UInt64(bytes.count)
  }

  /// write(2) until every byte is written.
  fileprivate static func writeAll(
    _ descriptor: Int32, _ pointer: UnsafeRawPointer, _ count: Int, file: String
  ) throws {
    var done = 0
    while done < count {
      let n = posixWrite(descriptor, pointer + done, count - done)
      if n < 0 {
        if errno == EINTR { continue }
        throw OutputError(code: errno, file: file)
      }
      done += n
    }
  }

  private static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
  }
}

// The C library's calls under names the writer's own methods do not shadow.
private func posixWrite(_ descriptor: Int32, _ pointer: UnsafeRawPointer, _ count: Int) -> Int {
  write(descriptor, pointer, count)
}

private func posixClose(_ descriptor: Int32) {
  _ = close(descriptor)
}

private func localTimeNow() -> tm {
  var now = time(nil)
  var parts = tm()
  localtime_r(&now, &parts)
  return parts
}
