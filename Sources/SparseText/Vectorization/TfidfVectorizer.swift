import Foundation

/// How each document's vector is scaled.
public enum VectorNorm: String, Codable, Sendable, CaseIterable {
  /// Unit Euclidean length.
  case l2
  /// Unit sum of absolute values.
  case l1
  /// No scaling.
  case none
}

/// Reweights counts by inverse document frequency (scikit-learn's `TfidfTransformer`).
///
/// Apps set its ``Configuration`` as a ``TfidfVectorizer/Configuration/weighting`` and read the
/// fitted weights as ``TfidfVectorizer/idf``; a ``TfidfVectorizer`` counts and weights in one pass.
public struct TfidfTransformer: Sendable, Equatable {
  /// Settings of a ``TfidfTransformer``.
  public struct Configuration: Codable, Sendable, Equatable {
    /// Row normalization; `.l2` by default.
    public var norm: VectorNorm
    /// Multiply by idf; `true` by default.
    public var useIDF: Bool
    /// Add one to document frequencies as if a document held every term once; `true` by
    /// default.
    public var smoothIDF: Bool
    /// Replace a count `tf` by `1 + ln(tf)`; `false` by default.
    public var sublinearTF: Bool

    /// Creates a configuration; see each property for its default.
    public init(
      norm: VectorNorm = .l2, useIDF: Bool = true, smoothIDF: Bool = true,
      sublinearTF: Bool = false
    ) {
      self.norm = norm
      self.useIDF = useIDF
      self.smoothIDF = smoothIDF
      self.sublinearTF = sublinearTF
    }

    enum CodingKeys: String, CodingKey {
      case norm
      case useIDF = "use_idf"
      case smoothIDF = "smooth_idf"
      case sublinearTF = "sublinear_tf"
    }
  }

  /// The configuration.
  package let configuration: Configuration
  /// The inverse document frequency of each column (all ones when `useIDF` is off).
  package let idf: [Float]
  /// ``idf`` widened, the weights of Float features (so a transformer restored from a saved
  /// model gives them bit for bit).
  private let idfDouble: [Double]
  /// The idf weights as fitted, in Double before ``idf`` rounds them (scikit-learn's float64
  /// `idf_`), the weights of ``doubleValues(_:)``; ``idf`` widened in a transformer restored
  /// from it.
  package let fittedIDF: [Double]

  /// Learns idf from a count matrix: `ln((1 + n) / (1 + df)) + 1` when smoothing, else
  /// `ln(n / df) + 1`.
  package init(fitting counts: SparseMatrix, configuration: Configuration = .init()) {
    var df = [Double](repeating: 0, count: counts.columns)
    for (k, column) in counts.columnIndices.enumerated() where counts.values[k] != 0 {
      df[Int(column)] += 1
    }
    self.init(documentFrequency: df, documents: counts.rows, configuration: configuration)
  }

  /// Fits the idf weights from each column's document frequency (the number of documents
  /// where it is not zero) over `documents` documents (counts read block by block).
  package init(documentFrequency df: [Double], documents: Int, configuration: Configuration) {
    let smooth = configuration.smoothIDF ? 1.0 : 0.0
    let n = Double(documents) + smooth
    let weights =
      configuration.useIDF
      ? df.map { log(n / ($0 + smooth)) + 1 } : Array(repeating: 1.0, count: df.count)
    self.configuration = configuration
    self.idf = weights.map { Float($0) }
    // Weight with the stored (Float) idf, so a transformer restored from a saved model gives
    // bit-identical features.
    self.idfDouble = self.idf.map { Double($0) }
    self.fittedIDF = weights
  }

  /// Restores a fitted transformer from its idf weights.
  package init(idf: [Float], configuration: Configuration = .init()) {
    self.configuration = configuration
    self.idf = idf
    self.idfDouble = idf.map { Double($0) }
    self.fittedIDF = idfDouble
  }

  /// Applies sublinear tf, idf and the norm to a count matrix with matching columns.
  package func transform(_ counts: SparseMatrix) throws -> SparseMatrix {
    guard counts.columns == idf.count else {
      throw DataError.shapeMismatch(
        what: "columns of the count matrix", expected: idf.count, actual: counts.columns)
    }
    return normalizedRows(counts)
  }

  /// Applies sublinear tf, idf (when enabled) and the norm, row by row.
  func normalizedRows(_ counts: SparseMatrix) -> SparseMatrix {
    let input = counts.values
    let rowOffsets = counts.rowOffsets
    let columnIndices = counts.columnIndices
    // Written into a new, uninitialized array: every entry is set once.
    let values = [Float](unsafeUninitializedCapacity: input.count) { buffer, initialized in
      let shared = UnsafeSharedBuffer(buffer)
      input.withUnsafeBufferPointer { inputBuffer in
        columnIndices.withUnsafeBufferPointer { columnBuffer in
          let input = UnsafeSharedBuffer(readOnly: inputBuffer)
          let columns = UnsafeSharedBuffer(readOnly: columnBuffer)
          Parallel.forEach(count: counts.rows, minimumChunk: 256) { rows in
            var scratch: [Double] = []
            for r in rows {
              let start = Int(rowOffsets[r])
              let end = Int(rowOffsets[r + 1])
              (shared.base + start).initialize(
                from: input.base + start, count: end - start)
              weightRow(
                shared.base + start, columns: columns.base + start,
                count: end - start, scratch: &scratch)
            }
          }
        }
      }
      initialized = input.count
    }
    return SparseMatrix(
      uncheckedRows: counts.rows, columns: counts.columns, rowOffsets: rowOffsets,
      columnIndices: columnIndices, values: values)
  }

  /// 1 + log(tf) for the small whole counts that make up nearly every entry.
  private static let sublinearTable = (0..<256).map { $0 == 0 ? 0 : log(Double($0)) + 1 }

  /// Weights one row of counts in place: sublinear tf, idf (when enabled), then the norm,
  /// computed in Double. `scratch` is reused room.
  func weightRow(
    _ values: UnsafeMutablePointer<Float>, columns: UnsafePointer<Int32>, count: Int,
    scratch: inout [Double]
  ) {
    if scratch.count < count {
      scratch = [Double](repeating: 0, count: max(count, 2 * scratch.count))
    }
    scratch.withUnsafeMutableBufferPointer { scratchBuffer in
      let weighted = scratchBuffer.baseAddress!
      let scale = idfDouble.withUnsafeBufferPointer { weights in
        weigh(values, columns: columns, count: count, idf: weights, into: weighted)
      }
      for k in 0..<count { values[k] = Float(weighted[k] * scale) }
    }
  }

  /// One row of counts weighted into `weighted` (sublinear tf, then `idf` when enabled), in
  /// Double; returns the factor the norm scales them by.
  private func weigh(
    _ values: UnsafePointer<Float>, columns: UnsafePointer<Int32>, count: Int,
    idf weights: UnsafeBufferPointer<Double>, into weighted: UnsafeMutablePointer<Double>
  ) -> Double {
    let c = configuration
    Self.sublinearTable.withUnsafeBufferPointer { logTable in
      for k in 0..<count {
        var v = Double(values[k])
        if c.sublinearTF && v != 0 {
          // Whole counts below the table's size (every count of a document, nearly) are
          // looked up; the range test comes first, so the conversion cannot trap.
          if v >= 1 && v < Double(logTable.count), Double(Int(v)) == v {
            v = logTable[Int(v)]
          } else {
            v = log(v) + 1
          }
        }
        if c.useIDF { v *= weights[Int(columns[k])] }
        weighted[k] = v
      }
    }
    var norm = 0.0
    switch c.norm {
    case .l2: for k in 0..<count { norm += weighted[k] * weighted[k] }
    case .l1: for k in 0..<count { norm += abs(weighted[k]) }
    case .none: break
    }
    switch c.norm {
    case .l2: return norm > 0 ? 1 / norm.squareRoot() : 1
    case .l1: return norm > 0 ? 1 / norm : 1
    case .none: return 1
    }
  }

  /// The values of ``transform(_:)`` computed and kept in Double, with the idf as fitted
  /// (``fittedIDF``), as scikit-learn computes them for `dtype=np.float64`: one value per
  /// stored entry of `counts`, in its order (the features' row offsets and column indices are
  /// those of `counts`).
  package func doubleValues(_ counts: SparseMatrix) throws -> [Double] {
    guard counts.columns == idf.count else {
      throw DataError.shapeMismatch(
        what: "columns of the count matrix", expected: idf.count, actual: counts.columns)
    }
    return normalizedDoubleValues(counts)
  }

  /// ``doubleValues(_:)`` without the shape check (the hashing vectorizer weights no idf).
  func normalizedDoubleValues(_ counts: SparseMatrix) -> [Double] {
    let rowOffsets = counts.rowOffsets
    let total = counts.values.count
    return [Double](unsafeUninitializedCapacity: total) { buffer, initialized in
      let shared = UnsafeSharedBuffer(buffer)
      counts.values.withUnsafeBufferPointer { inputBuffer in
        counts.columnIndices.withUnsafeBufferPointer { columnBuffer in
          fittedIDF.withUnsafeBufferPointer { weightBuffer in
            let input = UnsafeSharedBuffer(readOnly: inputBuffer)
            let columns = UnsafeSharedBuffer(readOnly: columnBuffer)
            let weights = UnsafeSharedBuffer(readOnly: weightBuffer)
            Parallel.forEach(count: counts.rows, minimumChunk: 256) { rows in
              for r in rows {
                let start = Int(rowOffsets[r])
                let count = Int(rowOffsets[r + 1]) - start
                let out = shared.base + start
                // The row is weighted in its own place of the result, then scaled there.
                let scale = weigh(
                  input.base + start, columns: columns.base + start, count: count,
                  idf: UnsafeBufferPointer(start: weights.base, count: weights.count),
                  into: out)
                for k in 0..<count { out[k] *= scale }
              }
            }
          }
        }
      }
      initialized = total
    }
  }
}

/// TF-IDF features (scikit-learn's `TfidfVectorizer`): counts, then idf weights, then a norm.
///
/// ```swift
/// let (vectorizer, x) = try TfidfVectorizer.fitTransform(
///   documents,
///   configuration: .init(counting: .init(tokenizer: .sklearn, minDocumentFrequency: .count(2))))
/// ```
public struct TfidfVectorizer: Sendable {
  /// Settings of a ``TfidfVectorizer``: how documents are counted and how counts are
  /// weighted, each declared once by the stage it configures (scikit-learn builds
  /// `TfidfVectorizer` the same way, from `CountVectorizer` and `TfidfTransformer`).
  ///
  /// ```swift
  /// let configuration = TfidfVectorizer.Configuration(
  ///   counting: .init(minDocumentFrequency: .count(2)), weighting: .init(sublinearTF: true))
  /// ```
  public struct Configuration: Codable, Sendable, Equatable {
    /// Tokenizing, document-frequency bounds, `max_features` and binary counts;
    /// `CountVectorizer.Configuration()` by default.
    public var counting: CountVectorizer.Configuration
    /// Sublinear tf, idf and the row norm; `TfidfTransformer.Configuration()` by default.
    public var weighting: TfidfTransformer.Configuration

    /// Creates a configuration; see each property for its default.
    public init(
      counting: CountVectorizer.Configuration = .init(),
      weighting: TfidfTransformer.Configuration = .init()
    ) {
      self.counting = counting
      self.weighting = weighting
    }

    /// Checks every field; throws ``ConfigurationError`` naming the first bad one.
    public func validate() throws { try counting.validate() }
  }

  /// The configuration.
  public let configuration: Configuration
  /// The counting stage.
  package let counter: CountVectorizer
  /// The weighting stage.
  package let transformer: TfidfTransformer

  /// The learned terms, in column order.
  public var vocabulary: Vocabulary { counter.vocabulary }
  /// The idf weight of each column.
  public var idf: [Float] { transformer.idf }
  /// The tokenizer.
  public var tokenizer: Tokenizer { counter.tokenizer }

  /// Learns vocabulary and idf from `documents`, or only the idf of a given `vocabulary`'s
  /// terms (see ``fitTransform(_:vocabulary:configuration:)``).
  public init(
    fitting documents: [String], vocabulary: Vocabulary? = nil,
    configuration: Configuration = .init()
  ) throws {
    self = try TfidfVectorizer.fitTransform(
      documents, vocabulary: vocabulary, configuration: configuration
    ).vectorizer
  }

  /// Restores a fitted vectorizer (for example from a saved model).
  public init(vocabulary: Vocabulary, idf: [Float], configuration: Configuration) throws {
    guard idf.count == vocabulary.count else {
      throw DataError.shapeMismatch(
        what: "idf weights (one per term)", expected: vocabulary.count, actual: idf.count)
    }
    self.configuration = configuration
    self.counter = try CountVectorizer(
      vocabulary: vocabulary, configuration: configuration.counting)
    self.transformer = TfidfTransformer(idf: idf, configuration: configuration.weighting)
  }

  /// Learns vocabulary and idf and returns the TF-IDF matrix of the same documents, tokenizing
  /// them once.
  ///
  /// - Parameters:
  ///   - documents: the texts to fit on and transform.
  ///   - vocabulary: a fixed vocabulary (scikit-learn's `vocabulary=`), or `nil` (the default)
  ///     to learn one. With a vocabulary, the columns are its terms in its order, nothing is
  ///     pruned (``CountVectorizer/Configuration/minDocumentFrequency``,
  ///     ``CountVectorizer/Configuration/maxDocumentFrequency`` and
  ///     ``CountVectorizer/Configuration/maxFeatures`` play no part), and only the idf weights
  ///     are fitted on `documents`.
  ///   - configuration: how documents are counted and weighted.
  /// - Returns: the fitted vectorizer and the TF-IDF rows of `documents`.
  /// - Throws: ``ConfigurationError`` for invalid settings; ``DataError`` when, learning a
  ///   vocabulary, the documents hold no term or pruning leaves none.
  public static func fitTransform(
    _ documents: [String], vocabulary: Vocabulary? = nil, configuration: Configuration = .init()
  ) throws -> (vectorizer: TfidfVectorizer, features: SparseMatrix) {
    if let vocabulary {
      return try fitTransform(documents, fixedVocabulary: vocabulary, configuration: configuration)
    }
    return try fitTransform(configuration: configuration, blocks: { add in add(documents) })
  }

  /// ``fitTransform(_:vocabulary:configuration:)`` over documents handed over block by block:
  /// `documentBlocks` calls its argument with each block in turn (for example as they are read
  /// from a file), and each block is counted while the next one is read. Memory holds the text
  /// of two blocks, the term tables and the counts, never the whole corpus. The result is the
  /// same as for all the blocks' documents in one array.
  package static func fitTransform(
    configuration: Configuration = .init(),
    documentBlocks: (_ add: ([String]) -> Void) throws -> Void
  ) throws -> (vectorizer: TfidfVectorizer, features: SparseMatrix) {
    try fitTransform(configuration: configuration, blocks: documentBlocks)
  }

  /// ``fitTransform(configuration:documentBlocks:)`` over blocks of documents as a reader
  /// gathers them, in one buffer each (see ``CorpusReader/forEachBlock(blockBytes:keepsLabels:_:)``).
  package static func fitTransform(
    configuration: Configuration = .init(),
    readBlocks: (_ add: (DocumentBlock) -> Void) throws -> Void
  ) throws -> (vectorizer: TfidfVectorizer, features: SparseMatrix) {
    try fitTransform(configuration: configuration, blocks: readBlocks)
  }

  /// The work of every `fitTransform`: counting fits the idf too, and weights each row as it
  /// assembles it.
  private static func fitTransform<Block: UTF8Documents>(
    configuration: Configuration, blocks: (_ add: (Block) -> Void) throws -> Void
  ) throws -> (vectorizer: TfidfVectorizer, features: SparseMatrix) {
    let (counter, features, transformer) = try CountVectorizer.fit(
      documentBlocks: blocks, configuration: configuration.counting,
      weighting: configuration.weighting)
    let vectorizer = TfidfVectorizer(
      configuration: configuration, counter: counter, transformer: transformer!)
    return (vectorizer, features)
  }

  /// A vectorizer of fitted stages, the transformer's Double idf kept.
  init(
    configuration: Configuration, counter: CountVectorizer, transformer: TfidfTransformer
  ) {
    self.configuration = configuration
    self.counter = counter
    self.transformer = transformer
  }

  /// The TF-IDF matrix of `documents` (unknown terms are ignored).
  ///
  /// - Throws: ``ConfigurationError`` naming the token pattern when a custom one runs out of
  ///   its step budget on a document (it backtracks catastrophically); never otherwise.
  public func transform(_ documents: [String]) throws -> SparseMatrix {
    try transformer.transform(counter.transform(documents))
  }

  /// ``transform(_:)`` computed and kept in Double, as scikit-learn computes it for
  /// `dtype=np.float64`, with the idf as fitted (``TfidfTransformer/fittedIDF``): the count
  /// matrix of `documents`, whose row offsets and column indices the features share, and each
  /// stored entry's TF-IDF value.
  package func doubleFeatures(_ documents: [String]) throws -> (
    counts: SparseMatrix, values: [Double]
  ) {
    let counts = try counter.transform(documents)
    return (counts, try transformer.doubleValues(counts))
  }
}
