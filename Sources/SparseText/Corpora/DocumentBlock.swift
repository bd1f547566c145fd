/// Documents whose text the term counters read as UTF-8 bytes, by index: an array of strings,
/// or a ``DocumentBlock`` that holds them in one buffer.
package protocol UTF8Documents: Sendable {
  /// The number of documents.
  var count: Int { get }
  /// The length in bytes of document `index`'s UTF-8.
  func utf8Count(at index: Int) -> Int
  /// Calls `body` with document `index`'s UTF-8 bytes, valid only during the call.
  func withUTF8<Result>(at index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result)
    rethrows -> Result
}

extension Array: UTF8Documents where Element == String {
  package func utf8Count(at index: Int) -> Int { self[index].utf8.count }

  package func withUTF8<Result>(
    at index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result
  ) rethrows -> Result {
    var text = self[index]
    return try text.withUTF8(body)
  }
}

/// A run of documents in one buffer of UTF-8 bytes, as a reader hands them to the counters
/// without a `String` per document: document `i` is `bytes[ends[i - 1]..<ends[i]]` (from 0 for
/// the first), and its first label, when labels are kept, is `labels[i]`.
package struct DocumentBlock: UTF8Documents {
  package private(set) var bytes: [UInt8] = []
  package private(set) var ends: [Int] = []
  /// Each document's first label (`nil` for none); empty unless the block keeps labels.
  package private(set) var labels: [String?] = []
  /// Whether ``labels`` is kept.
  package let keepsLabels: Bool

  package init(keepsLabels: Bool, capacity: Int = 0) {
    self.keepsLabels = keepsLabels
    bytes.reserveCapacity(capacity)
  }

  package var count: Int { ends.count }
  package var isEmpty: Bool { ends.isEmpty }
  /// The bytes of text held.
  package var byteCount: Int { bytes.count }

  package func utf8Count(at index: Int) -> Int {
    ends[index] - (index == 0 ? 0 : ends[index - 1])
  }

  package func withUTF8<Result>(
    at index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result
  ) rethrows -> Result {
    let start = index == 0 ? 0 : ends[index - 1]
    return try bytes.withUnsafeBufferPointer {
      try body(UnsafeBufferPointer(rebasing: $0[start..<ends[index]]))
    }
  }

  /// Appends a document whose text is `text`, valid UTF-8, and whose first label is `label`
  /// (valid UTF-8 too).
  package mutating func append(
    utf8 text: UnsafeBufferPointer<UInt8>, label: UnsafeBufferPointer<UInt8>?
  ) {
    bytes.append(contentsOf: text)
    ends.append(bytes.count)
    if keepsLabels { labels.append(label.map { String(decoding: $0, as: UTF8.self) }) }
  }

  /// Empties the block, keeping its buffers when nothing else holds them, with room for
  /// `capacity` bytes of text.
  package mutating func removeAll(reservingCapacity capacity: Int) {
    bytes.removeAll(keepingCapacity: true)
    ends.removeAll(keepingCapacity: true)
    labels.removeAll(keepingCapacity: true)
    bytes.reserveCapacity(capacity)
  }

  /// Appends `document`'s text and first label.
  package mutating func append(_ document: LabeledDocument) {
    var text = document.text
    text.withUTF8 { bytes.append(contentsOf: $0) }
    ends.append(bytes.count)
    if keepsLabels { labels.append(document.label) }
  }
}

/// Where a reader puts the documents it reads: as ``LabeledDocument``s, or, on the paths where a
/// record's text and label are valid UTF-8 as they stand in the input, as those bytes, which a
/// ``DocumentBlock`` copies without making a `String`.
protocol DocumentSink {
  mutating func add(_ document: LabeledDocument) throws
  /// A document from bytes: `text`, at most one label, and its id field when one was asked for
  /// (else the id is the record `index`), from record `line`.
  mutating func add(
    text: UnsafeBufferPointer<UInt8>, label: UnsafeBufferPointer<UInt8>?,
    id: UnsafeBufferPointer<UInt8>?, index: Int, line: Int) throws
}

extension DocumentSink {
  mutating func add(
    text: UnsafeBufferPointer<UInt8>, label: UnsafeBufferPointer<UInt8>?,
    id: UnsafeBufferPointer<UInt8>?, index: Int, line: Int
  ) throws {
    try add(
      LabeledDocument(
        id: id.map { String(decoding: $0, as: UTF8.self) } ?? String(index),
        text: String(decoding: text, as: UTF8.self),
        labels: label.map { [String(decoding: $0, as: UTF8.self)] } ?? [], line: line))
  }
}

/// Hands each document to a closure.
struct DocumentClosureSink: DocumentSink {
  let body: (LabeledDocument) throws -> Void

  mutating func add(_ document: LabeledDocument) throws { try body(document) }
}

/// Gathers documents into blocks of about `blockBytes` bytes of text and hands each full block
/// to `emit`; ``finish()`` hands over the last one. The first blocks are smaller (64 KiB, then
/// doubling), so that whoever consumes them starts while the reader is still at the beginning.
///
/// A consumer that is done with a block by the time `emit` returns for the next one (the term
/// counter is) gets its buffers back: the sink gathers into the block before last, so the
/// reader allocates two buffers in all. Freeing a block's megabytes instead would also raise
/// glibc's threshold for serving allocations straight from the kernel, after which the
/// counters' generously reserved arrays come from recycled, already resident memory.
struct DocumentBlockSink: DocumentSink {
  private var block: DocumentBlock
  /// The block handed over last, to gather into again once it is handed over in its turn.
  private var spare: DocumentBlock?
  private let blockBytes: Int
  /// The size of the block being gathered.
  private var limit: Int
  private let emit: (DocumentBlock) throws -> Void

  init(blockBytes: Int, keepsLabels: Bool, emit: @escaping (DocumentBlock) throws -> Void) {
    self.blockBytes = max(1, blockBytes)
    limit = min(self.blockBytes, 64 << 10)
    self.emit = emit
    block = DocumentBlock(keepsLabels: keepsLabels, capacity: limit + 4096)
  }

  mutating func add(_ document: LabeledDocument) throws {
    block.append(document)
    try handOverIfFull()
  }

  mutating func add(
    text: UnsafeBufferPointer<UInt8>, label: UnsafeBufferPointer<UInt8>?,
    id: UnsafeBufferPointer<UInt8>?, index: Int, line: Int
  ) throws {
    block.append(utf8: text, label: label)
    try handOverIfFull()
  }

  private mutating func handOverIfFull() throws {
    guard block.byteCount >= limit else { return }
    limit = min(blockBytes, 2 * limit)
    var next = spare ?? DocumentBlock(keepsLabels: block.keepsLabels)
    spare = nil
    swap(&next, &block)
    // `next` is the full block now, `block` the block before last.
    try emit(next)
    block.removeAll(reservingCapacity: limit + 4096)
    spare = next
  }

  /// Hands over the documents not handed over yet, if any.
  mutating func finish() throws {
    guard !block.isEmpty else { return }
    let last = block
    block = DocumentBlock(keepsLabels: block.keepsLabels)
    try emit(last)
  }
}
