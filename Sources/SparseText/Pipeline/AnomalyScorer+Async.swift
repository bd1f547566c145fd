import Foundation

extension AnomalyScorer {
  /// The anomaly scores of documents that arrive as an `AsyncSequence`, one ``AnomalyScores``
  /// per `blockSize` documents, in order. Each block is scored in the background when the next
  /// one is asked for, so at most one block of documents is in memory; iteration stops with
  /// `CancellationError` when the task is cancelled (see
  /// ``TextFeaturePipeline/encodeBlocks(of:blockSize:)``).
  public func scoreBlocks<Documents: AsyncSequence>(
    of documents: Documents, blockSize: Int = 1024
  ) -> TransformedBlocks<Documents, AnomalyScores> where Documents.Element == String {
    TransformedBlocks(documents, blockSize: blockSize) { [self] block, _ in
      try scores(for: block)
    }
  }

  /// The anomaly scores of `documents`, one ``AnomalyScores`` per block of `blockSize`, scored in
  /// the background with cancellation checked between blocks; `documents` is read lazily.
  ///
  /// - Throws: `CancellationError` when the task is cancelled.
  public func scoreBlocks(_ documents: some Sequence<String>, blockSize: Int = 4096) async throws
    -> [AnomalyScores]
  {
    var blocks: [AnomalyScores] = []
    for try await block in scoreBlocks(of: AsyncDocuments(base: documents), blockSize: blockSize) {
      blocks.append(block)
    }
    return blocks
  }
}
