/// A dense Float32 matrix stored row-major (C order), the layout of NumPy's default arrays.
public struct DenseMatrix: Sendable, Equatable {
  /// The number of rows.
  public let rows: Int
  /// The number of columns.
  public let columns: Int
  /// `rows × columns` values, row after row. Read-only outside the package, so the count always
  /// matches the shape; build a new matrix with ``init(rows:columns:values:)`` to change them.
  public package(set) var values: [Float]

  /// Wraps `values` (row-major) as a `rows × columns` matrix.
  public init(rows: Int, columns: Int, values: [Float]) throws {
    guard rows >= 0, columns >= 0 else {
      throw DataError.invalidMatrix(
        what: "a \(rows)×\(columns) dense matrix", reason: "rows and columns must be non-negative")
    }
    guard values.count == rows * columns else {
      throw DataError.shapeMismatch(
        what: "values of a \(rows)×\(columns) dense matrix", expected: rows * columns,
        actual: values.count)
    }
    self.rows = rows
    self.columns = columns
    self.values = values
  }

  /// A matrix of zeros.
  public init(zeros rows: Int, columns: Int) {
    self.rows = rows
    self.columns = columns
    self.values = Array(repeating: 0, count: rows * columns)
  }

  /// A matrix whose rows are the given arrays, which must all have `columns` elements.
  public init(rows rowArrays: [[Float]], columns: Int) throws {
    var flat: [Float] = []
    flat.reserveCapacity(rowArrays.count * columns)
    for (r, row) in rowArrays.enumerated() {
      guard row.count == columns else {
        throw DataError.shapeMismatch(
          what: "length of row \(r)", expected: columns, actual: row.count)
      }
      flat.append(contentsOf: row)
    }
    try self.init(rows: rowArrays.count, columns: columns, values: flat)
  }

  /// The element at `(row, column)`.
  public package(set) subscript(row: Int, column: Int) -> Float {
    get { values[row * columns + column] }
    set { values[row * columns + column] = newValue }
  }

  /// One row as a slice of ``values``.
  public func row(_ row: Int) -> ArraySlice<Float> {
    values[(row * columns)..<((row + 1) * columns)]
  }

  /// A matrix made of the given rows, in the given order.
  public func selectingRows(_ selection: some Sequence<Int>) -> DenseMatrix {
    var flat: [Float] = []
    var count = 0
    for r in selection {
      flat.append(contentsOf: row(r))
      count += 1
    }
    return DenseMatrix(uncheckedRows: count, columns: columns, values: flat)
  }

  /// The transpose.
  package func transposed() -> DenseMatrix {
    var out = DenseMatrix(zeros: columns, columns: rows)
    for r in 0..<rows {
      for c in 0..<columns {
        out.values[c * rows + r] = values[r * columns + c]
      }
    }
    return out
  }

  /// A sparse copy that stores only the nonzero values.
  package func sparsified() -> SparseMatrix {
    var offsets: [Int64] = [0]
    offsets.reserveCapacity(rows + 1)
    var indices: [Int32] = []
    var stored: [Float] = []
    for r in 0..<rows {
      for c in 0..<columns where values[r * columns + c] != 0 {
        indices.append(Int32(c))
        stored.append(values[r * columns + c])
      }
      offsets.append(Int64(stored.count))
    }
    return SparseMatrix(
      uncheckedRows: rows, columns: columns, rowOffsets: offsets, columnIndices: indices,
      values: stored)
  }

  package init(uncheckedRows rows: Int, columns: Int, values: [Float]) {
    precondition(values.count == rows * columns)
    self.rows = rows
    self.columns = columns
    self.values = values
  }
}
