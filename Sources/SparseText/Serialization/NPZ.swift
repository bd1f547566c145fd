import Foundation
import ZIPFoundation

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
    /// first), to `chunk` as whole numbers, a run at a time with the position of its first
    /// (a float that is not a whole number is refused).
    func streamIntegers(
      _ name: String, expectedCount: Int,
      _ chunk: (UnsafeBufferPointer<Int64>, Int) throws -> Void
    ) throws {
      var scratch: [Int64] = []
      try streamRuns(name, expectedCount: expectedCount) { raw, type, start in
        let n = raw.count / type.size
        scratch.removeAll(keepingCapacity: true)
        switch type {
        case .int64:
          for i in 0..<n {
            scratch.append(raw.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self))
          }
        case .int32:
          for i in 0..<n {
            scratch.append(Int64(raw.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)))
          }
        case .float32, .float64:
          for i in 0..<n {
            let value =
              type == .float32
              ? Double(raw.loadUnaligned(fromByteOffset: 4 * i, as: Float.self))
              : raw.loadUnaligned(fromByteOffset: 8 * i, as: Double.self)
            guard let whole = Int64(exactly: value) else {
              throw ModelFormatError.corrupt(
                file: "\(url.path)#\(name)",
                reason: "position \(start + i) holds \(value), not a whole number")
            }
            scratch.append(whole)
          }
        }
        try scratch.withUnsafeBufferPointer { try chunk($0, start) }
      }
    }

    /// ``streamIntegers(_:expectedCount:_:)`` for values of any element type, as Float.
    func streamReals(
      _ name: String, expectedCount: Int,
      _ chunk: (UnsafeBufferPointer<Float>, Int) throws -> Void
    ) throws {
      var scratch: [Float] = []
      try streamRuns(name, expectedCount: expectedCount) { raw, type, start in
        let n = raw.count / type.size
        scratch.removeAll(keepingCapacity: true)
        switch type {
        case .float32:
          for i in 0..<n {
            scratch.append(raw.loadUnaligned(fromByteOffset: 4 * i, as: Float.self))
          }
        case .float64:
          for i in 0..<n {
            scratch.append(Float(raw.loadUnaligned(fromByteOffset: 8 * i, as: Double.self)))
          }
        case .int32:
          for i in 0..<n {
            scratch.append(Float(raw.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)))
          }
        case .int64:
          for i in 0..<n {
            scratch.append(Float(raw.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)))
          }
        }
        try scratch.withUnsafeBufferPointer { try chunk($0, start) }
      }
    }

    /// The data of member `name` in runs of whole elements, each with their type and the
    /// position of its first element.
    private func streamRuns(
      _ name: String, expectedCount: Int,
      _ run: (UnsafeRawBufferPointer, NumPyArray.ElementType, Int) throws -> Void
    ) throws {
      guard let entry = entries[name] else { throw missing(name) }
      let memberFile = "\(url.path)#\(name)"
      var pending: [UInt8] = []
      var header: NumPyArray.Header?
      var position = 0
      func deliver(_ raw: UnsafeRawBufferPointer, _ type: NumPyArray.ElementType) throws {
        let count = raw.count / type.size
        guard position + count <= expectedCount else {
          throw ModelFormatError.corrupt(
            file: memberFile, reason: "it holds more data than its header declares")
        }
        if count > 0 { try run(raw, type, position) }
        position += count
      }
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
            try pending.withUnsafeBytes { try deliver($0, type) }
            pending = []
          }
        }
        let whole = bytes.count / size * size
        try bytes.prefix(whole).withUnsafeBytes { try deliver($0, type) }
        pending.append(contentsOf: bytes.dropFirst(whole))
      }
      guard header != nil, position == expectedCount, pending.isEmpty else {
        throw ModelFormatError.truncated(
          file: memberFile, expected: expectedCount, actual: position)
      }
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
