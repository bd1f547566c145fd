import Foundation
import SparseText
import Testing

/// The async API as an app uses it (plain `import`, public API only): fitting with progress
/// and cancellation, encoding and classifying in blocks, streaming documents.
@Suite struct TextFeaturePipelineAsyncTests {
  let documents = [
    "the striker scored a late goal in the cup final",
    "the coach praised the team after the league match",
    "shares fell as the bank cut interest rates",
    "investors sold shares when the market fell",
    "the new phone has a faster chip and a better camera",
    "the software update brings a camera app to the phone",
    "a late goal won the league for the team",
    "the bank raised rates and the market fell",
  ]
  let labels = ["sport", "sport", "business", "business", "tech", "tech", "sport", "business"]

  func configuration(epochs: Int) -> TextFeaturePipeline.Configuration {
    .init(
      vectorizer: .init(),
      // Every epoch runs (no validation slice), so a long fit is long until cancelled.
      autoencoder: .init(hiddenUnits: 4, epochs: epochs, batchSize: 2, validationFraction: 0),
      cValues: [1])
  }

  @Test func progressEventsArriveInOrder() async throws {
    let fit = TextFeaturePipeline.fit(
      documents, labels: labels, configuration: configuration(epochs: 3))
    var stages: [TextFeaturePipeline.Stage] = []
    var epochs: [Int] = []
    var batches: [(epoch: Int, batch: Int)] = []
    for await event in fit.events {
      switch event {
      case .stage(let stage): stages.append(stage)
      case .autoencoder(.epoch(let summary)): epochs.append(summary.epoch)
      case .autoencoder(.batch(let epoch, let batch, _, _)): batches.append((epoch, batch))
      case .autoencoder(.checkpoint): Issue.record("checkpoints are not streamed")
      }
    }
    let pipeline = try await fit.value
    // The codes learn the labels (label weight 0.1 by default), so the classifier's
    // cross-validation trains one autoencoder per fold with only that fold's labels.
    #expect(
      stages.filter { $0 != .foldAutoencoder } == [
        .vectorizer, .autoencoder, .classifier, .anomalyScores,
      ])
    #expect(stages.filter { $0 == .foldAutoencoder }.count >= 2)
    #expect(
      stages.firstIndex(of: .foldAutoencoder).map { $0 > stages.firstIndex(of: .classifier)! }
        == true)
    #expect(epochs == [1, 2, 3])
    // Batches count up within each epoch, epochs in order: the order they were reported in.
    #expect(batches.count == 12)
    #expect(batches.map(\.epoch) == [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3])
    #expect(batches.map(\.batch) == [1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4])
    #expect(pipeline.classes == ["business", "sport", "tech"])
  }

  @Test func asyncFitEqualsSyncFit() async throws {
    let sync = try TextFeaturePipeline(
      fitting: documents, labels: labels, configuration: configuration(epochs: 5))
    let async = try await TextFeaturePipeline.fit(
      documents, labels: labels, configuration: configuration(epochs: 5)
    ).value
    #expect(try async.embeddings(for: documents) == sync.embeddings(for: documents))
    #expect(try async.predict(documents) == sync.predict(documents))
  }

  @Test func cancelledFitStopsEarlyAndThrowsCancellationError() async throws {
    // Ten million epochs would take hours; cancelled after the first, the fit stops at the
    // trainer's next check (after every batch), well short of them.
    let fit = TextFeaturePipeline.fit(
      documents, labels: labels, configuration: configuration(epochs: 10_000_000))
    var epochsSeen = 0
    var lastEpoch = 0
    for await event in fit.events {
      if case .autoencoder(.epoch(let summary)) = event {
        epochsSeen += 1
        lastEpoch = summary.epoch
        if epochsSeen == 1 { fit.cancel() }
      }
    }
    await #expect(throws: CancellationError.self) { try await fit.value }
    #expect(epochsSeen >= 1)
    #expect(lastEpoch < 100_000)
  }

  @Test func cancellingTheAwaitingTaskCancelsTheFit() async throws {
    let fit = TextFeaturePipeline.fit(
      documents, labels: labels, configuration: configuration(epochs: 10_000_000))
    let waiter = Task { try await fit.value }
    // Wait until training is under way, then cancel the task that awaits the result.
    var lastEpoch = 0
    for await event in fit.events {
      if case .autoencoder(.epoch(let summary)) = event {
        if lastEpoch == 0 { waiter.cancel() }
        lastEpoch = summary.epoch
      }
    }
    // The events end only when the fit does: cancelling the waiter stopped it.
    await #expect(throws: CancellationError.self) { try await waiter.value }
    #expect(lastEpoch >= 1 && lastEpoch < 100_000)
  }

  @Test func asyncEncodeEqualsSyncEncode() async throws {
    let pipeline = try TextFeaturePipeline(
      fitting: documents, labels: labels, configuration: configuration(epochs: 5))
    let sync = try pipeline.embeddings(for: documents)
    // Blocks of 3 split the 8 documents 3 + 3 + 2.
    let async = try await pipeline.encode(documents, blockSize: 3)
    #expect(async == sync)
    #expect(async.rows == 8 && async.columns == 4)
    let empty = try await pipeline.encode([String](), blockSize: 3)
    #expect(empty.rows == 0 && empty.columns == 4)
  }

  @Test func streamingEncodeOfAnAsyncSequenceEqualsBatchEncode() async throws {
    let pipeline = try TextFeaturePipeline(
      fitting: documents, labels: labels, configuration: configuration(epochs: 5))
    let (stream, continuation) = AsyncStream.makeStream(of: String.self)
    for document in documents { continuation.yield(document) }
    continuation.finish()
    var blocks: [DenseMatrix] = []
    for try await block in pipeline.encodeBlocks(of: stream, blockSize: 3) { blocks.append(block) }
    #expect(blocks.map(\.rows) == [3, 3, 2])
    let whole = try pipeline.embeddings(for: documents)
    #expect(blocks.flatMap(\.values) == whole.values)
  }

  @Test func classifyReturnsLabelsAndProbabilitiesOfOnePass() async throws {
    let pipeline = try TextFeaturePipeline(
      fitting: documents, labels: labels, configuration: configuration(epochs: 5))
    let result = try await pipeline.classify(documents, blockSize: 5)
    #expect(result.labels == (try pipeline.predict(documents)))
    #expect(result.probabilities == (try pipeline.probabilities(for: documents)))
    let (stream, continuation) = AsyncStream.makeStream(of: String.self)
    for document in documents.reversed() { continuation.yield(document) }
    continuation.finish()
    var streamed: [String] = []
    for try await block in pipeline.classifyBlocks(of: stream, blockSize: 3) {
      streamed += block.labels
    }
    #expect(streamed == (try pipeline.predict(documents.reversed())))
  }

  @Test func classifyWithoutAClassifierThrowsAConfigurationError() async throws {
    let pipeline = try TextFeaturePipeline(
      fitting: documents, configuration: .init(autoencoder: nil, classifier: nil))
    await #expect(throws: ConfigurationError.self) {
      _ = try await pipeline.classify(documents)
    }
  }

  @Test func cancelledEncodeThrowsCancellationError() async throws {
    let pipeline = try TextFeaturePipeline(
      fitting: documents, labels: labels, configuration: configuration(epochs: 2))
    let task = Task {
      // An endless stream: only cancellation ends it.
      let endless = AsyncStream<String> { "the bank raised rates and the market fell" }
      var rows = 0
      for try await block in pipeline.encodeBlocks(of: endless, blockSize: 64) {
        rows += block.rows
      }
      return rows
    }
    try await Task.sleep(for: .milliseconds(200))
    task.cancel()
    await #expect(throws: CancellationError.self) { _ = try await task.value }
  }

  /// README's "Use as a library" async example, as written there (`lines` is any
  /// AsyncSequence of strings).
  @Test func readmeAsyncExampleRuns() async throws {
    let documents = ["the striker scored a late goal", "shares fell as the bank cut rates"]
    let (lines, feed) = AsyncStream.makeStream(of: String.self)
    feed.yield("a goal in the cup final")
    feed.yield("rates and shares")
    feed.finish()
    var printed: [String] = []
    func print(_ items: Any...) { printed.append(items.map { "\($0)" }.joined(separator: " ")) }

    // README example begin: async
    let fit = TextFeaturePipeline.fit(
      documents, labels: ["sport", "business"],
      configuration: .init(
        vectorizer: .init(), autoencoder: .init(hiddenUnits: 2, epochs: 50, batchSize: 2)))
    for await event in fit.events {  // typed progress, in order
      if case .stage(let stage) = event { print("·", stage) }
    }
    let model = try await fit.value  // CancellationError if the task is cancelled
    let vectors = try await model.encode(documents)  // any Sequence, off the concurrency pool
    for try await block in model.encodeBlocks(of: lines) { print(block.rows) }  // an AsyncSequence
    // README example end

    #expect(printed == ["· vectorizer", "· autoencoder", "· classifier", "· anomaly scores", "2"])
    #expect(try vectors == model.embeddings(for: documents))
  }

  /// GettingStarted's step 5, as written there.
  @Test func gettingStartedAsyncExampleRuns() async throws {
    let texts = documents
    let configuration = configuration(epochs: 4)
    let (incoming, feed) = AsyncStream.makeStream(of: String.self)
    for text in texts { feed.yield(text) }
    feed.finish()
    var printed: [String] = []
    func print(_ items: Any...) { printed.append(items.map { "\($0)" }.joined(separator: " ")) }
    var stored: [DenseMatrix] = []
    func store(_ block: DenseMatrix) { stored.append(block) }

    // README example begin: getting started
    let fit = TextFeaturePipeline.fit(texts, labels: labels, configuration: configuration)
    for await event in fit.events {
      switch event {
      case .stage(let stage): print("·", stage)
      case .autoencoder(.epoch(let summary)): print("epoch", summary.epoch, "loss", summary.loss)
      default: break
      }
    }
    let model = try await fit.value

    // Any Sequence, read one block at a time; cancellation is checked between blocks.
    let vectors = try await model.encode(texts)
    let predictions = try await model.classify(texts)  // labels and probabilities, one pass
    // An AsyncSequence of documents (a socket, a file's lines): one block of rows per 1,024.
    for try await block in model.encodeBlocks(of: incoming) {
      store(block)
    }
    // README example end

    #expect(printed.filter { $0.hasPrefix("epoch") }.count == 4)
    #expect(printed.first == "· vectorizer" && printed.last == "· anomaly scores")
    #expect(try vectors == model.embeddings(for: texts))
    #expect(predictions.labels == (try model.predict(texts)))
    #expect(stored.count == 1 && stored[0] == vectors)
  }
}

@Suite struct AnomalyScorerAsyncTests {
  @Test func streamedScoresEqualBatchScores() async throws {
    let documents = (0..<20).map { i in
      [
        "the match ended with a late goal", "shares fell as the bank cut rates",
        "the phone has a new camera chip", "a quiet poem about the winter sea",
      ][i % 4]
        + " \(["red", "blue", "green"][i % 3])"
    }
    let pipeline = try TextFeaturePipeline(
      fitting: documents,
      configuration: .init(
        vectorizer: .init(), autoencoder: .init(hiddenUnits: 3, epochs: 3, batchSize: 4),
        classifier: nil))
    let scorer = try pipeline.anomalyScorer()
    let whole = try scorer.scores(for: documents)
    let (stream, feed) = AsyncStream.makeStream(of: String.self)
    for document in documents { feed.yield(document) }
    feed.finish()
    var streamed: [Double] = []
    var sizes: [Int] = []
    for try await block in scorer.scoreBlocks(of: stream, blockSize: 6) {
      streamed += block.scores
      sizes.append(block.count)
    }
    #expect(sizes == [6, 6, 6, 2])
    #expect(streamed == whole.scores)
    let blocks = try await scorer.scoreBlocks(documents, blockSize: 8)
    #expect(blocks.map(\.count) == [8, 8, 4])
    #expect(blocks.flatMap(\.scores) == whole.scores)
  }
}
