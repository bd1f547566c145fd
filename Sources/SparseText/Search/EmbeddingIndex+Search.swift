import Foundation

extension EmbeddingIndex {
  /// The nearest rows of each query vector, best first.
  ///
  /// - Parameters:
  ///   - queries: one query per row, ``dimension`` wide (normalized here; a zero query scores
  ///     0 against every row, which then come in row order).
  ///   - options: how many neighbours, above which score, among which rows.
  /// - Returns: per query, up to ``SearchOptions/k`` neighbours by descending score, ties by
  ///   row.
  /// - Throws: ``DataError`` for a query of another width or with non-finite values,
  ///   ``EmbeddingIndexError/unknownID(id:)`` for an allowed id that is not in the index,
  ///   ``ConfigurationError`` for invalid options.
  public func search(_ queries: DenseMatrix, options: SearchOptions = .init()) throws
    -> [[Neighbor]]
  {
    try search(queries, options: options, isCancelled: nil)
  }

  /// The nearest rows of each text, embedded by the index's ``pipeline``, best first.
  ///
  /// - Throws: ``ConfigurationError`` when the index has no pipeline (it was built from
  ///   vectors, or loaded without one) or for invalid options, and what
  ///   the vector form of `search(_:options:)` throws.
  public func search(_ texts: [String], options: SearchOptions = .init()) throws -> [[Neighbor]] {
    try search(texts: texts, options: options, isCancelled: nil)
  }

  /// The nearest rows of one text, best first (see `search(_:options:)`).
  public func search(_ text: String, options: SearchOptions = .init()) throws -> [Neighbor] {
    try search([text], options: options)[0]
  }

  /// The nearest other rows of rows of the index itself, best first: each row's own entry is
  /// left out (other rows with the same vector are not).
  ///
  /// - Parameters:
  ///   - ids: the ids of the rows whose neighbours are wanted.
  ///   - options: how many neighbours, above which score, among which rows.
  /// - Returns: per id, up to ``SearchOptions/k`` other rows by descending score, ties by row.
  /// - Throws: ``EmbeddingIndexError/unknownID(id:)`` for an id that is not in the index,
  ///   ``ConfigurationError`` for invalid options.
  public func neighbors(of ids: [String], options: SearchOptions = .init()) throws
    -> [[Neighbor]]
  {
    try neighbors(of: ids, options: options, isCancelled: nil)
  }

  /// Every pair of rows whose similarity reaches ``DuplicateOptions/threshold``, each pair once
  /// (first row before second), by descending score, ties by first row, then second.
  ///
  /// - Throws: ``DataError/exceedsMemory(what:bytes:available:suggestion:)`` when there are
  ///   more pairs than fit in memory, ``EmbeddingIndexError/unknownID(id:)`` for an allowed id
  ///   that is not in the index, ``ConfigurationError`` for invalid options.
  public func duplicates(_ options: DuplicateOptions = .init()) throws -> [DuplicatePair] {
    try duplicates(options, isCancelled: nil)
  }

  /// The vector form of `search(_:options:)` that asks `isCancelled` between blocks.
  package func search(
    _ queries: DenseMatrix, options: SearchOptions, isCancelled: CancellationCheck?
  ) throws -> [[Neighbor]] {
    try options.validate()
    guard queries.columns == dimension else {
      throw DataError.shapeMismatch(
        what: "columns of the query vectors (the index's dimension)", expected: dimension,
        actual: queries.columns)
    }
    var values = queries.values
    try Self.normalizeRows(
      &values, rows: queries.rows, columns: queries.columns, what: "the query vectors")
    return try search(
      unitQueries: values, count: queries.rows, excluding: nil, options: options,
      isCancelled: isCancelled)
  }

  /// `search(_:options:)` for texts, embedded and searched one block
  /// (``Configuration/blockSize`` texts) at a time, asking `isCancelled` between blocks.
  package func search(texts: [String], options: SearchOptions, isCancelled: CancellationCheck?)
    throws -> [[Neighbor]]
  {
    try options.validate()
    let pipeline = try requirePipeline()
    var results: [[Neighbor]] = []
    results.reserveCapacity(texts.count)
    var start = 0
    while start < texts.count {
      try checkCancellation(isCancelled)
      let end = min(texts.count, start + configuration.blockSize)
      let queries = try pipeline.embeddings(for: texts[start..<end])
      results += try search(queries, options: options, isCancelled: isCancelled)
      start = end
    }
    return results
  }

  /// ``neighbors(of:options:)`` that asks `isCancelled` between blocks.
  package func neighbors(of ids: [String], options: SearchOptions, isCancelled: CancellationCheck?)
    throws -> [[Neighbor]]
  {
    try options.validate()
    let rows = try ids.map { try row(of: $0) }
    var values: [Float] = []
    values.reserveCapacity(rows.count * dimension)
    for row in rows { values += vectors.row(row) }
    return try search(
      unitQueries: values, count: rows.count, excluding: rows, options: options,
      isCancelled: isCancelled)
  }

  /// ``duplicates(_:)`` that asks `isCancelled` between blocks of rows.
  package func duplicates(_ options: DuplicateOptions, isCancelled: CancellationCheck?) throws
    -> [DuplicatePair]
  {
    try options.validate()
    let target = try scanTarget(allowedIDs: options.allowedIDs, quantized: false)
    return try NeighborScan.pairs(
      target: target, threshold: options.threshold, isCancelled: isCancelled
    ).map { pair in
      let first = target.indexRow(pair.first)
      let second = target.indexRow(pair.second)
      return DuplicatePair(
        firstID: ids[first], secondID: ids[second], firstRow: first, secondRow: second,
        score: pair.score)
    }
  }

  /// The pipeline text queries go through.
  func requirePipeline() throws -> TextFeaturePipeline {
    guard let pipeline else {
      throw ConfigurationError.conflict(
        reason: "this index has no pipeline to embed text with",
        suggestion:
          "Search it with vectors, or give it the pipeline it was built with (`using(_:)`, or the `pipeline` of the loading initializer)."
      )
    }
    return pipeline
  }

  /// Searches with unit queries; `excluding` holds, per query, an index row never to return.
  func search(
    unitQueries values: [Float], count: Int, excluding: [Int]?, options: SearchOptions,
    isCancelled: CancellationCheck?
  ) throws -> [[Neighbor]] {
    let target = try scanTarget(allowedIDs: options.allowedIDs, quantized: true)
    let excluded = excluding.map { rows in
      rows.map { row in
        guard let indexRows = target.indexRows else { return row }
        var low = 0
        var high = indexRows.count
        while low < high {
          let middle = (low + high) / 2
          if indexRows[middle] < row { low = middle + 1 } else { high = middle }
        }
        return low < indexRows.count && indexRows[low] == row ? low : -1
      }
    }
    let hits = try NeighborScan.topK(
      queries: values, count: count, target: target, k: options.k,
      minimumScore: options.minimumScore, excluded: excluded, isCancelled: isCancelled)
    return hits.map { list in
      list.enumerated().map { rank, hit in
        let row = target.indexRow(hit.row)
        return Neighbor(id: ids[row], row: row, score: hit.score, rank: rank + 1)
      }
    }
  }

  /// The rows a search reads: all of them, or those of `allowedIDs` in index order.
  func scanTarget(allowedIDs: Set<String>?, quantized: Bool) throws -> ScanTarget {
    guard let allowedIDs else {
      return ScanTarget(
        values: vectors.values, quantized: quantized ? scanCopy : nil, rows: count,
        dimension: dimension, indexRows: nil)
    }
    let rows = try allowedIDs.map { try row(of: $0) }.sorted()
    return ScanTarget(
      values: vectors.selectingRows(rows).values,
      quantized: quantized ? scanCopy?.selecting(rows) : nil, rows: rows.count,
      dimension: dimension, indexRows: rows)
  }
}
