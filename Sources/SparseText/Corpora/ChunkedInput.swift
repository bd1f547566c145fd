import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A file (or standard input) read in fixed-size chunks through a sliding window, so readers
/// hold one chunk plus the record being parsed, never the whole corpus.
///
/// Positions are absolute byte offsets in the input; `window` covers `base..<base + count`.
/// Readers ask for more with ``refill(keepingFrom:line:)`` when a record runs past the window's
/// end. The input is opened once and never reopened: a format is sniffed by peeking at the
/// window (``hasPrefix(_:at:)``), so pipes, FIFOs and `/dev/stdin` lose nothing.
///
/// One record may span at most `maximumRecordBytes`: a longer one (a stream without line breaks,
/// such as `/dev/zero`) is refused with ``DataError/recordTooLarge(file:line:byteOffset:limit:)``
/// instead of growing the window without bound.
final class ChunkedInput {
  private let descriptor: Int32
  private let ownsDescriptor: Bool
  /// The input's name in messages: its path, or `<stdin>`.
  let name: String
  private let chunkSize: Int
  /// The longest record the window may be asked to hold.
  let maximumRecordBytes: Int
  /// The bytes in memory; only the first `count` are valid.
  private var buffer: UnsafeMutablePointer<UInt8>
  private var capacity = 0
  /// How many bytes of the buffer hold input.
  private(set) var count = 0
  /// The absolute offset of the buffer's first byte.
  private(set) var base = 0
  /// Whether the whole input has been read into the window at least once.
  private(set) var atEnd = false

  /// Opens `path` (`-` for standard input).
  init(path: String, chunkSize: Int, maximumRecordBytes: Int = .max) throws {
    self.chunkSize = max(1, chunkSize)
    self.maximumRecordBytes = max(1, maximumRecordBytes)
    buffer = .allocate(capacity: 0)
    if path == "-" {
      descriptor = StandardInput.descriptor
      ownsDescriptor = false
      name = "<stdin>"
    } else {
      descriptor = open(path, O_RDONLY)
      guard descriptor >= 0 else {
        let reason = errno == ENOENT ? "no such file" : String(cString: strerror(errno))
        throw DataError.unreadableFile(file: path, reason: reason)
      }
      ownsDescriptor = true
      name = path
    }
    try fill()
  }

  deinit {
    if ownsDescriptor { close(descriptor) }
    buffer.deallocate()
  }

  /// The valid bytes of the window.
  var window: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: buffer, count: count) }

  /// The absolute end of the bytes in memory.
  var end: Int { base + count }

  /// The byte at absolute position `position` (which must be in the window).
  @inline(__always) subscript(position: Int) -> UInt8 { buffer[position - base] }

  /// Calls `body` with the window's bytes `range` (absolute positions).
  func withBytes<T>(_ range: Range<Int>, _ body: (UnsafeBufferPointer<UInt8>) throws -> T)
    rethrows -> T
  {
    precondition(range.lowerBound >= base && range.upperBound <= end)
    return try body(
      UnsafeBufferPointer(start: buffer + (range.lowerBound - base), count: range.count))
  }

  /// Drops the bytes before `keep` and reads at least one more chunk (fewer at the end of the
  /// input). Returns `false` when nothing more could be read. `keep` is the start of the
  /// record being read, on `line` (for the message when it grows past `maximumRecordBytes`).
  @discardableResult
  func refill(keepingFrom keep: Int, line: Int = 1) throws -> Bool {
    precondition(keep >= base && keep <= end)
    if !atEnd && end - keep >= maximumRecordBytes {
      throw DataError.recordTooLarge(
        file: name, line: line, byteOffset: keep, limit: maximumRecordBytes)
    }
    let drop = keep - base
    if drop > 0 {
      memmove(buffer, buffer + drop, count - drop)
      count -= drop
      base = keep
    }
    let before = count
    try fill()
    return count > before
  }

  /// Reads until `chunkSize` new bytes arrived or the input ended.
  private func fill() throws {
    guard !atEnd else { return }
    if capacity < count + chunkSize {
      let grown = UnsafeMutablePointer<UInt8>.allocate(
        capacity: max(count + chunkSize, 2 * capacity))
      grown.update(from: buffer, count: count)
      buffer.deallocate()
      buffer = grown
      capacity = max(count + chunkSize, 2 * capacity)
    }
    var wanted = chunkSize
    while wanted > 0 {
      let got = read(descriptor, buffer + count, wanted)
      if got < 0 {
        if errno == EINTR { continue }
        throw DataError.unreadableFile(file: name, reason: String(cString: strerror(errno)))
      }
      if got == 0 {
        atEnd = true
        return
      }
      count += got
      wanted -= got
    }
  }

  /// Skips a UTF-8 byte order mark at the very start of the input.
  func skipByteOrderMark() throws -> Int {
    try hasPrefix([0xEF, 0xBB, 0xBF], at: 0) ? 3 : 0
  }

  /// Whether the input holds `prefix` at absolute position `position`, which must be in the
  /// window: reads more when needed, consumes nothing (the bytes stay for the parser).
  func hasPrefix(_ prefix: [UInt8], at position: Int) throws -> Bool {
    precondition(position >= base)
    while end - position < prefix.count && !atEnd { try refill(keepingFrom: base) }
    guard end - position >= prefix.count else { return false }
    return withBytes(position..<(position + prefix.count)) { $0.elementsEqual(prefix) }
  }

  /// Refuses a record (absolute `range`, starting on `line`) longer than `maximumRecordBytes`,
  /// also one that the window held whole.
  @inline(__always) func checkRecord(_ range: Range<Int>, line: Int) throws {
    if range.count > maximumRecordBytes {
      throw DataError.recordTooLarge(
        file: name, line: line, byteOffset: range.lowerBound, limit: maximumRecordBytes)
    }
  }

  /// Calls `body` with each line (without its `\n`; a trailing `\r` is kept) from `start`, its
  /// absolute start offset and its 1-based line number. The last line needs no `\n`.
  func forEachLine(
    from start: Int, _ body: (UnsafeBufferPointer<UInt8>, _ offset: Int, _ line: Int) throws -> Void
  ) throws {
    var start = start
    var line = 1
    var scanned = start
    while true {
      if start >= end {
        if atEnd { return }
        try refill(keepingFrom: start, line: line)
        continue
      }
      let from = scanned - base
      var newline: Int? = nil
      if count > from, let hit = memchr(buffer + from, 0x0A, count - from) {
        newline = base + (UnsafeRawPointer(hit) - UnsafeRawPointer(buffer))
      }
      guard let newline else {
        if atEnd {
          try checkRecord(start..<end, line: line)
          try withBytes(start..<end) { try body($0, start, line) }
          return
        }
        scanned = end
        try refill(keepingFrom: start, line: line)
        continue
      }
      try checkRecord(start..<newline, line: line)
      try withBytes(start..<newline) { try body($0, start, line) }
      line += 1
      start = newline + 1
      scanned = start
    }
  }
}
