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
  public static func readNPZ(from url: URL) throws -> SparseMatrix {
    let members = try NPZ.read(from: url)
    func member(_ name: String) throws -> NumPyArray.Decoded {
      guard let data = members[name] else {
        throw ModelFormatError.corrupt(
          file: url.path,
          reason: "no \(name) inside; is this a scipy.sparse.save_npz file of a CSR matrix?")
      }
      return try NumPyArray.decode(data, file: "\(url.path)#\(name)")
    }
    if let format = members["format.npy"] {
      let text = String(decoding: format.suffix(12).filter { $0 != 0 }, as: UTF8.self)
      guard text.hasSuffix("csr") else {
        throw ModelFormatError.corrupt(
          file: url.path,
          reason:
            "the matrix is stored as '\(text.suffix(3))', not CSR; convert it with .tocsr() first")
      }
    }
    let shape = try member("shape.npy").integers()
    guard shape.count == 2, shape[0] >= 0, shape[1] >= 0, shape[1] <= Int64(Int32.max) else {
      throw ModelFormatError.corrupt(file: url.path, reason: "bad shape \(shape)")
    }
    let indptr = try member("indptr.npy").integers()
    let indices = try member("indices.npy").integers()
    let data = try member("data.npy").floats()
    guard indices.allSatisfy({ $0 >= 0 && $0 < shape[1] }) else {
      throw ModelFormatError.corrupt(file: url.path, reason: "a column index is out of range")
    }
    if let bad = data.firstIndex(where: { !$0.isFinite }) {
      throw ModelFormatError.corrupt(
        file: url.path,
        reason:
          "data.npy holds \(data[bad]) at position \(bad); every feature value must be a finite number"
      )
    }
    do {
      return try SparseMatrix(
        rows: Int(shape[0]), columns: Int(shape[1]), rowOffsets: indptr,
        columnIndices: indices.map { Int32($0) }, values: data)
    } catch let error as DataError {
      throw ModelFormatError.corrupt(file: url.path, reason: error.description)
    }
  }
}

/// Zip containers of `.npy` members (`numpy.savez`).
enum NPZ {
  static func read(from url: URL) throws -> [String: Data] {
    guard FileManager.default.fileExists(atPath: url.path) else {
      throw DataError.unreadableFile(file: url.path, reason: "no such file")
    }
    let archive: Archive
    do {
      archive = try Archive(url: url, accessMode: .read)
    } catch {
      throw ModelFormatError.corrupt(file: url.path, reason: "not a zip (.npz) archive")
    }
    var members: [String: Data] = [:]
    var declared: UInt64 = 0
    for entry in archive where entry.type == .file {
      guard entry.uncompressedSize <= SparseMatrix.npzMemberLimit else {
        throw ModelFormatError.oversized(
          file: url.path, limit: Int(SparseMatrix.npzMemberLimit),
          actual: Int(entry.uncompressedSize))
      }
      // The unpacked members are held in memory together: their declared sizes must fit.
      declared += entry.uncompressedSize
      guard declared <= UInt64(MemoryBudget.bytes) else {
        throw ModelFormatError.oversized(
          file: url.path, limit: MemoryBudget.bytes, actual: Int(clamping: declared))
      }
      var data = Data()
      do {
        _ = try archive.extract(entry, skipCRC32: false) { chunk in data.append(chunk) }
      } catch {
        throw ModelFormatError.corrupt(
          file: url.path, reason: "cannot unpack \(entry.path): \(error)")
      }
      members[entry.path] = data
    }
    return members
  }
}
