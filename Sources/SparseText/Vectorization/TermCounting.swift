/// Multi-core term counting shared by the vectorizers.
///
/// Documents are cut into one contiguous chunk per worker, of about equal bytes of text; each
/// chunk is tokenized and counted on its own thread into a chunk-local term table, and the
/// chunk tables are merged in chunk order into one. Because the vocabulary is sorted afterwards and counts are exact integers,
/// the result does not depend on how many threads ran.
enum TermCounting {
  /// Each document's `(term id, count)` pairs, kept in the chunks they were counted in (term
  /// ids local to the chunk), with the merged term table and every term's document frequency
  /// and total count.
  struct Counts {
    var terms: ByteStringTable
    var chunks: [Chunk]
    /// Per term of `terms`: the number of documents it occurs in, and its total count.
    var documentFrequency: [Int32]
    var totals: [Double]
  }

  /// The counts of a contiguous run of documents.
  struct Chunk: Sendable {
    var table: ByteStringTable
    var rowOffsets: [Int64]
    var termIDs: [Int32]
    var counts: [Float]
    /// Per term of `table`: the documents of the chunk it occurs in, and its total count.
    var documentFrequency: [Int32]
    var totals: [Double]
    /// Per term of `table`: its id in the merged table (set by the merge).
    var merged: [Int32] = []
  }

  /// Counts every term of every document, building the term table as it goes.
  static func count(
    _ documents: [String], tokenizer: Tokenizer, workers: Int = Parallel.defaultWorkerCount
  ) -> Counts {
    // One share of the documents per worker, cut where the text's bytes are evenly split, so
    // a corpus whose long documents come together still keeps every core busy.
    var cuts = [0]
    if documents.count >= 64 {
      let shares = max(1, workers)
      let total = documents.reduce(0) { $0 + $1.utf8.count }
      var seen = 0
      for (d, document) in documents.enumerated() {
        seen += document.utf8.count
        if cuts.count < shares && seen * shares >= total * cuts.count { cuts.append(d + 1) }
      }
    }
    if cuts.last != documents.count { cuts.append(documents.count) }
    let shares = zip(cuts, cuts.dropFirst()).map { $0..<$1 }
    let chunks = Parallel.map(count: shares.count, workers: shares.count) {
      indices -> [Chunk] in
      indices.map { countShare(documents, range: shares[$0], tokenizer: tokenizer) }
    }.flatMap { $0 }
    return merge(chunks)
  }

  /// Counts the documents `range` into a table of their own.
  private static func countShare(_ documents: [String], range: Range<Int>, tokenizer: Tokenizer)
    -> Chunk
  {
    var table = ByteStringTable(capacity: 4096)
    var offsets: [Int64] = [0]
    offsets.reserveCapacity(range.count + 1)
    // Room for the entries up front, so the arrays are not copied as they grow; pages never
    // written are never touched. A word takes at least two bytes and a separator, a
    // character n-gram at least one byte, and each n-gram length adds as many again. (An
    // estimate that falls short only means the arrays grow as usual.)
    let bytes = range.reduce(0) { $0 + documents[$1].utf8.count }
    let perLength =
      tokenizer.configuration.analyzer == .word ? bytes / 3 + range.count : bytes + range.count
    let estimate = min(perLength * tokenizer.configuration.ngrams.count, 1 << 26)
    var ids: [Int32] = []
    var counts: [Float] = []
    ids.reserveCapacity(estimate)
    counts.reserveCapacity(estimate)
    var documentFrequency: [Int32] = []
    var totals: [Double] = []
    // The current document's count per term and the terms it has touched, in plain buffers
    // (this is the innermost loop of every vectorizer).
    var capacity = 4096
    var perDocument = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
    perDocument.initialize(repeating: 0, count: capacity)
    var touched = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
    defer {
      perDocument.deallocate()
      touched.deallocate()
    }
    var workspace = TokenizerWorkspace()
    for d in range {
      var touchedCount = 0
      tokenizer.forEachTerm(in: documents[d], workspace: &workspace) { bytes in
        let id = table.insert(bytes)
        if id >= capacity {
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
        if perDocument[id] == 0 {
          touched[touchedCount] = Int32(id)
          touchedCount += 1
        }
        perDocument[id] += 1
      }
      if documentFrequency.count < table.count {
        documentFrequency.append(
          contentsOf: repeatElement(0, count: table.count - documentFrequency.count))
        totals.append(contentsOf: repeatElement(0, count: table.count - totals.count))
      }
      for id in UnsafeBufferPointer(start: touched, count: touchedCount) {
        let n = perDocument[Int(id)]
        ids.append(id)
        counts.append(Float(n))
        documentFrequency[Int(id)] += 1
        totals[Int(id)] += Double(n)
        perDocument[Int(id)] = 0
      }
      offsets.append(Int64(ids.count))
    }
    return Chunk(
      table: table, rowOffsets: offsets, termIDs: ids, counts: counts,
      documentFrequency: documentFrequency, totals: totals)
  }

  /// Merges the chunk tables in chunk order (the first one starts the merged table, so its ids
  /// stay as they are) and adds up the document frequencies and totals.
  private static func merge(_ chunks: [Chunk]) -> Counts {
    var chunks = chunks
    guard !chunks.isEmpty else {
      return Counts(terms: ByteStringTable(), chunks: [], documentFrequency: [], totals: [])
    }
    var global = chunks[0].table
    global.reserve(
      capacity: chunks.reduce(0) { $0 + $1.table.count },
      bytes: chunks.reduce(0) { $0 + $1.table.byteCount })
    var documentFrequency = chunks[0].documentFrequency
    var totals = chunks[0].totals
    chunks[0].merged = (0..<Int32(global.count)).map { $0 }
    for c in chunks.indices.dropFirst() {
      let table = chunks[c].table
      var merged = [Int32](repeating: 0, count: table.count)
      for local in 0..<table.count {
        let id = table.withBytes(local) { global.insert($0, hash: table.storedHash(local)) }
        merged[local] = Int32(id)
        if id == documentFrequency.count {
          documentFrequency.append(0)
          totals.append(0)
        }
        documentFrequency[id] += chunks[c].documentFrequency[local]
        totals[id] += chunks[c].totals[local]
      }
      chunks[c].merged = merged
    }
    return Counts(
      terms: global, chunks: chunks, documentFrequency: documentFrequency, totals: totals)
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
  ) -> SparseMatrix {
    let dense = columns <= denseColumnLimit
    let chunks = Parallel.map(
      count: documents.count, workers: max(1, workers) * 4, minimumChunk: 32
    ) { range -> (offsets: [Int64], indices: [Int32], values: [Float]) in
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
