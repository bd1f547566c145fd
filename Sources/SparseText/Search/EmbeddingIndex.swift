import Foundation

/// Exact nearest-neighbour search by cosine similarity over embeddings: documents like this
/// one, near-duplicates, a query against a collection.
///
/// Build one from a pipeline and documents (each row is the document's
/// ``TextFeaturePipeline/embeddings(for:)`` row), or from vectors you already have; give each
/// row an id (the row numbers `"0"`, `"1"`, … by default). Rows are L2-normalized once, when the
/// index is built, so a score is the cosine similarity of two embeddings (0 against a zero
/// vector).
///
/// ```swift
/// let index = try EmbeddingIndex(documents: texts, ids: ids, pipeline: pipeline)
/// let hits = try index.search(["a late goal in the cup final"])[0]   // the 10 nearest
/// for hit in hits { print(hit.rank, hit.id, hit.score) }
/// let pairs = try index.duplicates(.init(threshold: 0.95))           // every pair above 0.95
/// try index.write(to: URL(fileURLWithPath: "index"))
/// ```
///
/// Results are exact: each candidate's score is recomputed from the stored float32 vectors in
/// double precision, so they are the same on every processor and for every thread count, and
/// equal (up to float32 rounding of the score) what a plain double-precision loop over every
/// row finds. Ties are ordered by row: the row given first comes first. Batches of queries are
/// scanned with BLAS products, single queries and small batches with an int8 copy of the rows
/// (``Configuration/Scan``); either only proposes candidates, with an error bound that never
/// leaves a true neighbour out.
///
/// An index built from a pipeline records the pipeline's ``TextFeaturePipeline/embeddingDigest``
/// and keeps the pipeline, so it can be searched with text; one loaded from a directory is
/// given its pipeline again, and a pipeline whose digest differs is refused: vectors from
/// another model live in another space.
public struct EmbeddingIndex: Sendable {
  /// How an index is built and scanned.
  public struct Configuration: Codable, Sendable, Equatable {
    /// What a scan for candidates reads; the candidates are always rescored exactly, so both
    /// give the same results.
    public enum Scan: String, Codable, Sendable, CaseIterable {
      /// Single queries and small batches read an int8 copy of the rows (a quarter of the
      /// bytes, plus 8 per row; built when the index is built or loaded), each row's
      /// quantization error bounded; larger batches use float32 matrix products.
      case int8
      /// Every scan uses float32 products: no copy, more bytes read by a single query.
      case float32
    }

    /// The candidate scan; ``Scan/int8`` by default.
    public var scan: Scan
    /// Documents embedded at a time while an index is built from documents (at least 1):
    /// cancellation and progress are checked between blocks. 4096 by default.
    public var blockSize: Int

    /// Creates a configuration; see each property for its default.
    public init(scan: Scan = .int8, blockSize: Int = 4096) {
      self.scan = scan
      self.blockSize = blockSize
    }

    enum CodingKeys: String, CodingKey {
      case scan
      case blockSize = "block_size"
    }

    /// Checks every field.
    ///
    /// - Throws: ``ConfigurationError/outOfRange(field:value:allowed:)`` naming the field.
    public func validate() throws {
      guard blockSize >= 1 else {
        throw ConfigurationError.outOfRange(
          field: .blockSize, value: "\(blockSize)", allowed: "1 or more")
      }
    }
  }

  /// What a search returns for each query, and which rows it may return.
  public struct SearchOptions: Sendable, Equatable {
    /// Neighbours returned per query (at least 1); fewer when fewer rows qualify. 10 by default.
    public var k: Int
    /// Only neighbours scoring at least this are returned; `nil` (the default) for no bound.
    public var minimumScore: Float?
    /// Only rows with these ids are returned; `nil` (the default) for every row. Every id
    /// must be in the index.
    public var allowedIDs: Set<String>?

    /// Creates options; see each property for its default.
    public init(k: Int = 10, minimumScore: Float? = nil, allowedIDs: Set<String>? = nil) {
      self.k = k
      self.minimumScore = minimumScore
      self.allowedIDs = allowedIDs
    }

    /// Checks every field.
    ///
    /// - Throws: ``ConfigurationError/outOfRange(field:value:allowed:)`` naming the field.
    package func validate() throws {
      guard k >= 1 else {
        throw ConfigurationError.outOfRange(field: .k, value: "\(k)", allowed: "1 or more")
      }
      if let minimumScore, !minimumScore.isFinite {
        throw ConfigurationError.outOfRange(
          field: .minimumScore, value: "\(minimumScore)", allowed: "a finite number")
      }
    }
  }

  /// Which pairs `duplicates(_:)` returns.
  public struct DuplicateOptions: Sendable, Equatable {
    /// Pairs scoring at least this are returned (a finite number); 0.9 by default.
    public var threshold: Float
    /// Only pairs of rows with these ids; `nil` (the default) for every row. Every id must be
    /// in the index.
    public var allowedIDs: Set<String>?

    /// Creates options; see each property for its default.
    public init(threshold: Float = 0.9, allowedIDs: Set<String>? = nil) {
      self.threshold = threshold
      self.allowedIDs = allowedIDs
    }

    /// Checks every field.
    ///
    /// - Throws: ``ConfigurationError/outOfRange(field:value:allowed:)`` naming the field.
    package func validate() throws {
      guard threshold.isFinite else {
        throw ConfigurationError.outOfRange(
          field: .threshold, value: "\(threshold)", allowed: "a finite number")
      }
    }
  }

  /// One row found for a query.
  public struct Neighbor: Sendable, Hashable {
    /// The row's id.
    public let id: String
    /// The row's position in the index (0 for the first row given).
    public let row: Int
    /// The cosine similarity to the query, in [-1, 1].
    public let score: Float
    /// 1 for the nearest row, 2 for the next, …
    public let rank: Int

    /// A neighbour with the given fields (the index's search makes them).
    package init(id: String, row: Int, score: Float, rank: Int) {
      self.id = id
      self.row = row
      self.score = score
      self.rank = rank
    }
  }

  /// Two rows whose similarity reaches a threshold (`duplicates(_:)`); the first row comes
  /// before the second in the index.
  public struct DuplicatePair: Sendable, Hashable {
    /// The first row's id.
    public let firstID: String
    /// The second row's id.
    public let secondID: String
    /// The first row's position (always below ``secondRow``).
    public let firstRow: Int
    /// The second row's position.
    public let secondRow: Int
    /// The cosine similarity of the two rows.
    public let score: Float

    /// A pair with the given fields (the index's duplicate scan makes them).
    package init(firstID: String, secondID: String, firstRow: Int, secondRow: Int, score: Float) {
      self.firstID = firstID
      self.secondID = secondID
      self.firstRow = firstRow
      self.secondRow = secondRow
      self.score = score
    }
  }

  /// How the index was built and is scanned.
  public let configuration: Configuration
  /// One id per row, in row order.
  public let ids: [String]
  /// The rows, L2-normalized (a row that was zero stays zero): ``count`` × ``dimension``.
  public let vectors: DenseMatrix
  /// The ``TextFeaturePipeline/embeddingDigest`` of the model the rows came from, or `nil`
  /// for rows given without one.
  public let modelDigest: String?
  /// The pipeline that turns query text into vectors of this index's space, when the index
  /// was built with it or given it at loading.
  public let pipeline: TextFeaturePipeline?
  /// Where the model bundle of ``modelDigest`` lies, so that a loaded index can find the model
  /// its text queries go through (``init(contentsOf:modelBundle:configuration:)``); `nil` when
  /// unknown. Set it before ``write(to:)`` to record it: `index.json` keeps the bundle's
  /// absolute path and its path relative to the index directory, and loading takes the
  /// relative one when the two directories moved together. An index loaded from a directory
  /// has the location it records.
  public var modelBundle: URL?
  /// The row of each id.
  let rowsByID: [String: Int]
  /// The int8 copy the candidate scan reads (``Configuration/Scan/int8``).
  let scanCopy: QuantizedRows?

  /// The number of rows.
  public var count: Int { vectors.rows }
  /// The length of each row.
  public var dimension: Int { vectors.columns }

  /// An index of `vectors`, one row per item, normalized here.
  ///
  /// - Parameters:
  ///   - vectors: the embeddings, one row each (codes from ``TextFeaturePipeline``, or any
  ///     other vectors); every value must be finite.
  ///   - ids: one unique id per row; `nil` for the row numbers `"0"`, `"1"`, ….
  ///   - pipeline: the pipeline the vectors came from, if any: its digest is recorded, and
  ///     text queries go through it. Its embeddings must be `vectors.columns` wide.
  ///   - configuration: how the index is scanned.
  /// - Throws: ``DataError`` for non-finite values or an id count that does not match,
  ///   ``EmbeddingIndexError/duplicateID(id:firstRow:secondRow:)`` for an id given twice,
  ///   ``ConfigurationError`` for invalid settings.
  public init(
    vectors: DenseMatrix, ids: [String]? = nil, pipeline: TextFeaturePipeline? = nil,
    configuration: Configuration = .init()
  ) throws {
    try configuration.validate()
    if let pipeline, pipeline.embeddingWidth != vectors.columns {
      throw DataError.shapeMismatch(
        what: "columns of the vectors (the pipeline's embedding width)",
        expected: pipeline.embeddingWidth, actual: vectors.columns)
    }
    var values = vectors.values
    try Self.normalizeRows(&values, rows: vectors.rows, columns: vectors.columns)
    try self.init(
      unitRows: DenseMatrix(uncheckedRows: vectors.rows, columns: vectors.columns, values: values),
      ids: ids, modelDigest: pipeline?.embeddingDigest, pipeline: pipeline,
      configuration: configuration)
  }

  /// The index of rows already normalized (built here or read from a saved index).
  init(
    unitRows: DenseMatrix, ids: [String]?, modelDigest: String?, pipeline: TextFeaturePipeline?,
    configuration: Configuration
  ) throws {
    guard unitRows.columns >= 1 else {
      throw DataError.invalidMatrix(
        what: "the vectors of an embedding index", reason: "they have no columns")
    }
    let ids = ids ?? (0..<unitRows.rows).map { String($0) }
    guard ids.count == unitRows.rows else {
      throw DataError.shapeMismatch(
        what: "ids (one per row)", expected: unitRows.rows, actual: ids.count)
    }
    var rowsByID: [String: Int] = [:]
    rowsByID.reserveCapacity(ids.count)
    for (row, id) in ids.enumerated() {
      if let first = rowsByID.updateValue(row, forKey: id) {
        throw EmbeddingIndexError.duplicateID(id: id, firstRow: first, secondRow: row)
      }
    }
    self.configuration = configuration
    self.ids = ids
    self.vectors = unitRows
    self.modelDigest = modelDigest
    self.pipeline = pipeline
    self.modelBundle = nil
    self.rowsByID = rowsByID
    self.scanCopy =
      configuration.scan == .int8
      ? QuantizedRows(unitRows: unitRows.values, rows: unitRows.rows, dimension: unitRows.columns)
      : nil
  }

  /// This index with `pipeline` for text queries.
  ///
  /// - Throws: ``EmbeddingIndexError/modelMismatch(indexDigest:modelDigest:)`` when the index
  ///   was built from another model (or records none), ``DataError`` when the pipeline's
  ///   embeddings have another width.
  public func using(_ pipeline: TextFeaturePipeline) throws -> EmbeddingIndex {
    try checkModel(pipeline)
    return EmbeddingIndex(copying: self, pipeline: pipeline)
  }

  private init(copying index: EmbeddingIndex, pipeline: TextFeaturePipeline) {
    configuration = index.configuration
    ids = index.ids
    vectors = index.vectors
    modelDigest = index.modelDigest
    self.pipeline = pipeline
    modelBundle = index.modelBundle
    rowsByID = index.rowsByID
    scanCopy = index.scanCopy
  }

  /// Refuses a pipeline whose vectors live in another space than this index's.
  func checkModel(_ pipeline: TextFeaturePipeline) throws {
    guard pipeline.embeddingWidth == dimension else {
      throw DataError.shapeMismatch(
        what: "the pipeline's embedding width (the index's dimension)", expected: dimension,
        actual: pipeline.embeddingWidth)
    }
    let digest = pipeline.embeddingDigest
    guard digest == modelDigest else {
      throw EmbeddingIndexError.modelMismatch(indexDigest: modelDigest, modelDigest: digest)
    }
  }

  /// The row of `id`.
  ///
  /// - Throws: ``EmbeddingIndexError/unknownID(id:)`` when no row has it.
  public func row(of id: String) throws -> Int {
    guard let row = rowsByID[id] else { throw EmbeddingIndexError.unknownID(id: id) }
    return row
  }

  /// Scales each row of `values` to unit L2 norm (computed in double precision), leaving zero
  /// rows zero; rows are split over cores.
  ///
  /// - Throws: ``DataError/invalidMatrix(what:reason:)`` at the first non-finite value (the
  ///   rows are then left partly scaled).
  static func normalizeRows(
    _ values: inout [Float], rows: Int, columns: Int,
    what: String = "the vectors of an embedding index"
  ) throws {
    let firstBad = values.withUnsafeMutableBufferPointer { buffer in
      let shared = UnsafeSharedBuffer(buffer)
      return Parallel.map(count: rows, minimumChunk: 4096) { range -> (Int, Int, Float)? in
        for r in range {
          let row = shared.base + r * columns
          var sum: Double = 0
          for c in 0..<columns {
            guard row[c].isFinite else { return (r, c, row[c]) }
            sum += Double(row[c]) * Double(row[c])
          }
          guard sum > 0 else { continue }
          let norm = sum.squareRoot()
          for c in 0..<columns { row[c] = Float(Double(row[c]) / norm) }
        }
        return nil
      }.lazy.compactMap { $0 }.first
    }
    if let (r, c, value) = firstBad {
      throw DataError.invalidMatrix(
        what: what, reason: "row \(r), column \(c) holds \(value); every value must be finite")
    }
  }

  /// The first row of `values` that is not of unit norm (within 10⁻⁴) or zero, or holds a
  /// non-finite value, with its norm; rows are checked on all cores.
  static func firstRowNotOfUnitNorm(_ values: [Float], rows: Int, columns: Int) -> (
    row: Int, norm: Double
  )? {
    values.withUnsafeBufferPointer { buffer in
      let shared = UnsafeSharedBuffer(readOnly: buffer)
      return Parallel.map(count: rows, minimumChunk: 4096) { range -> (Int, Double)? in
        for r in range {
          let row = shared.base + r * columns
          var sum: Double = 0
          for c in 0..<columns { sum += Double(row[c]) * Double(row[c]) }
          // A non-finite value makes the sum non-finite, which fails both tests.
          guard sum == 0 || abs(sum.squareRoot() - 1) <= 1e-4 else { return (r, sum.squareRoot()) }
        }
        return nil
      }.lazy.compactMap { $0 }.first
    }
  }
}

/// A problem with the rows of an embedding index, or with what it is asked.
public enum EmbeddingIndexError: Error, Sendable, Equatable {
  /// Two rows were given the same id.
  case duplicateID(id: String, firstRow: Int, secondRow: Int)
  /// An id that no row of the index has.
  case unknownID(id: String)
  /// A pipeline whose vectors live in another space than the index's: the index was built
  /// from the model of `indexDigest` (`nil`: from vectors without a model), the pipeline is
  /// `modelDigest`.
  case modelMismatch(indexDigest: String?, modelDigest: String)
  /// Text queries need the index's model, but the index at `index` records no model bundle
  /// (it was built from vectors, or without a ``EmbeddingIndex/modelBundle``) and none was
  /// given.
  case noModelBundle(index: String)
  /// The model bundle the index at `index` records is no longer at `path` (nor at the path
  /// relative to the index): it was moved or deleted.
  case modelBundleMissing(index: String, path: String)
}

extension EmbeddingIndexError: LocalizedError, CustomStringConvertible {
  /// The message: what happened, and what to do.
  public var description: String { advice.rendered(.library) }

  /// The message, with settings worded by `wording` (the command line names its flags).
  public func message(_ wording: some MessageWording) -> String { advice.rendered(wording) }

  /// The same message, for `LocalizedError`.
  public var errorDescription: String? { description }

  /// The message, its references to settings kept as values.
  var advice: Advice {
    switch self {
    case .duplicateID(let id, let firstRow, let secondRow):
      return
        "the id '\(id)' is given to rows \(firstRow) and \(secondRow). Give every row its own id."
    case .unknownID(let id):
      return "no row of the index has the id '\(id)'. Check the id, or build the index with it."
    case .modelMismatch(let indexDigest, let modelDigest):
      let built =
        indexDigest.map { "the model with digest \($0.prefix(12))…" }
        ?? "vectors without a model"
      return
        "the index was built from \(built), but this model's digest is \(modelDigest.prefix(12))…: "
        + "its vectors live in another space. Give the model bundle the index was built with "
        + "(\(field: .modelBundle)), or build the index again with this one."
    case .noModelBundle(let index):
      return
        "the index '\(index)' records no model bundle to embed text queries with. "
        + "Give the bundle it was built with (\(field: .modelBundle))."
    case .modelBundleMissing(let index, let path):
      return
        "the index '\(index)' was built with the model bundle '\(path)', which is no longer "
        + "there (moved or deleted). Give its new location (\(field: .modelBundle))."
    }
  }
}
