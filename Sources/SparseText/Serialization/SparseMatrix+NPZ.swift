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
    try archive.streamIntegers("indptr.npy", expectedCount: rows + 1) { value, k in
      guard k > 0 || value == 0, value >= previous else {
        throw ModelFormatError.corrupt(
          file: file,
          reason:
            k == 0
            ? "indptr.npy starts at \(value), not 0"
            : "indptr.npy decreases at position \(k) (\(previous) then \(value))")
      }
      previous = value
      indptr.append(value)
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
    var last: Int64 = -1
    try archive.streamIntegers("indices.npy", expectedCount: nonzeros) { value, k in
      while row < rows && Int64(k) >= indptr[row + 1] {
        row += 1
        last = -1
      }
      guard value > last, value < Int64(columns) else {
        throw ModelFormatError.corrupt(
          file: file,
          reason:
            "indices.npy position \(k) (row \(row)): column \(value) "
            + (value <= last
              ? "after \(last); a row's columns are sorted and unique" : "is not below \(columns)"))
      }
      last = value
      indices.append(Int32(value))
    }
    var values: [Float] = []
    values.reserveCapacity(nonzeros)
    try archive.streamReals("data.npy", expectedCount: nonzeros) { value, k in
      let v = Float(value)
      guard v.isFinite else {
        throw ModelFormatError.corrupt(
          file: file,
          reason:
            "data.npy holds \(v) at position \(k); every feature value must be a finite number")
      }
      values.append(v)
    }
    return SparseMatrix(
      uncheckedRows: rows, columns: Int(columns), rowOffsets: indptr, columnIndices: indices,
      values: values)
  }
}

/// Zip containers of `.npy` members (`numpy.savez`).
enum NPZ {
  /// An open `.npz` whose members are checked against their declared sizes and read in chunks.
  final class Reader {
    let url: URL
    let archive: Archive
    /// Each file member by name.
    let entries: [String: Entry]

    /// The largest small member (`format.npy`, `shape.npy`) read whole.
    static let smallLimit = 1 << 16

    init(url: URL) throws {
      self.url = url
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
        throw DataError.unreadableFile(file: url.path, reason: "no such file")
      }
      guard !isDirectory.boolValue else {
        throw DataError.unreadableFile(file: url.path, reason: "it is a directory, not a file")
      }
      do {
        archive = try Archive(url: url, accessMode: .read)
      } catch {
        throw ModelFormatError.corrupt(file: url.path, reason: "not a zip (.npz) archive")
      }
      var entries: [String: Entry] = [:]
      for entry in archive where entry.type == .file {
        guard entry.uncompressedSize <= SparseMatrix.npzMemberLimit else {
          throw ModelFormatError.oversized(
            file: url.path, limit: Int(SparseMatrix.npzMemberLimit),
            actual: Int(clamping: entry.uncompressedSize))
        }
        // A stored member holds exactly its bytes; deflate never expands more than 1032:1.
        let ratio: UInt64 = entry.isCompressed ? 1032 : 1
        let (most, overflow) = entry.compressedSize.multipliedReportingOverflow(by: ratio)
        guard overflow || entry.uncompressedSize <= most + 64 else {
          throw ModelFormatError.corrupt(
            file: url.path,
            reason:
              "\(entry.path) declares \(entry.uncompressedSize) bytes but holds \(entry.compressedSize) bytes of \(entry.isCompressed ? "compressed" : "stored") data"
          )
        }
        entries[entry.path] = entry
      }
      self.entries = entries
    }

    func missing(_ name: String) -> ModelFormatError {
      .corrupt(
        file: url.path,
        reason: "no \(name) inside; is this a scipy.sparse.save_npz file of a CSR matrix?")
    }

    /// A small member whole (`nil` when there is none).
    func small(_ name: String) throws -> Data? {
      guard let entry = entries[name] else { return nil }
      guard entry.uncompressedSize <= UInt64(Self.smallLimit) else {
        throw ModelFormatError.oversized(
          file: "\(url.path)#\(name)", limit: Self.smallLimit,
          actual: Int(clamping: entry.uncompressedSize))
      }
      var data = Data()
      try extract(entry, name) { chunk in
        guard data.count + chunk.count <= Self.smallLimit else {
          throw ModelFormatError.oversized(
            file: "\(url.path)#\(name)", limit: Self.smallLimit, actual: data.count + chunk.count)
        }
        data.append(chunk)
      }
      return data
    }

    /// Streams the elements of the 1-D array member `name`, which must hold `expectedCount`
    /// of them (its header is checked against that and against the member's declared size
    /// first), to `element` as whole numbers, with their position (a float that is not a whole
    /// number is refused).
    func streamIntegers(
      _ name: String, expectedCount: Int, _ element: (Int64, Int) throws -> Void
    ) throws {
      try streamElements(name, expectedCount: expectedCount) { raw, type, k in
        switch type {
        case .int64: try element(raw.loadUnaligned(as: Int64.self), k)
        case .int32: try element(Int64(raw.loadUnaligned(as: Int32.self)), k)
        case .float32, .float64:
          let value =
            type == .float32
            ? Double(raw.loadUnaligned(as: Float.self)) : raw.loadUnaligned(as: Double.self)
          guard let whole = Int64(exactly: value) else {
            throw ModelFormatError.corrupt(
              file: "\(url.path)#\(name)",
              reason: "position \(k) holds \(value), not a whole number")
          }
          try element(whole, k)
        }
      }
    }

    /// ``streamIntegers(_:expectedCount:_:)`` for values of any element type, as Double.
    func streamReals(
      _ name: String, expectedCount: Int, _ element: (Double, Int) throws -> Void
    ) throws {
      try streamElements(name, expectedCount: expectedCount) { raw, type, k in
        switch type {
        case .float32: try element(Double(raw.loadUnaligned(as: Float.self)), k)
        case .float64: try element(raw.loadUnaligned(as: Double.self), k)
        case .int32: try element(Double(raw.loadUnaligned(as: Int32.self)), k)
        case .int64: try element(Double(raw.loadUnaligned(as: Int64.self)), k)
        }
      }
    }

    /// The elements of member `name` one by one, as raw bytes with their type and position.
    private func streamElements(
      _ name: String, expectedCount: Int,
      _ element: (UnsafeRawBufferPointer, NumPyArray.ElementType, Int) throws -> Void
    ) throws {
      guard let entry = entries[name] else { throw missing(name) }
      let memberFile = "\(url.path)#\(name)"
      var pending: [UInt8] = []
      var header: NumPyArray.Header?
      var position = 0
      try extract(entry, name) { chunk in
        var bytes = chunk[...]
        if header == nil {
          pending.append(contentsOf: bytes)
          guard let parsed = try NumPyArray.header(in: pending, file: memberFile) else {
            guard pending.count <= NumPyArray.headerLimit + 12 else {
              throw ModelFormatError.corrupt(file: memberFile, reason: "the header does not end")
            }
            return
          }
          guard parsed.shape.count == 1, parsed.count == expectedCount else {
            throw ModelFormatError.inconsistent(
              file: url.path,
              reason:
                "\(name) has shape \(parsed.shape), but the matrix needs [\(expectedCount)]")
          }
          guard UInt64(parsed.dataOffset + parsed.byteCount) == entry.uncompressedSize else {
            throw ModelFormatError.corrupt(
              file: url.path,
              reason:
                "\(name) declares \(entry.uncompressedSize) bytes, its header \(parsed.dataOffset + parsed.byteCount)"
            )
          }
          header = parsed
          bytes = Data(pending.dropFirst(parsed.dataOffset))[...]
          pending = []
        }
        let type = header!.elementType
        let size = type.size
        if !pending.isEmpty {
          let needed = size - pending.count
          pending.append(contentsOf: bytes.prefix(needed))
          bytes = bytes.dropFirst(needed)
          if pending.count == size {
            guard position < expectedCount else { throw tooLong(name) }
            try pending.withUnsafeBytes { try element($0, type, position) }
            position += 1
            pending = []
          }
        }
        let whole = bytes.count / size * size
        try bytes.prefix(whole).withUnsafeBytes { raw in
          var offset = 0
          while offset < raw.count {
            guard position < expectedCount else { throw tooLong(name) }
            try element(
              UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + size)]), type, position)
            position += 1
            offset += size
          }
        }
        pending.append(contentsOf: bytes.dropFirst(whole))
      }
      guard header != nil, position == expectedCount, pending.isEmpty else {
        throw ModelFormatError.truncated(
          file: memberFile, expected: expectedCount, actual: position)
      }
    }

    private func tooLong(_ name: String) -> ModelFormatError {
      .corrupt(file: "\(url.path)#\(name)", reason: "it holds more data than its header declares")
    }

    private func extract(_ entry: Entry, _ name: String, _ consumer: (Data) throws -> Void) throws {
      do {
        _ = try archive.extract(entry, bufferSize: 1 << 16, skipCRC32: false, consumer: consumer)
      } catch let error as ModelFormatError {
        throw error
      } catch {
        throw ModelFormatError.corrupt(file: url.path, reason: "cannot unpack \(name): \(error)")
      }
    }
  }

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
