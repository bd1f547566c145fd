/// An insert-only hash table from byte strings (UTF-8 terms) to dense ids `0, 1, 2, …` in order
/// of first insertion.
///
/// The hot loops of the vectorizers look terms up by their bytes without creating a `String`
/// per token; strings are materialized once per distinct term.
package struct ByteStringTable: Sendable {
  /// What the table keeps per id, together so that a probe reads one record: the key's hash,
  /// its first eight bytes (zero-padded, little-endian), and where its bytes are in the arena.
  private struct Entry {
    var hash: UInt64
    var prefix: UInt64
    var start: Int
    var length: Int
  }

  private var arena: [UInt8] = []
  private var entries: [Entry] = []
  private var slots: [Int32]
  private var mask: Int

  /// Creates an empty table sized for about `capacity` entries.
  package init(capacity: Int = 1024) {
    var size = 16
    while size < capacity * 2 { size <<= 1 }
    slots = Array(repeating: -1, count: size)
    mask = size - 1
    entries.reserveCapacity(capacity)
  }

  /// Makes room for `capacity` entries and `bytes` bytes of keys in all, so that inserting up
  /// to that many does not grow the table again.
  package mutating func reserve(capacity: Int, bytes: Int) {
    entries.reserveCapacity(capacity)
    arena.reserveCapacity(bytes)
    if capacity * 2 > slots.count {
      var size = slots.count
      while size < capacity * 2 { size <<= 1 }
      rehash(size: size)
    }
  }

  /// The bytes of all keys together.
  package var byteCount: Int { arena.count }

  /// The number of distinct byte strings stored.
  package var count: Int { entries.count }

  /// The id of `bytes`, inserting it when new.
  package mutating func insert(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
    let prefix = ByteStringTable.prefix(bytes)
    return insert(bytes, hash: ByteStringTable.hash(bytes, prefix: prefix), prefix: prefix)
  }

  /// The id of `bytes`, inserting it when new, given its ``hash(_:)``.
  package mutating func insert(_ bytes: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Int {
    insert(bytes, hash: hash, prefix: ByteStringTable.prefix(bytes))
  }

  private mutating func insert(_ bytes: UnsafeBufferPointer<UInt8>, hash: UInt64, prefix: UInt64)
    -> Int
  {
    let (slot, found) = probe(bytes, hash: hash, prefix: prefix)
    if let found { return found }
    let id = entries.count
    entries.append(Entry(hash: hash, prefix: prefix, start: arena.count, length: bytes.count))
    arena.append(contentsOf: bytes)
    slots[slot] = Int32(id)
    if entries.count * 2 > slots.count { grow() }
    return id
  }

  /// The id of `bytes`, or `nil` when it is not stored.
  package func find(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
    let prefix = ByteStringTable.prefix(bytes)
    return probe(bytes, hash: ByteStringTable.hash(bytes, prefix: prefix), prefix: prefix).id
  }

  /// The slot where `bytes` is, or where it would go, and its id when it is stored.
  private func probe(_ bytes: UnsafeBufferPointer<UInt8>, hash: UInt64, prefix: UInt64) -> (
    slot: Int, id: Int?
  ) {
    slots.withUnsafeBufferPointer { slots in
      entries.withUnsafeBufferPointer { entries in
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
          let id = Int(slots[slot])
          if id < 0 { return (slot, nil) }
          let entry = entries[id]
          // Keys of up to eight bytes are equal when their lengths and prefixes are.
          if entry.hash == hash && entry.length == bytes.count && entry.prefix == prefix
            && (bytes.count <= 8 || equalsAfterPrefix(entry, bytes))
          {
            return (slot, id)
          }
          slot = (slot + 1) & mask
        }
      }
    }
  }

  /// Inserts a string's UTF-8 bytes and returns its id.
  @discardableResult
  package mutating func insert(_ string: String) -> Int {
    var copy = string
    return copy.withUTF8 { insert($0) }
  }

  /// The id of a string, or `nil` when it is not stored.
  package func find(_ string: String) -> Int? {
    var copy = string
    return copy.withUTF8 { find($0) }
  }

  /// The bytes stored under `id`.
  package func bytes(_ id: Int) -> ArraySlice<UInt8> {
    arena[entries[id].start..<(entries[id].start + entries[id].length)]
  }

  /// The string stored under `id`.
  package func string(_ id: Int) -> String {
    String(decoding: bytes(id), as: UTF8.self)
  }

  /// Calls `body` with the bytes stored under `id`, without copying.
  package func withBytes<R>(_ id: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows
    -> R
  {
    try arena.withUnsafeBufferPointer { all in
      try body(
        UnsafeBufferPointer(
          rebasing: all[entries[id].start..<(entries[id].start + entries[id].length)]))
    }
  }

  /// Sorts ids by their bytes (unsigned, shorter first on a common prefix): for UTF-8 this is
  /// code point order, the order of Python's `sorted` on strings.
  package func sortByBytes(_ ids: inout [Int]) {
    arena.withUnsafeBufferPointer { all in
      guard let base = all.baseAddress else { return }
      entries.withUnsafeBufferPointer { entries in
        // First by the first eight bytes, which compare as integers once big-endian; then each
        // run of equal prefixes by the bytes after them, and by length.
        var keyed = ids.map { (prefix: entries[$0].prefix.byteSwapped, id: $0) }
        Self.sortByPrefix(&keyed)
        // Each run of equal prefixes by its next eight bytes (as a big-endian word, zero-padded,
        // so keys that differ only by trailing zero bytes or length stay together), then what
        // is still equal by the bytes after those and by length.
        func following(_ id: Int) -> UInt64 {
          let entry = entries[id]
          guard entry.length > 8 else { return 0 }
          let count = min(8, entry.length - 8)
          let p = base + entry.start + 8
          let word =
            count == 8
            ? UnsafeRawPointer(p).loadUnaligned(as: UInt64.self) : Self.word(p, count: count)
          return word.byteSwapped
        }
        func precedes(_ a: Int, _ b: Int) -> Bool {
          let ea = entries[a]
          let eb = entries[b]
          let common = min(ea.length, eb.length)
          if common > 8 {
            let order = memcmp(base + ea.start + 8, base + eb.start + 8, common - 8)
            if order != 0 { return order < 0 }
          }
          return ea.length < eb.length
        }
        var start = 0
        var run: [(next: UInt64, id: Int)] = []
        while start < keyed.count {
          var end = start + 1
          while end < keyed.count && keyed[end].prefix == keyed[start].prefix { end += 1 }
          if end - start > 1 {
            run.removeAll(keepingCapacity: true)
            for k in start..<end { run.append((following(keyed[k].id), keyed[k].id)) }
            run.sort { $0.next < $1.next }
            var low = 0
            while low < run.count {
              var high = low + 1
              while high < run.count && run[high].next == run[low].next { high += 1 }
              if high - low > 1 { run[low..<high].sort { precedes($0.id, $1.id) } }
              low = high
            }
            for (k, pair) in run.enumerated() { keyed[start + k].id = pair.id }
          }
          start = end
        }
        for (k, pair) in keyed.enumerated() { ids[k] = pair.id }
      }
    }
  }

  /// Sorts `keyed` by prefix, stably: a least-significant-digit radix sort, sixteen bits per
  /// pass, skipping the digits that every prefix shares (the last bytes of short words, for
  /// example).
  private static func sortByPrefix(_ keyed: inout [(prefix: UInt64, id: Int)]) {
    let n = keyed.count
    guard n > 1 else { return }
    guard n >= 4096 else {
      keyed.sort { $0.prefix < $1.prefix }
      return
    }
    var scratch = keyed
    var differing: UInt64 = 0
    let first = keyed[0].prefix
    for pair in keyed { differing |= pair.prefix ^ first }
    var counts = [Int](repeating: 0, count: 1 << 16)
    var inScratch = false
    for pass in 0..<4 {
      let shift = UInt64(16 * pass)
      guard (differing >> shift) & 0xFFFF != 0 else { continue }
      keyed.withUnsafeMutableBufferPointer { a in
        scratch.withUnsafeMutableBufferPointer { b in
          let from = inScratch ? b : a
          let to = inScratch ? a : b
          for d in counts.indices { counts[d] = 0 }
          for k in 0..<n { counts[Int((from[k].prefix >> shift) & 0xFFFF)] += 1 }
          var total = 0
          for d in counts.indices {
            let c = counts[d]
            counts[d] = total
            total += c
          }
          for k in 0..<n {
            let digit = Int((from[k].prefix >> shift) & 0xFFFF)
            to[counts[digit]] = from[k]
            counts[digit] += 1
          }
        }
      }
      inScratch.toggle()
    }
    if inScratch { keyed = scratch }
  }

  /// The stored hash of `id`.
  package func storedHash(_ id: Int) -> UInt64 { entries[id].hash }

  /// Whether the bytes of `entry` after the first eight equal those of `bytes` (same length).
  private func equalsAfterPrefix(_ entry: Entry, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    arena.withUnsafeBufferPointer { all in
      memcmp(all.baseAddress! + entry.start + 8, bytes.baseAddress! + 8, entry.length - 8) == 0
    }
  }

  private mutating func grow() { rehash(size: slots.count * 2) }

  private mutating func rehash(size: Int) {
    slots = Array(repeating: -1, count: size)
    mask = size - 1
    for id in entries.indices {
      var slot = Int(truncatingIfNeeded: entries[id].hash) & mask
      while slots[slot] >= 0 { slot = (slot + 1) & mask }
      slots[slot] = Int32(id)
    }
  }

  /// The first eight bytes of `bytes` as a little-endian word, zero-padded.
  @inline(__always)
  static func prefix(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
    guard let base = bytes.baseAddress else { return 0 }
    if bytes.count >= 8 { return UnsafeRawPointer(base).loadUnaligned(as: UInt64.self) }
    return word(base, count: bytes.count)
  }

  /// `count` (0...7) bytes at `p` as a little-endian word, read without a loop and without
  /// reading outside them.
  @inline(__always)
  static func word(_ p: UnsafePointer<UInt8>, count: Int) -> UInt64 {
    let raw = UnsafeRawPointer(p)
    if count >= 4 {
      // Two overlapping four-byte loads: bytes 0..<4, and the last four shifted into place.
      let low = UInt64(raw.loadUnaligned(as: UInt32.self))
      let high = UInt64(raw.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self))
      return low | (high >> UInt64(8 * (8 - count))) << 32
    }
    if count == 0 { return 0 }
    // One to three bytes: the first, the middle and the last (some may coincide).
    let first = UInt64(p[0])
    let middle = UInt64(p[count / 2]) << UInt64(8 * (count / 2))
    let last = UInt64(p[count - 1]) << UInt64(8 * (count - 1))
    return first | middle | last
  }

  /// A fast 64-bit hash of a byte string (not cryptographic; stable across runs and platforms).
  package static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
    hash(bytes, prefix: prefix(bytes))
  }

  /// ``hash(_:)`` given the key's ``prefix(_:)``: keys of up to eight bytes (most words) are
  /// hashed from it with one mixing step.
  @inline(__always)
  static func hash(_ bytes: UnsafeBufferPointer<UInt8>, prefix: UInt64) -> UInt64 {
    if bytes.count <= 8 { return mix(prefix ^ (UInt64(bytes.count) &* 0x9E37_79B9_7F4A_7C15)) }
    var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
    guard let base = bytes.baseAddress else { return mix(h) }
    let raw = UnsafeRawPointer(base)
    var i = 0
    let n = bytes.count
    while i + 8 <= n {
      let chunk = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
      h = (h ^ mix(chunk)) &* 0x9FB2_1C65_1E98_DF25
      i += 8
    }
    if i < n {
      h = (h ^ mix(word(base + i, count: n - i))) &* 0x9FB2_1C65_1E98_DF25
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
