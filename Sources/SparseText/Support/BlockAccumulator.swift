/// The loop behind every streaming command: items pushed one at a time (documents as a reader
/// produces them) are collected into blocks of `size`, and each full block, then the last
/// partial one, goes to `process`. Memory holds one block, not the stream.
///
/// ```swift
/// var blocks = BlockAccumulator<LabeledDocument>(size: 4096) { block in
///   try writer.append(pipeline.embeddings(for: block.map(\.text)))
/// }
/// try reader.forEachDocument { try blocks.append($0) }
/// try blocks.finish()
/// ```
package struct BlockAccumulator<Element> {
  /// Items per block (at least 1).
  package let size: Int
  private var block: [Element] = []
  private let process: ([Element]) throws -> Void

  /// Collects blocks of `size` items for `process`.
  package init(size: Int, process: @escaping ([Element]) throws -> Void) {
    precondition(size >= 1, "a block holds at least one item")
    self.size = size
    self.process = process
    block.reserveCapacity(size)
  }

  /// Adds `element`, processing the block when it is full.
  package mutating func append(_ element: Element) throws {
    block.append(element)
    if block.count == size { try flush() }
  }

  /// Processes the last, partial block (nothing when it is empty).
  package mutating func finish() throws { try flush() }

  private mutating func flush() throws {
    guard !block.isEmpty else { return }
    try process(block)
    block.removeAll(keepingCapacity: true)
  }
}
