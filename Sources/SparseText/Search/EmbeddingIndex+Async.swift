// Building and searching from Swift concurrency: the work runs on a Dispatch queue of its own,
// not on the caller's thread or the concurrency pool, and stops with `CancellationError` when the
// awaiting task is cancelled (checked between blocks of documents, of queries and of rows).
// In async code these overloads are chosen over the synchronous ones of the same name.
extension EmbeddingIndex {
  /// Builds the index of `documents` in the background, as
  /// ``init(documents:ids:pipeline:configuration:progress:)`` does, with progress as an
  /// `AsyncSequence` and cancellation between blocks of documents.
  ///
  /// ```swift
  /// let build = EmbeddingIndex.build(documents: texts, ids: ids, pipeline: pipeline)
  /// for await case .embedded(let done) in build.events { print(done, "documents") }
  /// let index = try await build.value
  /// ```
  ///
  /// - Returns: the running build: ``ProgressTask/events`` reports the documents embedded after
  ///   each block, ``ProgressTask/value`` is the index (it throws what building throws, and
  ///   `CancellationError` when cancelled).
  public static func build(
    documents: [String], ids: [String]? = nil, pipeline: TextFeaturePipeline,
    configuration: Configuration = .init()
  ) -> ProgressTask<EmbeddingIndex, BuildEvent> {
    ProgressTask { report, isCancelled in
      try EmbeddingIndex(
        documents: documents, ids: ids, pipeline: pipeline, configuration: configuration,
        progress: { report(.embedded(documents: $0)) }, isCancelled: isCancelled)
    }
  }

  /// The vector form of `search(_:options:)` in the background, cancellable between blocks.
  public func search(_ queries: DenseMatrix, options: SearchOptions = .init()) async throws
    -> [[Neighbor]]
  {
    try await runOffThePool { [self] isCancelled in
      try search(queries, options: options, isCancelled: isCancelled)
    }
  }

  /// The text form of `search(_:options:)` in the background, cancellable between blocks.
  public func search(_ texts: [String], options: SearchOptions = .init()) async throws
    -> [[Neighbor]]
  {
    try await runOffThePool { [self] isCancelled in
      try search(texts: texts, options: options, isCancelled: isCancelled)
    }
  }

  /// The nearest rows of one text, in the background.
  public func search(_ text: String, options: SearchOptions = .init()) async throws -> [Neighbor] {
    try await search([text], options: options)[0]
  }

  /// ``neighbors(of:options:)`` in the background, cancellable between blocks.
  public func neighbors(of ids: [String], options: SearchOptions = .init()) async throws
    -> [[Neighbor]]
  {
    try await runOffThePool { [self] isCancelled in
      try neighbors(of: ids, options: options, isCancelled: isCancelled)
    }
  }

  /// ``duplicates(_:)`` in the background, cancellable between blocks of rows.
  public func duplicates(_ options: DuplicateOptions = .init()) async throws -> [DuplicatePair] {
    try await runOffThePool { [self] isCancelled in
      try duplicates(options, isCancelled: isCancelled)
    }
  }
}
