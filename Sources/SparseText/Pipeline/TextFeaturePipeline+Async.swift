import Foundation

// Fitting, encoding and classifying from Swift concurrency: the work runs on Dispatch threads,
// not on the caller's (or the concurrency pool's), it stops with `CancellationError` when the
// awaiting task is cancelled (checked between autoencoder batches, solver iterations, stages and
// blocks of documents), fitting reports progress as an `AsyncSequence`, and documents can arrive
// as a `Sequence` or an `AsyncSequence` that is read one block at a time.

/// Long work running in the background: its progress as an `AsyncSequence`, its result when it
/// ends.
///
/// ```swift
/// let fit = TextFeaturePipeline.fit(texts, labels: labels)
/// for await event in fit.events { print(event) }  // ends when fitting ends
/// let pipeline = try await fit.value
/// ```
///
/// Cancel it with ``cancel()`` or by cancelling the task that awaits ``value``; the work stops
/// at its next check and ``value`` throws `CancellationError`. Dropping the value does not stop
/// the work: cancel it first.
public struct ProgressTask<Value: Sendable, Event: Sendable>: Sendable {
  /// The progress events in the order they happened, none dropped; the sequence finishes when
  /// the work ends. Events not yet read are buffered (some tens of bytes each: a fit of a
  /// million autoencoder batches buffers about 50 MB if nobody reads them).
  public let events: AsyncStream<Event>
  private let task: Task<Value, any Error>

  /// Starts `work`, which reports events through the function it is given.
  init(
    _ work:
      @escaping @Sendable (
        _ report: @escaping @Sendable (Event) -> Void, _ isCancelled: @escaping CancellationCheck
      ) throws -> Value
  ) {
    let (events, continuation) = AsyncStream.makeStream(
      of: Event.self, bufferingPolicy: .unbounded)
    self.events = events
    self.task = Task.detached {
      defer { continuation.finish() }
      return try await runOffThePool { isCancelled in
        try work({ continuation.yield($0) }, isCancelled)
      }
    }
  }

  /// The result. Cancelling the task that awaits it cancels the work.
  ///
  /// - Throws: `CancellationError` when the work was cancelled, or what the work threw.
  public var value: Value {
    get async throws {
      try await withTaskCancellationHandler {
        try await task.value
      } onCancel: { [task] in
        task.cancel()
      }
    }
  }

  /// Asks the work to stop at its next check.
  public func cancel() { task.cancel() }
}

/// Class predictions for documents, from one pass over them.
public struct Classifications: Sendable, Equatable {
  /// The most probable class of each document.
  public let labels: [String]
  /// Class probabilities, documents × classes, columns in the classifier's class order.
  public let probabilities: DenseMatrix
}

extension TextFeaturePipeline {
  /// Fits every configured stage in the background, as
  /// ``init(fitting:labels:unlabeled:configuration:fittedVectorizer:progress:)`` does, with
  /// progress as an `AsyncSequence` and cancellation between stages, autoencoder batches and
  /// solver iterations.
  ///
  /// - Parameters:
  ///   - documents: the training texts.
  ///   - labels: one label per document, or `nil` to skip the classifier.
  ///   - unlabeled: more texts for the vectorizer and the autoencoder only.
  ///   - configuration: the settings of every stage.
  /// - Returns: the running fit: ``ProgressTask/events`` reports stages and training (batches
  ///   and epochs; not checkpoints, which hold every parameter), and
  ///   ``ProgressTask/value`` is the fitted pipeline (it throws what fitting throws, and
  ///   `CancellationError` when cancelled).
  public static func fit(
    _ documents: [String], labels: [String]? = nil, unlabeled: [String] = [],
    configuration: Configuration = .init()
  ) -> ProgressTask<TextFeaturePipeline, Event> {
    ProgressTask { report, isCancelled in
      try TextFeaturePipeline(
        fitting: documents, labels: labels, unlabeled: unlabeled, configuration: configuration,
        progress: { event in
          // A checkpoint holds every parameter; buffered for a reader that may never come, a
          // few would use more memory than the model.
          if case .autoencoder(.checkpoint) = event { return }
          report(event)
        }, isCancelled: isCancelled)
    }
  }

  /// The embeddings of `documents` (as ``embeddings(for:)``), computed in the background one
  /// block at a time: `documents` is read lazily, and cancellation is checked between blocks.
  ///
  /// - Parameters:
  ///   - documents: the texts; only one block of them is held at a time.
  ///   - blockSize: documents per block (at least 1).
  /// - Returns: one row per document, in order.
  /// - Throws: `CancellationError` when the task is cancelled.
  public func encode(_ documents: some Sequence<String>, blockSize: Int = 4096) async throws
    -> DenseMatrix
  {
    var values: [Float] = []
    var rows = 0
    var columns = embeddingWidth
    for try await block in encodeBlocks(
      of: AsyncDocuments(base: documents), blockSize: blockSize)
    {
      values += block.values
      rows += block.rows
      columns = block.columns
    }
    return DenseMatrix(uncheckedRows: rows, columns: columns, values: values)
  }

  /// The embeddings of documents that arrive as an `AsyncSequence` (lines of a socket, rows of
  /// a database), one block of rows per `blockSize` documents, in order. Each block is encoded
  /// in the background when the next one is asked for, so at most one block of documents is in
  /// memory; iteration stops with `CancellationError` when the task is cancelled.
  public func encodeBlocks<Documents: AsyncSequence>(
    of documents: Documents, blockSize: Int = 1024
  ) -> TransformedBlocks<Documents, DenseMatrix> where Documents.Element == String {
    TransformedBlocks(documents, blockSize: blockSize) { [self] block, _ in
      try embeddings(for: block)
    }
  }

  /// Labels and probabilities of `documents` from one pass over them, computed in the
  /// background one block at a time (cancellation is checked between blocks).
  ///
  /// - Throws: ``ConfigurationError`` when the pipeline has no classifier, `CancellationError`
  ///   when the task is cancelled.
  public func classify(_ documents: some Sequence<String>, blockSize: Int = 4096) async throws
    -> Classifications
  {
    let classes = try requireClassifier().classes
    var labels: [String] = []
    var values: [Float] = []
    for try await block in classifyBlocks(
      of: AsyncDocuments(base: documents), blockSize: blockSize)
    {
      labels += block.labels
      values += block.probabilities.values
    }
    return Classifications(
      labels: labels,
      probabilities: DenseMatrix(
        uncheckedRows: labels.count, columns: classes.count, values: values))
  }

  /// Labels and probabilities of documents that arrive as an `AsyncSequence`, one block per
  /// `blockSize` documents, in order (see ``encodeBlocks(of:blockSize:)``).
  public func classifyBlocks<Documents: AsyncSequence>(
    of documents: Documents, blockSize: Int = 1024
  ) -> TransformedBlocks<Documents, Classifications> where Documents.Element == String {
    TransformedBlocks(documents, blockSize: blockSize) { [self] block, _ in
      try classifications(of: block)
    }
  }

  /// Labels and probabilities of one block, encoding it once.
  func classifications(of documents: [String]) throws -> Classifications {
    let (model, x, codes) = try classifierInputs(documents)
    let probabilities = try model.probabilities(x, codes: codes)
    let k = probabilities.columns
    let labels = (0..<probabilities.rows).map { r in
      var best = 0
      for j in 1..<k where probabilities.values[r * k + j] > probabilities.values[r * k + best] {
        best = j
      }
      return model.classes[best]
    }
    return Classifications(labels: labels, probabilities: probabilities)
  }

  /// The width of ``embeddings(for:)``'s rows.
  var embeddingWidth: Int { autoencoder?.configuration.hiddenUnits ?? vectorizer.vocabulary.count }
}

/// The blocks of a document sequence, each transformed in the background as it is asked for:
/// what ``TextFeaturePipeline/encodeBlocks(of:blockSize:)`` and
/// ``TextFeaturePipeline/classifyBlocks(of:blockSize:)`` return.
public struct TransformedBlocks<Base: AsyncSequence, Output: Sendable>: AsyncSequence
where Base.Element == String {
  /// One transformed block.
  public typealias Element = Output

  let base: Base
  let blockSize: Int
  let transform: @Sendable ([String], CancellationCheck) throws -> Output

  init(
    _ base: Base, blockSize: Int,
    transform: @escaping @Sendable ([String], CancellationCheck) throws -> Output
  ) {
    self.base = base
    self.blockSize = Swift.max(1, blockSize)
    self.transform = transform
  }

  /// Reads a block of documents from the base sequence and transforms it.
  public struct AsyncIterator: AsyncIteratorProtocol {
    var base: Base.AsyncIterator
    let blockSize: Int
    let transform: @Sendable ([String], CancellationCheck) throws -> Output
    var finished = false

    /// The next block's output, or `nil` after the last document.
    ///
    /// - Throws: `CancellationError` when the task is cancelled, or what the base sequence or
    ///   the transform throws.
    public mutating func next() async throws -> Output? {
      guard !finished else { return nil }
      try Task.checkCancellation()
      var block: [String] = []
      block.reserveCapacity(blockSize)
      while block.count < blockSize {
        guard let document = try await base.next() else {
          finished = true
          break
        }
        block.append(document)
      }
      guard !block.isEmpty else { return nil }
      let transform = self.transform
      let documents = block
      return try await runOffThePool { isCancelled in
        try checkCancellation(isCancelled)
        return try transform(documents, isCancelled)
      }
    }
  }

  /// Starts reading the base sequence.
  public func makeAsyncIterator() -> AsyncIterator {
    AsyncIterator(base: base.makeAsyncIterator(), blockSize: blockSize, transform: transform)
  }
}

/// A synchronous sequence read as an asynchronous one, so the blockwise readers serve both.
struct AsyncDocuments<Base: Sequence>: AsyncSequence where Base.Element == String {
  typealias Element = String
  let base: Base

  struct AsyncIterator: AsyncIteratorProtocol {
    var base: Base.Iterator
    mutating func next() async -> String? { base.next() }
  }

  func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeIterator()) }
}
