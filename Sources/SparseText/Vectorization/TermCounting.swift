/// Multi-core term counting shared by the vectorizers.
///
/// Documents are cut into contiguous chunks; each chunk is tokenized and counted on its own
/// thread into a chunk-local term table, and the chunks are merged in chunk order. Because the
/// vocabulary is sorted afterwards and counts are exact integers, the result does not depend on
/// how many threads ran.
enum TermCounting {
  /// Rows of `(term id, count)` with term ids into `terms`.
  struct Counts {
    var terms: ByteStringTable
    var rowOffsets: [Int64]
    var termIDs: [Int32]
    var counts: [Float]
  }

  private struct Chunk: Sendable {
    var table: ByteStringTable
    var rowOffsets: [Int64]
    var termIDs: [Int32]
    var counts: [Float]
  }

  /// Counts every term of every document, building the term table as it goes.
  static func count(
    _ documents: [String], tokenizer: Tokenizer, workers: Int = Parallel.defaultWorkerCount
  ) -> Counts {
    let chunks = Parallel.map(
      count: documents.count, workers: max(1, workers) * 4, minimumChunk: 32
    ) { range -> Chunk in
      var table = ByteStringTable(capacity: 4096)
      var offsets: [Int64] = [0]
      offsets.reserveCapacity(range.count + 1)
      var ids: [Int32] = []
      var counts: [Float] = []
      var perDocument: [Int32] = []
      var touched: [Int32] = []
      var workspace = TokenizerWorkspace()
      for d in range {
        tokenizer.forEachTerm(in: documents[d], workspace: &workspace) { bytes in
          let id = table.insert(bytes)
          if id >= perDocument.count { perDocument.append(0) }
          if perDocument[id] == 0 { touched.append(Int32(id)) }
          perDocument[id] += 1
        }
        for id in touched {
          ids.append(id)
          counts.append(Float(perDocument[Int(id)]))
          perDocument[Int(id)] = 0
        }
        touched.removeAll(keepingCapacity: true)
        offsets.append(Int64(ids.count))
      }
      return Chunk(table: table, rowOffsets: offsets, termIDs: ids, counts: counts)
    }
    return merge(chunks)
  }

  private static func merge(_ chunks: [Chunk]) -> Counts {
    guard chunks.count != 1 else {
      let c = chunks[0]
      return Counts(terms: c.table, rowOffsets: c.rowOffsets, termIDs: c.termIDs, counts: c.counts)
    }
    var global = ByteStringTable(capacity: chunks.map(\.table.count).max() ?? 16)
    var offsets: [Int64] = [0]
    var ids: [Int32] = []
    var counts: [Float] = []
    let total = chunks.reduce(0) { $0 + $1.termIDs.count }
    ids.reserveCapacity(total)
    counts.reserveCapacity(total)
    for chunk in chunks {
      var map = [Int32](repeating: 0, count: chunk.table.count)
      for local in 0..<chunk.table.count {
        map[local] = Int32(
          chunk.table.withBytes(local) { global.insert($0, hash: chunk.table.storedHash(local)) })
      }
      let base = Int64(ids.count)
      for id in chunk.termIDs { ids.append(map[Int(id)]) }
      counts.append(contentsOf: chunk.counts)
      for k in 1..<chunk.rowOffsets.count { offsets.append(base + chunk.rowOffsets[k]) }
    }
    return Counts(terms: global, rowOffsets: offsets, termIDs: ids, counts: counts)
  }

  /// Counts the terms of each document that `column` maps to a column, as a CSR matrix with
  /// sorted columns; other terms are ignored. Every column hit is stored, even when its signed
  /// sum is zero.
  static func countColumns(
    _ documents: [String], tokenizer: Tokenizer, columns: Int,
    workers: Int = Parallel.defaultWorkerCount,
    column: @escaping @Sendable (UnsafeBufferPointer<UInt8>) -> (index: Int, sign: Float)?
  ) -> SparseMatrix {
    let chunks = Parallel.map(
      count: documents.count, workers: max(1, workers) * 4, minimumChunk: 32
    ) { range -> (offsets: [Int64], indices: [Int32], values: [Float]) in
      var offsets: [Int64] = [0]
      var indices: [Int32] = []
      var values: [Float] = []
      var sums = [Float](repeating: 0, count: columns)
      var seen = [Bool](repeating: false, count: columns)
      var touched: [Int32] = []
      var workspace = TokenizerWorkspace()
      for d in range {
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
