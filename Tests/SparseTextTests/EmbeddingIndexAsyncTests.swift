import Foundation
import Testing

@testable import SparseText

/// Building and searching from async code, with progress and cancellation.
@Suite struct EmbeddingIndexAsyncTests {
  static let documents = (0..<40).map { i in
    [
      "the striker scored a late goal", "shares fell as the bank cut rates",
      "the phone has a faster chip", "the team won the league match",
    ][i % 4] + " \(i % 7)"
  }

  @Test func anAsyncBuildReportsBlocksAndEqualsTheSyncOne() async throws {
    let pipeline = try EmbeddingIndexFilesTests.pipeline()
    let build = EmbeddingIndex.build(
      documents: Self.documents, pipeline: pipeline, configuration: .init(blockSize: 16))
    var seen: [Int] = []
    for await case .embedded(let documents) in build.events { seen.append(documents) }
    let index = try await build.value
    #expect(seen == [16, 32, 40])
    let sync = try EmbeddingIndex(
      documents: Self.documents, pipeline: pipeline, configuration: .init(blockSize: 7))
    #expect(index.vectors == sync.vectors)
    #expect(index.ids == sync.ids)
    let query = ["a goal in the league", "bank rates"]
    let asyncHits = try await index.search(query, options: .init(k: 5))
    #expect(asyncHits == (try sync.search(texts: query, options: .init(k: 5), isCancelled: nil)))
    let pairs = try await index.duplicates(.init(threshold: 0.99))
    #expect(pairs == (try sync.duplicates(.init(threshold: 0.99), isCancelled: nil)))
    #expect(!pairs.isEmpty)
    let neighbors = try await index.neighbors(of: ["0", "5"])
    #expect(neighbors == (try sync.neighbors(of: ["0", "5"], options: .init(), isCancelled: nil)))
  }

  /// A build asked to stop stops at its next check between blocks. The check is driven from the
  /// progress callback, so the test does not depend on how threads are scheduled (cancelling
  /// from the event consumer raced the producer, which could finish first under load).
  @Test func aCancelledBuildStopsBetweenBlocks() async throws {
    let pipeline = try EmbeddingIndexFilesTests.pipeline()
    let many = Array(repeating: Self.documents, count: 200).flatMap { $0 }
    final class Stop: @unchecked Sendable {
      let lock = NSLock()
      var blocks = 0
      func tick(_: Int) { lock.withLock { blocks += 1 } }
      var requested: Bool { lock.withLock { blocks >= 2 } }
    }
    let stop = Stop()
    #expect(throws: CancellationError.self) {
      try EmbeddingIndex(
        documents: many, ids: nil, pipeline: pipeline, configuration: .init(blockSize: 8),
        progress: { stop.tick($0) }, isCancelled: { stop.requested })
    }
    #expect(stop.blocks == 2)
    // The background build ends in CancellationError when cancelled before it finishes.
    let build = EmbeddingIndex.build(
      documents: many, pipeline: pipeline, configuration: .init(blockSize: 8))
    build.cancel()
    do {
      _ = try await build.value
      // Only a build that finished before the cancellation arrived may succeed: it saw every
      // block.
      var blocks = 0
      for await _ in build.events { blocks += 1 }
      #expect(blocks == many.count / 8)
    } catch {
      #expect(error is CancellationError)
    }
  }

  /// A search asked to stop stops at its next check (between blocks of queries and of rows), in
  /// every scan; a task cancelled before it searches gets `CancellationError`.
  @Test func searchesStopWhenCancelled() async throws {
    let index = try EmbeddingIndex(vectors: gaussianMatrix(rows: 9000, columns: 8, seed: 2))
    let queries = gaussianMatrix(rows: 300, columns: 8, seed: 3)
    final class Counter: @unchecked Sendable {
      let lock = NSLock()
      var calls = 0
      func next() -> Int {
        lock.withLock {
          calls += 1
          return calls
        }
      }
    }
    for batch in [1, 300] {
      let counter = Counter()
      #expect(throws: CancellationError.self) {
        try index.search(
          queries.selectingRows(0..<batch), options: .init(),
          isCancelled: { counter.next() > 2 })
      }
      #expect(counter.calls == 3)
    }
    let counter = Counter()
    #expect(throws: CancellationError.self) {
      try index.duplicates(.init(threshold: 0.5), isCancelled: { counter.next() > 3 })
    }
    let task = Task {
      withUnsafeCurrentTask { $0?.cancel() }
      return try await index.search(queries)
    }
    await #expect(throws: CancellationError.self) { try await task.value }
  }
}
