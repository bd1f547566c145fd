import Dispatch

/// Multi-core term counting shared by the vectorizers.
///
/// Documents come in blocks (one block holding every document, or blocks read from a file
/// while the previous one is counted). Each block is cut into one contiguous share per worker,
/// of about equal bytes of text; worker `w` tokenizes and counts share `w` of every block into
/// its own term table, and the workers' tables are merged in worker order at the end. Because
/// the vocabulary is sorted afterwards and counts are exact integers, the result does not
/// depend on how many threads ran or how the documents were blocked.
enum TermCounting {
  /// Each document's `(term id, count)` pairs, kept in the segments they were counted in (term
  /// ids local to the segment's worker), with the merged term table and every term's document
  /// frequency and total count.
  struct Counts {
    var terms: ByteStringTable
    /// The segments in document order.
    var segments: [Segment]
    /// Per worker: its term ids' ids in `terms`.
    var merged: [[Int32]]
    /// Per term of `terms`: the number of documents it occurs in, and its total count (empty
    /// unless the counter kept totals).
    var documentFrequency: [Int32]
    var totals: [Double]
    /// The number of documents counted.
    var documents: Int
  }

  /// The counts of a contiguous run of documents, by one worker. A class, so that assembling
  /// the matrix can let go of each segment's arrays as soon as its rows are written.
  final class Segment: @unchecked Sendable {
    let worker: Int
    var rowOffsets: [Int64]
    var termIDs: [Int32]
    var counts: [Float]

    init(worker: Int, rowOffsets: [Int64], termIDs: [Int32], counts: [Float]) {
      self.worker = worker
      self.rowOffsets = rowOffsets
      self.termIDs = termIDs
      self.counts = counts
    }

    var rows: Int { rowOffsets.count - 1 }

    /// Drops the arrays (their rows have been used).
    func release() {
      rowOffsets = [0]
      termIDs = []
      counts = []
    }
  }

  /// One worker's term table and per-term statistics, kept from block to block.
  final class Worker: @unchecked Sendable {
    var table = ByteStringTable(capacity: 4096)
    var documentFrequency: [Int32] = []
    var totals: [Double] = []
    var workspace = TokenizerWorkspace()
    /// The current document's count per term and the terms it has touched, in plain buffers
    /// (this is the innermost loop of every vectorizer).
    var capacity = 4096
    var perDocument: UnsafeMutablePointer<Int32>
    var touched: UnsafeMutablePointer<Int32>
    /// With word unigrams and bigrams: the unigrams seen, each one's id in `table`, each
    /// bigram's id by its unigrams' ids, and scratch for a document's token ids and a bigram's
    /// bytes.
    var unigrams = ByteStringTable(capacity: 1024)
    var unigramIDs: [Int32] = []
    var bigrams = PairTable(capacity: 4096)
    var tokenIDs: [Int32] = []
    var gram: [UInt8] = []

    init() {
      perDocument = .allocate(capacity: capacity)
      perDocument.initialize(repeating: 0, count: capacity)
      touched = .allocate(capacity: capacity)
    }

    deinit {
      perDocument.deallocate()
      touched.deallocate()
    }

  }

  /// One document's count per term (in `perDocument`, zero elsewhere) and the terms it has
  /// touched, in plain buffers that grow with the term ids: the innermost loop of every
  /// vectorizer.
  struct Tally {
    var capacity: Int
    var perDocument: UnsafeMutablePointer<Int32>
    var touched: UnsafeMutablePointer<Int32>
    var touchedCount = 0

    @inline(__always)
    mutating func add(_ id: Int) {
      if id >= capacity { grow() }
      if perDocument[id] == 0 {
        touched[touchedCount] = Int32(id)
        touchedCount += 1
      }
      perDocument[id] += 1
    }

    private mutating func grow() {
      let grown = UnsafeMutablePointer<Int32>.allocate(capacity: 2 * capacity)
      grown.moveInitialize(from: perDocument, count: capacity)
      (grown + capacity).initialize(repeating: 0, count: capacity)
      perDocument.deallocate()
      perDocument = grown
      let grownTouched = UnsafeMutablePointer<Int32>.allocate(capacity: 2 * capacity)
      grownTouched.moveInitialize(from: touched, count: touchedCount)
      touched.deallocate()
      touched = grownTouched
      capacity *= 2
    }
  }

  /// An insert-only hash table from a pair of term ids (packed in a word) to a term id; a
  /// key and its id share a slot, so a lookup reads one cache line.
  struct PairTable {
    private struct Slot {
      var key: UInt64
      var id: Int32
    }
    private var slots: [Slot]
    private var mask: Int
    private(set) var count = 0
    /// No pair of non-negative `Int32` ids packs to this.
    private static let empty = UInt64.max

    init(capacity: Int) {
      var size = 16
      while size < capacity * 2 { size <<= 1 }
      slots = Array(repeating: Slot(key: Self.empty, id: -1), count: size)
      mask = size - 1
    }

    /// The id stored under `key`, or -1.
    func find(_ key: UInt64) -> Int {
      slots.withUnsafeBufferPointer { slots in
        var slot = Int(truncatingIfNeeded: ByteStringTable.mix(key)) & mask
        while true {
          let stored = slots[slot]
          if stored.key == key { return Int(stored.id) }
          if stored.key == Self.empty { return -1 }
          slot = (slot + 1) & mask
        }
      }
    }

    /// Stores `id` under `key`, which is not stored yet.
    mutating func insert(_ key: UInt64, id: Int) {
      if (count + 1) * 2 > slots.count { rehash(size: slots.count * 2) }
      var slot = Int(truncatingIfNeeded: ByteStringTable.mix(key)) & mask
      while slots[slot].key != Self.empty { slot = (slot + 1) & mask }
      slots[slot] = Slot(key: key, id: Int32(id))
      count += 1
    }

    private mutating func rehash(size: Int) {
      let old = slots
      slots = Array(repeating: Slot(key: Self.empty, id: -1), count: size)
      mask = size - 1
      count = 0
      for slot in old where slot.key != Self.empty { insert(slot.key, id: Int(slot.id)) }
    }
  }

  /// Counts blocks of documents as they are handed over: ``add(_:)`` starts counting a block
  /// on the workers and returns at once, so the caller reads the next block meanwhile (memory
  /// holds the text of two blocks); ``finish()`` waits and merges.
  final class Counter: @unchecked Sendable {
    private let tokenizer: Tokenizer
    private let keepsTotals: Bool
    private let workers: [Worker]
    private var segments: [Segment] = []
    private let group = DispatchGroup()
    private(set) var documents = 0

    /// A counter with one worker per core; `keepsTotals` also sums each term's count over
    /// the corpus (``Counts/totals``), which only `max_features` and term statistics need.
    init(tokenizer: Tokenizer, keepsTotals: Bool, workers: Int = Parallel.defaultWorkerCount) {
      self.tokenizer = tokenizer
      self.keepsTotals = keepsTotals
      self.workers = (0..<max(1, workers)).map { _ in Worker() }
    }

    /// Waits for the block being counted, then starts counting `block`; after a failure of the
    /// tokenizer on an earlier block (a token pattern that ran out of its step budget), counts
    /// nothing more: ``finish()`` throws it.
    func add<Block: UTF8Documents>(_ block: Block) {
      guard block.count > 0 else { return }
      collect()
      guard (try? checkFailure()) != nil else { return }
      documents += block.count
      for (w, share) in Self.shares(block, workers: workers.count).enumerated() {
        let worker = workers[w]
        let tokenizer = self.tokenizer
        let keepsTotals = self.keepsTotals
        let slot = SegmentSlot()
        slots.append(slot)
        DispatchQueue.global(qos: .userInitiated).async(group: group) {
          slot.segment = TermCounting.countShare(
            block, range: share, tokenizer: tokenizer, keepsTotals: keepsTotals, worker: worker,
            index: w)
        }
      }
    }

    private var slots: [SegmentSlot] = []

    /// Waits for the block being counted and keeps its segments, in share order.
    private func collect() {
      group.wait()
      for slot in slots { if let segment = slot.segment { segments.append(segment) } }
      slots = []
    }

    /// Throws the first failure a worker's tokenizing met, if any.
    private func checkFailure() throws {
      for worker in workers { try worker.workspace.checkFailure() }
    }

    /// Waits for the last block and merges the workers' tables.
    func finish() throws -> Counts {
      collect()
      try checkFailure()
      // The unigram and pair tables only speed up counting; let them go before the merge.
      for worker in workers {
        worker.unigrams = ByteStringTable(capacity: 0)
        worker.unigramIDs = []
        worker.bigrams = PairTable(capacity: 0)
      }
      return TermCounting.merge(
        workers, segments: segments, documents: documents, keepsTotals: keepsTotals)
    }

    /// One share per worker, cut where the block's text bytes are evenly split, so a block
    /// whose long documents come together still keeps every core busy.
    private static func shares<Block: UTF8Documents>(_ block: Block, workers: Int) -> [Range<Int>] {
      var cuts = [0]
      if block.count >= 64 {
        let total = (0..<block.count).reduce(0) { $0 + block.utf8Count(at: $1) }
        var seen = 0
        for d in 0..<block.count {
          seen += block.utf8Count(at: d)
          if cuts.count < workers && seen * workers >= total * cuts.count { cuts.append(d + 1) }
        }
      }
      if cuts.last != block.count { cuts.append(block.count) }
      return zip(cuts, cuts.dropFirst()).map { $0..<$1 }
    }
  }

  /// Where a background share leaves its segment.
  private final class SegmentSlot: @unchecked Sendable {
    var segment: Segment?
  }

  /// Counts every term of every document, building the term table as it goes, with each
  /// term's total count.
  static func count(
    _ documents: [String], tokenizer: Tokenizer, workers: Int = Parallel.defaultWorkerCount
  ) throws -> Counts {
    let counter = Counter(tokenizer: tokenizer, keepsTotals: true, workers: workers)
    counter.add(documents)
    return try counter.finish()
  }

  /// Counts the documents `range` of `block` into `worker`'s table.
  private static func countShare<Block: UTF8Documents>(
    _ block: Block, range: Range<Int>, tokenizer: Tokenizer, keepsTotals: Bool, worker: Worker,
    index: Int
  ) -> Segment {
    var offsets: [Int64] = [0]
    offsets.reserveCapacity(range.count + 1)
    // Room for the entries up front, so the arrays are not copied as they grow; pages never
    // written are never touched. A word takes at least two bytes and a separator, a
    // character n-gram at least one byte, and each n-gram length adds as many again. (An
    // estimate that falls short only means the arrays grow as usual.)
    let bytes = range.reduce(0) { $0 + block.utf8Count(at: $1) }
    let perLength =
      tokenizer.configuration.analyzer == .word ? bytes / 3 + range.count : bytes + range.count
    let estimate = min(perLength * tokenizer.configuration.ngrams.count, 1 << 26)
    var ids: [Int32] = []
    var counts: [Float] = []
    ids.reserveCapacity(estimate)
    counts.reserveCapacity(estimate)
    // The worker's state in locals for the loop (moved out, so nothing is copied), and back
    // at the end. Separate locals rather than one struct: the tokenizer's closures below
    // capture what they touch, and a captured struct costs an exclusivity check on every
    // access to any of its fields (measured slower).
    var table = worker.table
    var documentFrequency = worker.documentFrequency
    var totals = worker.totals
    var workspace = worker.workspace
    var capacity = worker.capacity
    var perDocument = worker.perDocument
    var touched = worker.touched
    worker.table = ByteStringTable(capacity: 0)
    worker.documentFrequency = []
    worker.totals = []
    defer {
      worker.table = table
      worker.documentFrequency = documentFrequency
      worker.totals = totals
      worker.workspace = workspace
      worker.capacity = capacity
      worker.perDocument = perDocument
      worker.touched = touched
    }
    // Unigrams then bigrams: each term's id is remembered by its unigram bytes (a table of
    // unigrams only, which stays in cache) and by its two unigrams' ids, so `table` — every
    // term — is only searched for terms new to this worker, in the order `forEachTerm` gives
    // them, which keeps the ids the same.
    let pairs = tokenizer.emitsWordUnigramsThenBigrams
    var unigrams = worker.unigrams
    var unigramIDs = worker.unigramIDs
    var bigrams = worker.bigrams
    var tokenIDs = worker.tokenIDs
    var gram = worker.gram
    worker.unigrams = ByteStringTable(capacity: 0)
    worker.bigrams = PairTable(capacity: 0)
    defer {
      worker.unigrams = unigrams
      worker.unigramIDs = unigramIDs
      worker.bigrams = bigrams
      worker.tokenIDs = tokenIDs
      worker.gram = gram
    }
    var tally = Tally(capacity: capacity, perDocument: perDocument, touched: touched)
    defer {
      capacity = tally.capacity
      perDocument = tally.perDocument
      touched = tally.touched
    }
    for d in range {
      tally.touchedCount = 0
      if pairs {
        tokenIDs.removeAll(keepingCapacity: true)
        block.withUTF8(at: d) { text in
          tokenizer.forEachKeptToken(utf8: text, workspace: &workspace) { bytes in
            let u = unigrams.insert(bytes)
            if u == unigramIDs.count { unigramIDs.append(Int32(table.insert(bytes))) }
            let id = unigramIDs[u]
            tokenIDs.append(id)
            tally.add(Int(id))
          }
        }
        for k in tokenIDs.indices.dropFirst() {
          let first = tokenIDs[k - 1]
          let second = tokenIDs[k]
          let key = UInt64(UInt32(first)) << 32 | UInt64(UInt32(second))
          var id = bigrams.find(key)
          if id < 0 {
            gram.removeAll(keepingCapacity: true)
            table.withBytes(Int(first)) { gram.append(contentsOf: $0) }
            gram.append(0x20)
            table.withBytes(Int(second)) { gram.append(contentsOf: $0) }
            id = gram.withUnsafeBufferPointer { table.insert($0) }
            bigrams.insert(key, id: id)
          }
          tally.add(id)
        }
      } else {
        block.withUTF8(at: d) { text in
          tokenizer.forEachTerm(utf8: text, workspace: &workspace) { bytes in
            tally.add(table.insert(bytes))
          }
        }
      }
      if documentFrequency.count < table.count {
        documentFrequency.append(
          contentsOf: repeatElement(0, count: table.count - documentFrequency.count))
        if keepsTotals {
          totals.append(contentsOf: repeatElement(0, count: table.count - totals.count))
        }
      }
      let perDocument = tally.perDocument
      for id in UnsafeBufferPointer(start: tally.touched, count: tally.touchedCount) {
        let n = perDocument[Int(id)]
        ids.append(id)
        counts.append(Float(n))
        documentFrequency[Int(id)] += 1
        if keepsTotals { totals[Int(id)] += Double(n) }
        perDocument[Int(id)] = 0
      }
      offsets.append(Int64(ids.count))
    }
    return Segment(worker: index, rowOffsets: offsets, termIDs: ids, counts: counts)
  }

  /// Merges the workers' tables in worker order (the first one starts the merged table, so
  /// its ids stay as they are) and adds up the document frequencies and totals.
  private static func merge(
    _ workers: [Worker], segments: [Segment], documents: Int, keepsTotals: Bool
  ) -> Counts {
    var global = workers[0].table
    workers[0].table = ByteStringTable(capacity: 0)
    global.reserve(
      capacity: workers.reduce(0) { $0 + $1.table.count },
      bytes: workers.reduce(0) { $0 + $1.table.byteCount })
    var documentFrequency = workers[0].documentFrequency
    var totals = workers[0].totals
    var merged = [(0..<Int32(global.count)).map { $0 }]
    for worker in workers.dropFirst() {
      let table = worker.table
      var ids = [Int32](repeating: 0, count: table.count)
      for local in 0..<table.count {
        let id = table.withBytes(local) { global.insert($0, hash: table.storedHash(local)) }
        ids[local] = Int32(id)
        if id == documentFrequency.count {
          documentFrequency.append(0)
          if keepsTotals { totals.append(0) }
        }
        documentFrequency[id] += worker.documentFrequency[local]
        if keepsTotals { totals[id] += worker.totals[local] }
      }
      merged.append(ids)
    }
    return Counts(
      terms: global, segments: segments, merged: merged, documentFrequency: documentFrequency,
      totals: totals, documents: documents)
  }

  /// Counts the terms of each document that `column` maps to a column, as a CSR matrix with
  /// sorted columns; other terms are ignored. Every column hit is stored, even when its signed
  /// sum is zero.
  ///
  /// Up to `denseColumnLimit` columns, each worker sums into a dense array of the columns; above
  /// it (hashing into up to 2³¹ − 1 columns) a document's hits are sorted and merged instead, so
  /// memory follows the document, not the column count. Both give the same sums in the same
  /// order.
  static func countColumns(
    _ documents: [String], tokenizer: Tokenizer, columns: Int,
    workers: Int = Parallel.defaultWorkerCount, denseColumnLimit: Int = 1 << 22,
    column: @escaping @Sendable (UnsafeBufferPointer<UInt8>) -> (index: Int, sign: Float)?
  ) throws -> SparseMatrix {
    let dense = columns <= denseColumnLimit
    let chunks = try Parallel.map(
      count: documents.count, workers: max(1, workers) * 4, minimumChunk: 32
    ) { range throws(ConfigurationError) -> (offsets: [Int64], indices: [Int32], values: [Float]) in
      var offsets: [Int64] = [0]
      var indices: [Int32] = []
      var values: [Float] = []
      var sums = [Float](repeating: 0, count: dense ? columns : 0)
      var seen = [Bool](repeating: false, count: dense ? columns : 0)
      var touched: [Int32] = []
      var hits: [(column: Int32, sign: Float)] = []
      var workspace = TokenizerWorkspace()
      for d in range {
        if !dense {
          tokenizer.forEachTerm(in: documents[d], workspace: &workspace) { bytes in
            guard let hit = column(bytes) else { return }
            hits.append((Int32(hit.index), hit.sign))
          }
          // Swift's sort is stable: equal columns keep the order of their terms, as in the
          // dense sums.
          hits.sort { $0.column < $1.column }
          var k = 0
          while k < hits.count {
            let key = hits[k].column
            var sum: Float = 0
            while k < hits.count && hits[k].column == key {
              sum += hits[k].sign
              k += 1
            }
            indices.append(key)
            values.append(sum)
          }
          hits.removeAll(keepingCapacity: true)
          offsets.append(Int64(indices.count))
          continue
        }
        tokenizer.forEachTerm(in: documents[d], workspace: &workspace) { bytes in
          guard let hit = column(bytes) else { return }
          if !seen[hit.index] {
            seen[hit.index] = true
            touched.append(Int32(hit.index))
          }
          sums[hit.index] += hit.sign
        }
        touched.sort()
        for key in touched {
          // A sum of signed hashes may cancel to zero; it stays stored, as scikit-learn keeps it.
          indices.append(key)
          values.append(sums[Int(key)])
          sums[Int(key)] = 0
          seen[Int(key)] = false
        }
        touched.removeAll(keepingCapacity: true)
        offsets.append(Int64(indices.count))
      }
      if let failure = workspace.failure { throw failure }
      return (offsets, indices, values)
    }
    var offsets: [Int64] = [0]
    var indices: [Int32] = []
    var values: [Float] = []
    for chunk in chunks {
      let base = Int64(indices.count)
      indices.append(contentsOf: chunk.indices)
      values.append(contentsOf: chunk.values)
      for k in 1..<chunk.offsets.count { offsets.append(base + chunk.offsets[k]) }
    }
    return SparseMatrix(
      uncheckedRows: documents.count, columns: columns, rowOffsets: offsets,
      columnIndices: indices, values: values)
  }
}
