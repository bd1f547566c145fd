import Foundation
import ZIPFoundation

/// SciPy's sparse `.npz` layout (`scipy.sparse.save_npz` / `load_npz`): a zip of `data.npy`,
/// `indices.npy`, `indptr.npy`, `shape.npy` and `format.npy`.
extension SparseMatrix {
  /// The largest member a `.npz` may declare before it is refused (8 GiB).
  static let npzMemberLimit: Int64 = 8 << 30

  /// Writes the matrix as a SciPy CSR `.npz` file, atomically.
  public func writeNPZ(to url: URL) throws {
    try SparseRowWriter.write(self, to: url, format: .npz)
  }

  /// Reads a SciPy CSR (or CSC/COO converted by SciPy beforehand: CSR only) `.npz` file.
  ///
  /// Nothing is held that has not been checked: each member's declared size is checked against
  /// the limits and the memory budget, each array's `.npy` header against the shape and the
  /// other arrays (row offsets from 0 to the nonzero count, one column index and one value per
  /// nonzero) before its data is read, and the data is decompressed in chunks and checked as it
  /// arrives (offsets that never decrease, columns sorted, unique and in range within each row,
  /// finite values). A small file that declares hundreds of millions of entries it does not
  /// hold, or whose entries break the format, is refused after reading little of it.
  public static func readNPZ(from url: URL) throws -> SparseMatrix {
    let file = url.path
    let archive = try NPZ.Reader(url: url)
    if let format = try archive.small("format.npy") {
      let text = String(decoding: format.suffix(12).filter { $0 != 0 }, as: UTF8.self)
      guard text.hasSuffix("csr") else {
        throw ModelFormatError.corrupt(
          file: file,
          reason:
            "the matrix is stored as '\(text.suffix(3))', not CSR; convert it with .tocsr() first")
      }
    }
    guard let shapeData = try archive.small("shape.npy") else {
      throw archive.missing("shape.npy")
    }
    let shape = try NumPyArray.decode(shapeData, file: "\(file)#shape.npy").integers()
    guard shape.count == 2, shape[0] >= 0, shape[1] >= 0, shape[1] <= Int64(Int32.max),
      shape[0] < Int64(Int.max / 8)
    else {
      throw ModelFormatError.corrupt(file: file, reason: "bad shape \(shape)")
    }
    let rows = Int(shape[0])
    let columns = Int32(shape[1])
    // Row offsets: rows + 1 of them, from 0, never decreasing.
    try MemoryBudget.check(
      Double(rows + 1) * 8, for: "the row offsets in '\(file)'",
      suggestion: "Check that the file is what it should be.")
    var indptr: [Int64] = []
    indptr.reserveCapacity(rows + 1)
    var previous: Int64 = 0
    try archive.streamIntegers("indptr.npy", expectedCount: rows + 1) { chunk, start in
      for (j, value) in chunk.enumerated() {
        let k = start + j
        guard k > 0 || value == 0, value >= previous else {
          throw ModelFormatError.corrupt(
            file: file,
            reason:
              k == 0
              ? "indptr.npy starts at \(value), not 0"
              : "indptr.npy decreases at position \(k) (\(previous) then \(value))")
        }
        previous = value
      }
      indptr.append(contentsOf: chunk)
    }
    let nonzeros = Int(previous)
    // The matrix itself, before its arrays are read.
    try MemoryBudget.check(
      Double(nonzeros) * 8 + Double(rows + 1) * 8, for: "the matrix in '\(file)'",
      suggestion: "Check that the file is what it should be.")
    // Column indices: sorted, unique and in range within each row.
    // Reserved, not touched: pages hold only what was read and checked.
    var indices: [Int32] = []
    indices.reserveCapacity(nonzeros)
    var row = 0
    var rowEnd = rows > 0 ? indptr[1] : 0
    var last: Int64 = -1
    try archive.streamIntegers("indices.npy", expectedCount: nonzeros) { chunk, start in
      for (j, value) in chunk.enumerated() {
        let k = Int64(start + j)
        while row < rows && k >= rowEnd {
          row += 1
          rowEnd = row < rows ? indptr[row + 1] : rowEnd
          last = -1
        }
        guard value > last, value < Int64(columns) else {
          throw ModelFormatError.corrupt(
            file: file,
            reason:
              "indices.npy position \(k) (row \(row)): column \(value) "
              + (value <= last
                ? "after \(last); a row's columns are sorted and unique"
                : "is not below \(columns)"))
        }
        last = value
        indices.append(Int32(truncatingIfNeeded: value))
      }
    }
    var values: [Float] = []
    values.reserveCapacity(nonzeros)
    try archive.streamReals("data.npy", expectedCount: nonzeros) { chunk, start in
      if let bad = chunk.firstIndex(where: { !$0.isFinite }) {
        throw ModelFormatError.corrupt(
          file: file,
          reason:
            "data.npy holds \(chunk[bad]) at position \(start + bad); every feature value must be a finite number"
        )
      }
      values.append(contentsOf: chunk)
    }
    return SparseMatrix(
      uncheckedRows: rows, columns: Int(columns), rowOffsets: indptr, columnIndices: indices,
      values: values)
  }
}
