/// Term counts per document (scikit-learn's `CountVectorizer`): a vocabulary learned from a
/// corpus and a CSR matrix of counts (or 0/1 with ``Configuration/binary``).
public struct CountVectorizer: Sendable {
  /// Settings of a ``CountVectorizer``.
  public struct Configuration: Codable, Sendable, Equatable {
    /// How documents become terms; the unicode preset by default.
    public var tokenizer: Tokenizer.Configuration
    /// Drop terms in fewer documents than this (`min_df`); `.count(1)` by default.
    public var minDocumentFrequency: DocumentFrequencyBound
    /// Drop terms in more documents than this (`max_df`); `.fraction(1)` by default.
    public var maxDocumentFrequency: DocumentFrequencyBound
    /// Keep only this many terms, the most frequent in the corpus (`max_features`); all by
    /// default. Frequency is the total count, or the document frequency when ``binary`` is
    /// set (scikit-learn binarizes first). Ties at the cut are broken in favour of the earlier
    /// term in sorted order.
    public var maxFeatures: Int?
    /// Record presence (1) instead of counts; `false` by default.
    public var binary: Bool

    /// Creates a configuration; see each property for its default.
    public init(
      tokenizer: Tokenizer.Configuration = .unicode,
      minDocumentFrequency: DocumentFrequencyBound = .count(1),
      maxDocumentFrequency: DocumentFrequencyBound = .fraction(1),
      maxFeatures: Int? = nil,
      binary: Bool = false
    ) {
      self.tokenizer = tokenizer
      self.minDocumentFrequency = minDocumentFrequency
      self.maxDocumentFrequency = maxDocumentFrequency
      self.maxFeatures = maxFeatures
      self.binary = binary
    }

    /// Checks every field; throws ``ConfigurationError`` naming the first bad one.
    public func validate() throws {
      try tokenizer.validate()
      try minDocumentFrequency.validate(field: .minDocumentFrequency)
      try maxDocumentFrequency.validate(field: .maxDocumentFrequency)
      if let maxFeatures, maxFeatures < 1 {
        throw ConfigurationError.outOfRange(
          field: .maxFeatures, value: "\(maxFeatures)", allowed: "1 or more")
      }
    }

    enum CodingKeys: String, CodingKey {
      case tokenizer
      case minDocumentFrequency = "min_document_frequency"
      case maxDocumentFrequency = "max_document_frequency"
      case maxFeatures = "max_features"
      case binary
    }
  }

  /// The configuration this vectorizer was fitted with.
  public let configuration: Configuration
  /// The learned terms, in column order.
  public let vocabulary: Vocabulary
  /// The tokenizer built from ``Configuration/tokenizer``.
  public let tokenizer: Tokenizer

  /// Learns the vocabulary of `documents`.
  public init(fitting documents: [String], configuration: Configuration = .init()) throws {
    self = try CountVectorizer.fitTransform(documents, configuration: configuration).vectorizer
  }

  /// Uses a fixed vocabulary (scikit-learn's `vocabulary=` argument, or a saved model).
  public init(vocabulary: Vocabulary, configuration: Configuration = .init()) throws {
    try configuration.validate()
    self.configuration = configuration
    self.vocabulary = vocabulary
    self.tokenizer = try Tokenizer(configuration.tokenizer)
  }

  /// Learns the vocabulary and returns the count matrix of the same documents, tokenizing once.
  public static func fitTransform(_ documents: [String], configuration: Configuration = .init())
    throws -> (vectorizer: CountVectorizer, counts: SparseMatrix)
  {
    let (vectorizer, counts, _) = try fit(documents, configuration: configuration, weighting: nil)
    return (vectorizer, counts)
  }

  /// ``fitTransform(_:configuration:)`` over documents handed over block by block:
  /// `documentBlocks` calls its argument with each block in turn (for example as they are read
  /// from a file), and each block is counted while the next one is read. Memory holds the text
  /// of two blocks, the term tables and the counts, never the whole corpus. The result is the
  /// same as for all the blocks' documents in one array.
  package static func fitTransform(
    configuration: Configuration = .init(),
    documentBlocks: (_ add: ([String]) -> Void) throws -> Void
  ) throws -> (vectorizer: CountVectorizer, counts: SparseMatrix) {
    let (vectorizer, counts, _) = try fit(
      documentBlocks: documentBlocks, configuration: configuration, weighting: nil)
    return (vectorizer, counts)
  }

  /// ``fitTransform(configuration:documentBlocks:)`` over blocks of documents as a reader
  /// gathers them, in one buffer each (see ``CorpusReader/forEachBlock(blockBytes:keepsLabels:_:)``).
  package static func fitTransform(
    configuration: Configuration = .init(),
    readBlocks: (_ add: (DocumentBlock) -> Void) throws -> Void
  ) throws -> (vectorizer: CountVectorizer, counts: SparseMatrix) {
    let (vectorizer, counts, _) = try fit(
      documentBlocks: readBlocks, configuration: configuration, weighting: nil)
    return (vectorizer, counts)
  }

  /// ``fitTransform(_:configuration:)``; with `weighting`, also fits a ``TfidfTransformer`` on
  /// the counts and returns its features instead of the counts, weighting each row as it is
  /// assembled (the same values as `transform` on the counts, without a second pass).
  static func fit(
    _ documents: [String], configuration: Configuration,
    weighting: TfidfTransformer.Configuration?
  ) throws -> (vectorizer: CountVectorizer, matrix: SparseMatrix, transformer: TfidfTransformer?) {
    try fit(
      documentBlocks: { add in add(documents) }, configuration: configuration, weighting: weighting)
  }

  /// ``fit(_:configuration:weighting:)`` over blocks of documents.
  static func fit<Block: UTF8Documents>(
    documentBlocks: (_ add: (Block) -> Void) throws -> Void, configuration: Configuration,
    weighting: TfidfTransformer.Configuration?
  ) throws -> (vectorizer: CountVectorizer, matrix: SparseMatrix, transformer: TfidfTransformer?) {
    try configuration.validate()
    let tokenizer = try Tokenizer(configuration.tokenizer)
    // Totals rank terms for `maxFeatures`, unless binary counts rank them by document
    // frequency.
    let counter = TermCounting.Counter(
      tokenizer: tokenizer,
      keepsTotals: configuration.maxFeatures != nil && !configuration.binary)
    do {
      try documentBlocks { counter.add($0) }
    } catch {
      _ = try? counter.finish()  // the block being counted is not left running
      throw error
    }
    let raw = try counter.finish()
    let documentCount = raw.documents
    guard raw.terms.count > 0 else {
      throw DataError.emptyVocabulary(documents: documentCount)
    }
    let (kept, columnOf) = try selectTerms(
      raw, documentCount: documentCount, configuration: configuration)
    // The vocabulary (its strings and lookup table) is built on another core while the
    // matrix is assembled.
    let terms = raw.terms
    let vocabularyTask = Background { Self.vocabulary(of: kept, in: terms) }
    var transformer: TfidfTransformer?
    if let weighting {
      // A column's document frequency is its term's: every stored count is at least 1.
      var df = [Double](repeating: 0, count: kept.count)
      for (id, column) in columnOf.enumerated() where column >= 0 {
        df[Int(column)] = Double(raw.documentFrequency[id])
      }
      transformer = TfidfTransformer(
        documentFrequency: df, documents: documentCount, configuration: weighting)
    }
    let matrix = remap(
      raw, columnOf: columnOf, columns: kept.count, binary: configuration.binary,
      weighting: transformer)
    let vocabulary = vocabularyTask.value
    let vectorizer = CountVectorizer(
      configuration: configuration, vocabulary: vocabulary, tokenizer: tokenizer)
    return (vectorizer, matrix, transformer)
  }

  private init(configuration: Configuration, vocabulary: Vocabulary, tokenizer: Tokenizer) {
    self.configuration = configuration
    self.vocabulary = vocabulary
    self.tokenizer = tokenizer
  }

  /// The count matrix of `documents` over the fitted vocabulary (unknown terms are ignored).
  ///
  /// - Throws: ``ConfigurationError`` naming the token pattern when a custom one runs out of
  ///   its step budget on a document (it backtracks catastrophically); never otherwise.
  public func transform(_ documents: [String]) throws -> SparseMatrix {
    let vocabulary = self.vocabulary
    var counts = try TermCounting.countColumns(
      documents, tokenizer: tokenizer, columns: vocabulary.count
    ) { bytes in vocabulary.index(ofUTF8: bytes).map { ($0, 1) } }
    if configuration.binary {
      counts = SparseMatrix(
        uncheckedRows: counts.rows, columns: counts.columns, rowOffsets: counts.rowOffsets,
        columnIndices: counts.columnIndices,
        values: Array(repeating: 1, count: counts.nonzeroCount))
    }
    return counts
  }

  /// scikit-learn's `_sort_features` and `_limit_features`: sorted terms, document-frequency
  /// bounds, then the `maxFeatures` most frequent. Returns the kept terms' ids in `raw.terms`,
  /// in column order, and each id's column (-1 for a pruned term).
  private static func selectTerms(
    _ raw: TermCounting.Counts, documentCount: Int, configuration: Configuration
  ) throws -> (kept: [Int], columnOf: [Int32]) {
    let termCount = raw.terms.count
    let documentFrequency = raw.documentFrequency
    // scikit-learn binarizes before `_limit_features`, so binary counts rank terms by
    // document frequency.
    let totals = configuration.binary ? documentFrequency.map { Double($0) } : raw.totals
    let (low, high) = try documentFrequencyBounds(
      documentCount: documentCount, configuration: configuration)
    // Sorted by UTF-8 bytes, which is code point order, which is how Python sorts strings.
    // Only terms inside the document-frequency bounds are sorted.
    var order = (0..<termCount).filter { id in
      let df = Double(documentFrequency[id])
      return df <= high && df >= low
    }
    raw.terms.sortByBytes(&order)
    var kept = order.filter { id in
      let df = Double(documentFrequency[id])
      return df <= high && df >= low
    }
    kept = limitFeatures(kept, total: { totals[$0] }, maxFeatures: configuration.maxFeatures)
    guard !kept.isEmpty else {
      throw DataError.noTermsAfterPruning(terms: termCount)
    }
    var columnOf = [Int32](repeating: -1, count: termCount)
    for (column, id) in kept.enumerated() { columnOf[id] = Int32(column) }
    return (kept, columnOf)
  }

  /// The vocabulary of the terms `kept` of `terms`, in that order; its lookup table is filled
  /// from the counting table's bytes and hashes.
  private static func vocabulary(of kept: [Int], in terms: ByteStringTable) -> Vocabulary {
    var table = ByteStringTable(capacity: kept.count)
    var strings: [String] = []
    strings.reserveCapacity(kept.count)
    for id in kept {
      terms.withBytes(id) { bytes in
        _ = table.insert(bytes, hash: terms.storedHash(id))
        strings.append(String(decoding: bytes, as: UTF8.self))
      }
    }
    return Vocabulary(terms: strings, distinctTable: table)
  }

  /// The fewest and most documents a kept term may occur in (`min_df`, `max_df`).
  static func documentFrequencyBounds(documentCount: Int, configuration: Configuration) throws
    -> (low: Double, high: Double)
  {
    let high = configuration.maxDocumentFrequency.documents(outOf: documentCount)
    let low = configuration.minDocumentFrequency.documents(outOf: documentCount)
    guard high >= low else {
      throw ConfigurationError.conflict(
        reason:
          "\(field: .maxDocumentFrequency) (\(configuration.maxDocumentFrequency)) corresponds to "
          + "fewer documents than \(field: .minDocumentFrequency) "
          + "(\(configuration.minDocumentFrequency))",
        suggestion:
          "Lower \(field: .minDocumentFrequency) or raise \(field: .maxDocumentFrequency).")
    }
    return (low, high)
  }

  /// The `maxFeatures` terms of `kept` (in byte order) with the largest totals, still in byte
  /// order; ties at the cut go to the earlier term. Shared with ``TermStatistics``.
  static func limitFeatures(_ kept: [Int], total: (Int) -> Double, maxFeatures: Int?) -> [Int] {
    guard let limit = maxFeatures, kept.count > limit else { return kept }
    let ranked = kept.indices.sorted { a, b in
      let ta = total(kept[a])
      let tb = total(kept[b])
      return ta != tb ? ta > tb : a < b
    }
    return ranked.prefix(limit).sorted().map { kept[$0] }
  }

  /// Rewrites raw term ids as vocabulary columns, dropping pruned terms and sorting each row
  /// (and weighting it, with `weighting`), in parallel over the counted segments: the kept
  /// entries of every row, then the row offsets, then the rows themselves. Each segment's
  /// arrays are let go as soon as its rows are written, so memory holds the matrix and the
  /// segments not yet assembled.
  private static func remap(
    _ raw: TermCounting.Counts, columnOf: [Int32], columns: Int, binary: Bool,
    weighting: TfidfTransformer?
  ) -> SparseMatrix {
    let columnsByWorker = raw.merged.map { ids in ids.map { columnOf[Int($0)] } }
    let offsets = rowOffsets(raw.segments, columnsByWorker: columnsByWorker)
    let (indices, values) = fillRows(
      raw.segments, columnsByWorker: columnsByWorker, offsets: offsets, columns: columns,
      binary: binary, weighting: weighting)
    return SparseMatrix(
      uncheckedRows: offsets.count - 1, columns: columns, rowOffsets: offsets,
      columnIndices: indices, values: values)
  }

  /// The matrix's row offsets: each row's count of entries whose terms have a column.
  private static func rowOffsets(
    _ segments: [TermCounting.Segment], columnsByWorker: [[Int32]]
  ) -> [Int64] {
    // One task per segment, which the workers take in turn: segments differ in size (a
    // reader's first blocks are small), so equal numbers of them are not equal work.
    let kept = Parallel.map(count: segments.count, workers: segments.count) {
      range -> [[Int64]] in
      range.map { s in
        let segment = segments[s]
        var kept = [Int64](repeating: 0, count: segment.rows)
        columnsByWorker[segment.worker].withUnsafeBufferPointer { column in
          segment.termIDs.withUnsafeBufferPointer { ids in
            var k = 0
            for r in kept.indices {
              let end = Int(segment.rowOffsets[r + 1])
              var n: Int64 = 0
              while k < end {
                if column[Int(ids[k])] >= 0 { n += 1 }
                k += 1
              }
              kept[r] = n
            }
          }
        }
        return kept
      }
    }.flatMap { $0 }
    var offsets: [Int64] = [0]
    offsets.reserveCapacity(segments.reduce(1) { $0 + $1.rows })
    for part in kept {
      for n in part { offsets.append(offsets.last! + n) }
    }
    return offsets
  }

  /// Every row's kept entries, in place, ordered by column and weighted: each segment's rows
  /// on one worker, after which the segment's arrays are released.
  private static func fillRows(
    _ segments: [TermCounting.Segment], columnsByWorker: [[Int32]], offsets: [Int64],
    columns: Int, binary: Bool, weighting: TfidfTransformer?
  ) -> (indices: [Int32], values: [Float]) {
    let nonzeros = Int(offsets.last!)
    let firstRow = segments.reduce(into: [0]) { $0.append($0.last! + $1.rows) }
    // Every entry is written exactly once below, so the arrays start uninitialized: no
    // zero-filling pass, and their pages are first touched by the workers that fill them.
    var values: [Float] = []
    let indices = [Int32](unsafeUninitializedCapacity: nonzeros) { indexBuffer, indexCount in
      values = [Float](unsafeUninitializedCapacity: nonzeros) { valueBuffer, valueCount in
        let outIndices = UnsafeSharedBuffer(indexBuffer)
        let outValues = UnsafeSharedBuffer(valueBuffer)
        // One task per segment, as in `rowOffsets`.
        Parallel.forEach(count: segments.count, workers: segments.count) { range in
          var keys: [UInt64] = []
          var scratch: [UInt64] = []
          var weights: [Double] = []
          for s in range {
            let segment = segments[s]
            columnsByWorker[segment.worker].withUnsafeBufferPointer { column in
              segment.termIDs.withUnsafeBufferPointer { ids in
                segment.counts.withUnsafeBufferPointer { counts in
                  var k = 0
                  for r in 0..<segment.rows {
                    let end = Int(segment.rowOffsets[r + 1])
                    let start = Int(offsets[firstRow[s] + r])
                    var slot = start
                    // Kept entries straight into place, then ordered by column: insertion
                    // sort for short rows, a comparison or radix sort for long ones.
                    while k < end {
                      let j = column[Int(ids[k])]
                      if j >= 0 {
                        outIndices[slot] = j
                        outValues[slot] = binary ? 1 : counts[k]
                        slot += 1
                      }
                      k += 1
                    }
                    Self.orderRow(
                      outIndices.base + start, outValues.base + start, count: slot - start,
                      columns: columns, keys: &keys, scratch: &scratch)
                    weighting?.weightRow(
                      outValues.base + start, columns: outIndices.base + start,
                      count: slot - start, scratch: &weights)
                  }
                }
              }
            }
            segment.release()
          }
        }
        valueCount = nonzeros
      }
      indexCount = nonzeros
    }
    return (indices, values)
  }

  /// Orders `count` entries (column `indices`, `values`) by column; columns are distinct.
  private static func orderRow(
    _ indices: UnsafeMutablePointer<Int32>, _ values: UnsafeMutablePointer<Float>, count: Int,
    columns: Int, keys: inout [UInt64], scratch: inout [UInt64]
  ) {
    if count <= 32 {
      for i in 1..<max(1, count) {
        let index = indices[i]
        let value = values[i]
        var j = i
        while j > 0 && indices[j - 1] > index {
          indices[j] = indices[j - 1]
          values[j] = values[j - 1]
          j -= 1
        }
        indices[j] = index
        values[j] = value
      }
      return
    }
    keys.removeAll(keepingCapacity: true)
    for i in 0..<count {
      keys.append(UInt64(UInt32(indices[i])) << 32 | UInt64(values[i].bitPattern))
    }
    // Columns are distinct, so sorting the whole keys orders them by column. A comparison
    // sort wins on rows of up to a few hundred entries; longer ones go by radix.
    if count <= 512 {
      keys.sort()
    } else {
      keys.withUnsafeMutableBufferPointer {
        RadixSort.sortByHighWord($0, bound: UInt32(columns), scratch: &scratch)
      }
    }
    for (i, key) in keys.enumerated() {
      indices[i] = Int32(truncatingIfNeeded: key >> 32)
      values[i] = Float(bitPattern: UInt32(truncatingIfNeeded: key))
    }
  }
}
