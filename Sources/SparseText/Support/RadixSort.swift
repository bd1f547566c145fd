/// Sorting of packed 64-bit keys by their high 32 bits: a key's high word orders it, and its low
/// word carries a payload along (a row's column and value, say).
///
/// Short arrays use insertion sort; longer ones a least-significant-digit radix sort over the
/// bytes of the high word that `bound` needs. Both are stable, never allocate beyond the caller's
/// scratch buffer, and take time linear in the count for long arrays, whatever the input.
enum RadixSort {
  /// Sorts `keys` by `key >> 32`, stably; every high word must be below `bound`. `scratch` is
  /// reused room for one copy of the keys.
  static func sortByHighWord(
    _ keys: UnsafeMutableBufferPointer<UInt64>, bound: UInt32, scratch: inout [UInt64]
  ) {
    let n = keys.count
    guard n > 1, let base = keys.baseAddress else { return }
    if n <= 48 {
      for i in 1..<n {
        let key = base[i]
        var j = i
        while j > 0 && base[j - 1] >> 32 > key >> 32 {
          base[j] = base[j - 1]
          j -= 1
        }
        base[j] = key
      }
      return
    }
    var passes = 1
    while passes < 4 && (bound - 1) >> (8 * UInt32(passes)) != 0 { passes += 1 }
    if scratch.count < n { scratch = [UInt64](repeating: 0, count: n) }
    scratch.withUnsafeMutableBufferPointer { room in
      var from = base
      var to = room.baseAddress!
      var counts = (0..<256).map { _ in 0 }
      for pass in 0..<passes {
        let shift = UInt64(32 + 8 * pass)
        for d in 0..<256 { counts[d] = 0 }
        for i in 0..<n { counts[Int((from[i] >> shift) & 0xFF)] += 1 }
        var total = 0
        for d in 0..<256 {
          let c = counts[d]
          counts[d] = total
          total += c
        }
        for i in 0..<n {
          let digit = Int((from[i] >> shift) & 0xFF)
          to[counts[digit]] = from[i]
          counts[digit] += 1
        }
        swap(&from, &to)
      }
      if from != base { base.update(from: from, count: n) }
    }
  }
}
