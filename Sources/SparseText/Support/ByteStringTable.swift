/// An insert-only hash table from byte strings (UTF-8 terms) to dense ids `0, 1, 2, …` in order
/// of first insertion.
///
/// The hot loops of the vectorizers look terms up by their bytes without creating a `String`
/// per token; strings are materialized once per distinct term.
public struct ByteStringTable: Sendable {
  private var arena: [UInt8] = []
  private var starts: [Int] = []
  private var lengths: [Int32] = []
  private var hashes: [UInt64] = []
  private var slots: [Int32]
  private var mask: Int

  /// Creates an empty table sized for about `capacity` entries.
  public init(capacity: Int = 1024) {
    var size = 16
    while size < capacity * 2 { size <<= 1 }
    slots = Array(repeating: -1, count: size)
    mask = size - 1
  }

  /// The number of distinct byte strings stored.
  public var count: Int { starts.count }

  /// The id of `bytes`, inserting it when new.
  public mutating func insert(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
    let hash = ByteStringTable.hash(bytes)
    return insert(bytes, hash: hash)
  }

  /// The id of `bytes`, inserting it when new, given its ``hash(_:)``.
  public mutating func insert(_ bytes: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Int {
    var slot = Int(truncatingIfNeeded: hash) & mask
    while true {
      let id = slots[slot]
      if id < 0 { break }
      if hashes[Int(id)] == hash && equals(Int(id), bytes) { return Int(id) }
      slot = (slot + 1) & mask
    }
    let id = starts.count
    starts.append(arena.count)
    lengths.append(Int32(bytes.count))
    hashes.append(hash)
    arena.append(contentsOf: bytes)
    slots[slot] = Int32(id)
    if starts.count * 2 > slots.count { grow() }
    return id
  }

  /// The id of `bytes`, or `nil` when it is not stored.
  public func find(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
    let hash = ByteStringTable.hash(bytes)
    var slot = Int(truncatingIfNeeded: hash) & mask
    while true {
      let id = slots[slot]
      if id < 0 { return nil }
      if hashes[Int(id)] == hash && equals(Int(id), bytes) { return Int(id) }
      slot = (slot + 1) & mask
    }
  }

  /// Inserts a string's UTF-8 bytes and returns its id.
  @discardableResult
  public mutating func insert(_ string: String) -> Int {
    var copy = string
    return copy.withUTF8 { insert($0) }
  }

  /// The id of a string, or `nil` when it is not stored.
  public func find(_ string: String) -> Int? {
    var copy = string
    return copy.withUTF8 { find($0) }
  }

  /// The bytes stored under `id`.
  public func bytes(_ id: Int) -> ArraySlice<UInt8> {
    arena[starts[id]..<(starts[id] + Int(lengths[id]))]
  }

  /// The string stored under `id`.
  public func string(_ id: Int) -> String {
    String(decoding: bytes(id), as: UTF8.self)
  }

  /// Calls `body` with the bytes stored under `id`, without copying.
  public func withBytes<R>(_ id: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows
    -> R
  {
    try arena.withUnsafeBufferPointer { all in
      try body(UnsafeBufferPointer(rebasing: all[starts[id]..<(starts[id] + Int(lengths[id]))]))
    }
  }

  /// Sorts ids by their bytes (unsigned, shorter first on a common prefix): for UTF-8 this is
  /// code point order, the order of Python's `sorted` on strings.
  public func sortByBytes(_ ids: inout [Int]) {
    arena.withUnsafeBufferPointer { all in
      guard let base = all.baseAddress else { return }
      ids.sort { a, b in
        let la = Int(lengths[a])
        let lb = Int(lengths[b])
        let order = memcmp(base + starts[a], base + starts[b], min(la, lb))
        return order != 0 ? order < 0 : la < lb
      }
    }
  }

  /// The stored hash of `id`.
  public func storedHash(_ id: Int) -> UInt64 { hashes[id] }

  private func equals(_ id: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    let length = Int(lengths[id])
    guard length == bytes.count else { return false }
    let start = starts[id]
    return arena.withUnsafeBufferPointer { all in
      guard length > 0, let base = bytes.baseAddress, let stored = all.baseAddress else {
        return true
      }
      return memcmp(stored + start, base, length) == 0
    }
  }

  private mutating func grow() {
    let size = slots.count * 2
    slots = Array(repeating: -1, count: size)
    mask = size - 1
    for id in 0..<starts.count {
      var slot = Int(truncatingIfNeeded: hashes[id]) & mask
      while slots[slot] >= 0 { slot = (slot + 1) & mask }
      slots[slot] = Int32(id)
    }
  }

  /// A fast 64-bit hash of a byte string (not cryptographic; stable across runs and platforms).
  public static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
    var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
    guard let base = bytes.baseAddress else { return mix(h) }
    let raw = UnsafeRawPointer(base)
    var i = 0
    let n = bytes.count
    while i + 8 <= n {
      let word = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
      h = (h ^ mix(word)) &* 0x9FB2_1C65_1E98_DF25
      i += 8
    }
    if i < n {
      var tail: UInt64 = 0
      var shift: UInt64 = 0
      while i < n {
        tail |= UInt64(base[i]) << shift
        shift += 8
        i += 1
      }
      h = (h ^ mix(tail)) &* 0x9FB2_1C65_1E98_DF25
    }
    return mix(h)
  }

  static func mix(_ value: UInt64) -> UInt64 {
    var z = value
    z = (z ^ (z >> 32)) &* 0xD6E8_FEB8_6659_FD93
    z = (z ^ (z >> 32)) &* 0xD6E8_FEB8_6659_FD93
    return z ^ (z >> 32)
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
