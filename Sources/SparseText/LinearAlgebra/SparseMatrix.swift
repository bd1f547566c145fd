/// A sparse matrix in compressed sparse row (CSR) form: Float32 values, Int32 column
/// indices, Int64 row offsets, the layout SciPy's `csr_matrix` uses.
///
/// Row `i` holds `values[rowOffsets[i]..<rowOffsets[i+1]]` at columns
/// `columnIndices[rowOffsets[i]..<rowOffsets[i+1]]`; columns within a row are sorted and unique.
public struct SparseMatrix: Sendable, Equatable {
  /// The number of rows (documents).
  public let rows: Int
  /// The number of columns (features).
  public let columns: Int
  /// `rows + 1` offsets into ``columnIndices`` and ``values``; the first is 0.
  public let rowOffsets: [Int64]
  /// The column of each stored value.
  public let columnIndices: [Int32]
  /// The stored values.
  public let values: [Float]

  /// Creates a matrix from CSR arrays, checking that they describe a valid matrix.
  ///
  /// - Throws: ``DataError/shapeMismatch(what:expected:actual:)`` when the arrays' lengths
  ///   disagree, and ``DataError/invalidMatrix(what:reason:)`` when the shape is negative,
  ///   offsets decrease, or a column is out of range, unsorted or repeated within a row.
  public init(
    rows: Int, columns: Int, rowOffsets: [Int64], columnIndices: [Int32], values: [Float]
  ) throws {
    try Self.checkShape(rows: rows, columns: columns)
    // Compared as count - 1 == rows: rows + 1 would overflow for a hostile Int.max.
    guard rowOffsets.count - 1 == rows else {
      throw DataError.shapeMismatch(
        what: "rows of the CSR row offsets (one fewer than the offsets)", expected: rows,
        actual: rowOffsets.count - 1)
    }
    guard columnIndices.count == values.count else {
      throw DataError.shapeMismatch(
        what: "CSR column indices (one per value)", expected: values.count,
        actual: columnIndices.count)
    }
    guard rowOffsets.first == 0, rowOffsets.last == Int64(values.count) else {
      throw DataError.invalidMatrix(
        what: "CSR row offsets",
        reason:
          "they must run from 0 to \(values.count), and run from \(rowOffsets.first ?? -1) to \(rowOffsets.last ?? -1)"
      )
    }
    for r in 0..<rows {
      let start = rowOffsets[r]
      let end = rowOffsets[r + 1]
      guard start <= end, end <= Int64(values.count) else {
        throw DataError.invalidMatrix(
          what: "CSR row offsets at row \(r)",
          reason: "\(start) then \(end); they must not decrease nor exceed \(values.count)")
      }
      var previous: Int32 = -1
      for k in Int(start)..<Int(end) {
        let c = columnIndices[k]
        guard c > previous, Int(c) < columns else {
          throw DataError.invalidMatrix(
            what: "column index in row \(r)",
            reason:
              "\(c) after \(previous); a row's columns are sorted, unique and below \(columns)")
        }
        previous = c
      }
    }
    self.rows = rows
    self.columns = columns
    self.rowOffsets = rowOffsets
    self.columnIndices = columnIndices
    self.values = values
  }

  /// Creates a matrix from CSR arrays the caller has already validated.
  package init(
    uncheckedRows rows: Int, columns: Int, rowOffsets: [Int64], columnIndices: [Int32],
    values: [Float]
  ) {
    precondition(rowOffsets.count == rows + 1 && columnIndices.count == values.count)
    self.rows = rows
    self.columns = columns
    self.rowOffsets = rowOffsets
    self.columnIndices = columnIndices
    self.values = values
  }

  /// An all-zero matrix.
  ///
  /// - Throws: ``DataError/invalidMatrix(what:reason:)`` when the shape is negative or has
  ///   2^31 columns or more, and ``DataError/exceedsMemory(what:bytes:available:suggestion:)``
  ///   when its row offsets would not fit in memory.
  public init(zeros rows: Int, columns: Int) throws {
    try Self.checkShape(rows: rows, columns: columns)
    try MemoryBudget.check(
      (Double(rows) + 1) * 8, for: "the row offsets of a \(rows)×\(columns) matrix",
      suggestion: "Ask for fewer rows.")
    self.init(
      uncheckedRows: rows, columns: columns,
      rowOffsets: Array(repeating: 0, count: rows + 1), columnIndices: [], values: [])
  }

  /// Rows and columns non-negative, and columns below 2^31 (column indices are Int32).
  private static func checkShape(rows: Int, columns: Int) throws {
    guard rows >= 0, columns >= 0, columns <= Int(Int32.max) else {
      throw DataError.invalidMatrix(
        what: "a \(rows)×\(columns) sparse matrix",
        reason: "rows and columns must be non-negative, and columns below 2^31")
    }
  }

  /// Builds a matrix from rows of `(column, value)` pairs; pairs are sorted, repeated
  /// columns summed and explicit zeros kept out.
  public init(rows entries: [[(column: Int, value: Float)]], columns: Int) throws {
    try Self.checkShape(rows: entries.count, columns: columns)
    var offsets: [Int64] = [0]
    offsets.reserveCapacity(entries.count + 1)
    var indices: [Int32] = []
    var values: [Float] = []
    for (r, row) in entries.enumerated() {
      for entry in row where entry.column < 0 || entry.column >= columns {
        throw DataError.invalidMatrix(
          what: "column index in row \(r)",
          reason: "\(entry.column) is outside 0..<\(columns)")
      }
      let sorted = row.sorted { $0.column < $1.column }
      var k = 0
      while k < sorted.count {
        var sum = sorted[k].value
        let c = sorted[k].column
        k += 1
        while k < sorted.count && sorted[k].column == c {
          sum += sorted[k].value
          k += 1
        }
        if sum != 0 {
          indices.append(Int32(c))
          values.append(sum)
        }
      }
      offsets.append(Int64(values.count))
    }
    self.init(
      uncheckedRows: entries.count, columns: columns, rowOffsets: offsets,
      columnIndices: indices, values: values)
  }

  /// The number of stored values.
  package var nonzeroCount: Int { values.count }

  /// The fraction of entries that are stored (0 for an empty matrix).
  package var density: Double {
    rows == 0 || columns == 0 ? 0 : Double(nonzeroCount) / (Double(rows) * Double(columns))
  }

  /// The range of storage positions that belong to row `row`.
  @inlinable
  package func storageRange(ofRow row: Int) -> Range<Int> {
    Int(rowOffsets[row])..<Int(rowOffsets[row + 1])
  }

  /// The stored entries of one row.
  public func row(_ row: Int) -> (columns: ArraySlice<Int32>, values: ArraySlice<Float>) {
    let range = storageRange(ofRow: row)
    return (columnIndices[range], values[range])
  }

  /// The entry at `(row, column)`, zero when it is not stored.
  public subscript(row: Int, column: Int) -> Float {
    let range = storageRange(ofRow: row)
    var lo = range.lowerBound
    var hi = range.upperBound
    let target = Int32(column)
    while lo < hi {
      let mid = (lo + hi) / 2
      if columnIndices[mid] < target { lo = mid + 1 } else { hi = mid }
    }
    return lo < range.upperBound && columnIndices[lo] == target ? values[lo] : 0
  }

  /// A matrix made of the given rows, in the given order (repeats allowed).
  public func selectingRows(_ selection: some Sequence<Int>) -> SparseMatrix {
    var offsets: [Int64] = [0]
    var indices: [Int32] = []
    var newValues: [Float] = []
    var count = 0
    for r in selection {
      let range = storageRange(ofRow: r)
      indices.append(contentsOf: columnIndices[range])
      newValues.append(contentsOf: values[range])
      offsets.append(Int64(newValues.count))
      count += 1
    }
    return SparseMatrix(
      uncheckedRows: count, columns: columns, rowOffsets: offsets, columnIndices: indices,
      values: newValues)
  }

  /// The matrix with every value multiplied by `factor`.
  package func scaled(by factor: Float) -> SparseMatrix {
    SparseMatrix(
      uncheckedRows: rows, columns: columns, rowOffsets: rowOffsets,
      columnIndices: columnIndices, values: values.map { $0 * factor })
  }

  /// The matrix with column `j`'s values multiplied by `factors[j]`.
  package func scalingColumns(by factors: [Float]) -> SparseMatrix {
    precondition(factors.count == columns)
    var scaled = values
    for p in scaled.indices { scaled[p] *= factors[Int(columnIndices[p])] }
    return SparseMatrix(
      uncheckedRows: rows, columns: columns, rowOffsets: rowOffsets,
      columnIndices: columnIndices, values: scaled)
  }

  /// The mean of each column over the rows (zeros included), in Double.
  package func columnMeans() -> [Double] {
    var sums = [Double](repeating: 0, count: columns)
    for p in 0..<values.count { sums[Int(columnIndices[p])] += Double(values[p]) }
    let count = Double(max(1, rows))
    return sums.map { $0 / count }
  }

  /// A dense copy (row-major).
  public func densified() -> DenseMatrix {
    var dense = DenseMatrix(zeros: rows, columns: columns)
    dense.values.withUnsafeMutableBufferPointer { out in
      for r in 0..<rows {
        for k in storageRange(ofRow: r) {
          out[r * columns + Int(columnIndices[k])] = values[k]
        }
      }
    }
    return dense
  }

  /// Stacks two matrices with the same row count side by side: `[self | other]`.
  package func horizontallyConcatenated(with other: SparseMatrix) throws -> SparseMatrix {
    guard other.rows == rows else {
      throw DataError.shapeMismatch(
        what: "rows to concatenate", expected: rows, actual: other.rows)
    }
    var offsets: [Int64] = [0]
    offsets.reserveCapacity(rows + 1)
    var indices: [Int32] = []
    var newValues: [Float] = []
    indices.reserveCapacity(nonzeroCount + other.nonzeroCount)
    newValues.reserveCapacity(nonzeroCount + other.nonzeroCount)
    let shift = Int32(columns)
    for r in 0..<rows {
      let a = storageRange(ofRow: r)
      indices.append(contentsOf: columnIndices[a])
      newValues.append(contentsOf: values[a])
      let b = other.storageRange(ofRow: r)
      for k in b {
        indices.append(other.columnIndices[k] + shift)
        newValues.append(other.values[k])
      }
      offsets.append(Int64(newValues.count))
    }
    return SparseMatrix(
      uncheckedRows: rows, columns: columns + other.columns, rowOffsets: offsets,
      columnIndices: indices, values: newValues)
  }
}
