/// Stateless features by the hashing trick (scikit-learn's `HashingVectorizer`): each term goes
/// to column `|h| mod n` where `h` is the signed 32-bit MurmurHash3 of its UTF-8, seed 0, with
/// sign `h ≥ 0 ? +1 : −1` when ``Configuration/alternateSign`` is on.
public struct HashingVectorizer: Sendable {
  /// Settings of a ``HashingVectorizer``.
  public struct Configuration: Codable, Sendable, Equatable {
    /// How documents become terms; the unicode preset by default.
    public var tokenizer: Tokenizer.Configuration
    /// The number of columns; 2²⁰ by default.
    public var features: Int
    /// Alternate signs to keep inner products unbiased; `true` by default.
    public var alternateSign: Bool
    /// Record presence instead of counts; `false` by default.
    public var binary: Bool
    /// Row normalization; `.l2` by default.
    public var norm: VectorNorm

    /// Creates a configuration; see each property for its default.
    public init(
      tokenizer: Tokenizer.Configuration = .unicode, features: Int = 1 << 20,
      alternateSign: Bool = true, binary: Bool = false, norm: VectorNorm = .l2
    ) {
      self.tokenizer = tokenizer
      self.features = features
      self.alternateSign = alternateSign
      self.binary = binary
      self.norm = norm
    }

    /// Checks every field; throws ``ConfigurationError`` naming the first bad one.
    public func validate() throws {
      try tokenizer.validate()
      guard (1...(1 << 31 - 1)).contains(features) else {
        throw ConfigurationError.outOfRange(
          field: .features, value: "\(features)", allowed: "1...2147483647")
      }
    }

    enum CodingKeys: String, CodingKey {
      case tokenizer
      case features
      case alternateSign = "alternate_sign"
      case binary
      case norm
    }
  }

  /// The configuration.
  public let configuration: Configuration
  /// The tokenizer.
  public let tokenizer: Tokenizer

  /// Creates a vectorizer; there is nothing to fit.
  public init(_ configuration: Configuration = .init()) throws {
    try configuration.validate()
    self.configuration = configuration
    self.tokenizer = try Tokenizer(configuration.tokenizer)
  }

  /// The column and sign of one term.
  package func column(of term: String) -> (index: Int, sign: Float) {
    var copy = term
    return copy.withUTF8 { HashingVectorizer.column(ofUTF8: $0, configuration: configuration) }
  }

  static func column(ofUTF8 bytes: UnsafeBufferPointer<UInt8>, configuration: Configuration)
    -> (index: Int, sign: Float)
  {
    let h = Int32(bitPattern: MurmurHash3.hash32(bytes, seed: 0))
    let magnitude = h == Int32.min ? Int64(1) << 31 : Int64(abs(h))
    let index = Int(magnitude % Int64(configuration.features))
    let sign: Float = configuration.alternateSign && h < 0 ? -1 : 1
    return (index, sign)
  }

  /// The hashed features of `documents`. As in scikit-learn, a bucket whose signed counts
  /// cancel keeps an explicit zero, and `binary` sets every stored value (zero and negative
  /// ones too) to 1.
  ///
  /// - Throws: ``ConfigurationError`` naming the token pattern when a custom one runs out of
  ///   its step budget on a document (it backtracks catastrophically); never otherwise.
  public func transform(_ documents: [String]) throws -> SparseMatrix {
    normalizer.normalizedRows(try signedCounts(documents))
  }

  /// ``transform(_:)`` computed and kept in Double, as scikit-learn computes it for
  /// `dtype=np.float64`: the signed counts of `documents` (binary: ones), whose row offsets and
  /// column indices the features share, and each stored entry's normalized value.
  package func doubleFeatures(_ documents: [String]) throws -> (
    counts: SparseMatrix, values: [Double]
  ) {
    let counts = try signedCounts(documents)
    return (counts, normalizer.normalizedDoubleValues(counts))
  }

  /// Each document's signed bucket counts, every stored value 1 when `binary`.
  private func signedCounts(_ documents: [String]) throws -> SparseMatrix {
    let configuration = self.configuration
    let counts = try TermCounting.countColumns(
      documents, tokenizer: tokenizer, columns: configuration.features
    ) { bytes in HashingVectorizer.column(ofUTF8: bytes, configuration: configuration) }
    guard configuration.binary else { return counts }
    return SparseMatrix(
      uncheckedRows: counts.rows, columns: counts.columns, rowOffsets: counts.rowOffsets,
      columnIndices: counts.columnIndices, values: Array(repeating: 1, count: counts.nonzeroCount))
  }

  /// The row norm alone (no idf).
  private var normalizer: TfidfTransformer {
    TfidfTransformer(idf: [], configuration: .init(norm: configuration.norm, useIDF: false))
  }
}

/// MurmurHash3 (x86, 32-bit), as scikit-learn's `murmurhash3_32` computes it.
package enum MurmurHash3 {
  /// The 32-bit hash of `bytes` with `seed`.
  package static func hash32(_ bytes: UnsafeBufferPointer<UInt8>, seed: UInt32) -> UInt32 {
    let c1: UInt32 = 0xcc9e_2d51
    let c2: UInt32 = 0x1b87_3593
    var h = seed
    let count = bytes.count
    let blocks = count / 4
    for i in 0..<blocks {
      var k =
        UInt32(bytes[4 * i]) | (UInt32(bytes[4 * i + 1]) << 8) | (UInt32(bytes[4 * i + 2]) << 16)
        | (UInt32(bytes[4 * i + 3]) << 24)
      k &*= c1
      k = (k << 15) | (k >> 17)
      k &*= c2
      h ^= k
      h = (h << 13) | (h >> 19)
      h = h &* 5 &+ 0xe654_6b64
    }
    var k: UInt32 = 0
    let tail = blocks * 4
    switch count & 3 {
    case 3:
      k ^= UInt32(bytes[tail + 2]) << 16
      fallthrough
    case 2:
      k ^= UInt32(bytes[tail + 1]) << 8
      fallthrough
    case 1:
      k ^= UInt32(bytes[tail])
      k &*= c1
      k = (k << 15) | (k >> 17)
      k &*= c2
      h ^= k
    default:
      break
    }
    h ^= UInt32(truncatingIfNeeded: count)
    h ^= h >> 16
    h &*= 0x85eb_ca6b
    h ^= h >> 13
    h &*= 0xc2b2_ae35
    h ^= h >> 16
    return h
  }

  /// The hash of a string's UTF-8.
  package static func hash32(_ string: String, seed: UInt32 = 0) -> UInt32 {
    var copy = string
    return copy.withUTF8 { hash32($0, seed: seed) }
  }
}
