import Foundation

/// A small, fast, seedable random number generator (xoshiro256**, seeded through SplitMix64).
///
/// The same seed gives the same stream on every platform, which is what makes training
/// reproducible. It is a value type: copy it to fork a stream.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable, Codable {
  private var state: (UInt64, UInt64, UInt64, UInt64)

  /// The seed of every seeded choice not given one (13): the autoencoder's initialization and
  /// shuffling, the folds of C's cross-validation, stratified splits, the SVD baseline.
  public static let defaultSeed: UInt64 = 13

  /// Creates a generator whose stream is fully determined by `seed`.
  public init(seed: UInt64) {
    var splitMix = seed
    func next() -> UInt64 {
      splitMix &+= 0x9E37_79B9_7F4A_7C15
      var z = splitMix
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    state = (next(), next(), next(), next())
  }

  /// The state as four words, for checkpoints.
  package var words: [UInt64] { [state.0, state.1, state.2, state.3] }

  /// Restores a generator from ``words``.
  package init?(words: [UInt64]) {
    guard words.count == 4, words.contains(where: { $0 != 0 }) else { return nil }
    state = (words[0], words[1], words[2], words[3])
  }

  /// The next 64 random bits.
  public mutating func next() -> UInt64 {
    let result = rotl(state.1 &* 5, 7) &* 9
    let t = state.1 << 17
    state.2 ^= state.0
    state.3 ^= state.1
    state.1 ^= state.2
    state.0 ^= state.3
    state.2 ^= t
    state.3 = rotl(state.3, 45)
    return result
  }

  /// A uniformly distributed Float in [0, 1) with 24 random bits.
  package mutating func nextFloat() -> Float {
    Float(next() >> 40) * (1.0 / 16_777_216.0)
  }

  /// A uniformly distributed Double in [0, 1) with 53 random bits.
  package mutating func nextDouble() -> Double {
    Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
  }

  /// A standard normal sample (Box–Muller).
  package mutating func nextGaussian() -> Double {
    var u = nextDouble()
    while u <= .leastNonzeroMagnitude { u = nextDouble() }
    let v = nextDouble()
    return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
  }

  /// Whether two generators will produce the same stream.
  public static func == (lhs: SeededGenerator, rhs: SeededGenerator) -> Bool {
    lhs.words == rhs.words
  }

  /// Decodes a generator saved by ``encode(to:)`` (its four state words).
  public init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    let words = try container.decode([UInt64].self)
    guard let restored = SeededGenerator(words: words) else {
      throw DecodingError.dataCorruptedError(
        in: container, debugDescription: "a generator state is four words, not all zero")
    }
    self = restored
  }

  /// Encodes the generator as its four state words, for checkpoints.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(words)
  }

  /// `count` of `items` drawn uniformly without replacement with a generator seeded by `seed`
  /// (the first `count` places of a Fisher–Yates shuffle), sorted.
  package static func sample(_ items: [Int], count: Int, seed: UInt64) -> [Int] {
    precondition(count >= 0 && count <= items.count)
    var pool = items
    var generator = SeededGenerator(seed: seed)
    for i in 0..<count { pool.swapAt(i, Int.random(in: i..<pool.count, using: &generator)) }
    return pool.prefix(count).sorted()
  }
}

@inline(__always)
private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 {
  (x << k) | (x >> (64 - k))
}
