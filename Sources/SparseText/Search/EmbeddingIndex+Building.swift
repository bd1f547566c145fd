extension EmbeddingIndex {
  /// Progress of building an index from documents.
  public enum BuildEvent: Sendable, Equatable {
    /// This many documents are embedded so far (after each block).
    case embedded(documents: Int)
  }

  /// Builds an index from rows that arrive in blocks: vectors, or documents embedded by a
  /// pipeline. Each block is normalized as it is added, so only the index's own rows are held.
  ///
  /// ```swift
  /// var builder = EmbeddingIndex.Builder(pipeline: pipeline)
  /// for block in blocks { try builder.add(documents: block.texts, ids: block.ids) }
  /// let index = try builder.finish()
  /// ```
  public struct Builder: Sendable {
    /// The pipeline documents are embedded with, if any.
    package let pipeline: TextFeaturePipeline?
    /// How the finished index is scanned.
    package let configuration: Configuration
    /// The width of every row.
    public let dimension: Int
    /// The rows added so far.
    public private(set) var count = 0
    private var values: [Float] = []
    private var ids: [String] = []
    private let modelDigest: String?

    /// A builder of an index of vectors from `pipeline` (whose digest it records), or of
    /// `dimension`-wide vectors without a model.
    ///
    /// - Parameters:
    ///   - pipeline: the pipeline documents are embedded with; `nil` for vectors only.
    ///   - dimension: the width of the rows when there is no pipeline (the pipeline's
    ///     embedding width otherwise).
    ///   - configuration: how the finished index is scanned.
    /// - Throws: ``ConfigurationError`` for invalid settings or a missing width,
    ///   ``DataError`` for a width that is not the pipeline's.
    public init(
      pipeline: TextFeaturePipeline? = nil, dimension: Int? = nil,
      configuration: Configuration = .init()
    ) throws {
      try configuration.validate()
      if let pipeline, let dimension, dimension != pipeline.embeddingWidth {
        throw DataError.shapeMismatch(
          what: "the dimension (the pipeline's embedding width)",
          expected: pipeline.embeddingWidth, actual: dimension)
      }
      guard let width = dimension ?? pipeline?.embeddingWidth, width >= 1 else {
        throw ConfigurationError.outOfRange(
          field: .dimension, value: "\(dimension.map(String.init) ?? "none")",
          allowed: "1 or more (or a pipeline, whose embedding width it is)")
      }
      self.pipeline = pipeline
      self.dimension = width
      self.configuration = configuration
      self.modelDigest = pipeline?.embeddingDigest
    }

    /// Adds rows of vectors.
    ///
    /// - Parameters:
    ///   - vectors: ``dimension``-wide rows with finite values.
    ///   - ids: one id per row; `nil` for the row numbers (`"\(count)"`, … as rows arrive).
    /// - Throws: ``DataError`` for another width, a non-finite value or an id count that does
    ///   not match (nothing is added then).
    public mutating func add(_ vectors: DenseMatrix, ids: [String]? = nil) throws {
      guard vectors.columns == dimension else {
        throw DataError.shapeMismatch(
          what: "columns of the vectors (the index's dimension)", expected: dimension,
          actual: vectors.columns)
      }
      if let ids, ids.count != vectors.rows {
        throw DataError.shapeMismatch(
          what: "ids (one per row)", expected: vectors.rows, actual: ids.count)
      }
      var block = vectors.values
      try EmbeddingIndex.normalizeRows(&block, rows: vectors.rows, columns: dimension)
      values += block
      self.ids += ids ?? (count..<(count + vectors.rows)).map { String($0) }
      count += vectors.rows
    }

    /// Adds documents, embedded by the builder's pipeline.
    ///
    /// - Throws: ``ConfigurationError`` when the builder has no pipeline, ``DataError`` for
    ///   an id count that does not match.
    public mutating func add(documents: [String], ids: [String]? = nil) throws {
      guard let pipeline else {
        throw ConfigurationError.conflict(
          reason: "this index builder has no pipeline to embed documents with",
          suggestion: "Create it with the pipeline, or add vectors.")
      }
      if let ids, ids.count != documents.count {
        throw DataError.shapeMismatch(
          what: "ids (one per document)", expected: documents.count, actual: ids.count)
      }
      try add(pipeline.embeddings(for: documents), ids: ids)
    }

    /// The index of the rows added.
    ///
    /// - Throws: ``EmbeddingIndexError/duplicateID(id:firstRow:secondRow:)`` for an id given
    ///   twice.
    public func finish() throws -> EmbeddingIndex {
      try EmbeddingIndex(
        unitRows: DenseMatrix(uncheckedRows: count, columns: dimension, values: values),
        ids: ids, modelDigest: modelDigest, pipeline: pipeline, configuration: configuration)
    }
  }

  /// The index of `documents`, embedded by `pipeline` one block
  /// (``Configuration/blockSize`` documents) at a time.
  ///
  /// - Parameters:
  ///   - documents: the texts, one row each.
  ///   - ids: one unique id per document; `nil` for the row numbers.
  ///   - pipeline: the pipeline that embeds them; the index records its digest and keeps it
  ///     for text queries.
  ///   - configuration: how the index is built and scanned.
  ///   - progress: called after each block with the number of documents embedded so far.
  /// - Throws: ``DataError`` for an id count that does not match,
  ///   ``EmbeddingIndexError/duplicateID(id:firstRow:secondRow:)`` for an id given twice,
  ///   ``ConfigurationError`` for invalid settings.
  public init(
    documents: [String], ids: [String]? = nil, pipeline: TextFeaturePipeline,
    configuration: Configuration = .init(), progress: (@Sendable (Int) -> Void)? = nil
  ) throws {
    try self.init(
      documents: documents, ids: ids, pipeline: pipeline, configuration: configuration,
      progress: progress, isCancelled: nil)
  }

  /// ``init(documents:ids:pipeline:configuration:progress:)`` that asks `isCancelled` between
  /// blocks and throws `CancellationError` when it says so.
  package init(
    documents: [String], ids: [String]?, pipeline: TextFeaturePipeline,
    configuration: Configuration, progress: (@Sendable (Int) -> Void)?,
    isCancelled: CancellationCheck?
  ) throws {
    if let ids, ids.count != documents.count {
      throw DataError.shapeMismatch(
        what: "ids (one per document)", expected: documents.count, actual: ids.count)
    }
    var builder = try Builder(pipeline: pipeline, configuration: configuration)
    var start = 0
    while start < documents.count {
      try checkCancellation(isCancelled)
      let end = min(documents.count, start + configuration.blockSize)
      try builder.add(
        documents: Array(documents[start..<end]), ids: ids.map { Array($0[start..<end]) })
      progress?(end)
      start = end
    }
    try checkCancellation(isCancelled)
    self = try builder.finish()
  }
}
