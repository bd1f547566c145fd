import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Writes a sparse CSR matrix block by block, so features for a corpus of any size need memory
/// for one block only. The format comes from the file's extension:
///
/// | extension | format | read it with |
/// |---|---|---|
/// | `.npz` | SciPy CSR | `scipy.sparse.load_npz` |
/// | `.safetensors` | tensors `data`, `indices`, `indptr`, `shape` | `safetensors.numpy.load_file` |
/// | `.svm`, `.libsvm`, `.svmlight` | `label index:value …`, zero-based | `sklearn.datasets.load_svmlight_file(zero_based=True)` |
/// | `.mtx` | Matrix Market coordinate, one-based | `scipy.io.mmread` |
/// | `.jsonl` | `{"row", "label", "indices", "values"}` per document | any JSON reader |
/// | `.csv` | `row,column,value` triplets, zero-based, with a header | any CSV reader |
/// | `.npy` | the dense matrix (rows × columns, C order; zeros written out) | `numpy.load` |
///
/// Binary formats spill their arrays to temporary files beside the destination and are
/// assembled by ``finish()``; text formats are written as they come. Nothing appears at the
/// destination until ``finish()`` renames the complete file into place; ``cancel()`` (or an
/// error, or dropping the writer) leaves the destination as it was.
package final class SparseRowWriter {
  /// The output formats.
  package enum Format: String, Sendable, CaseIterable {
    /// SciPy's CSR `.npz`.
    case npz
    /// safetensors with the CSR arrays as tensors.
    case safetensors
    /// libsvm/svmlight text, zero-based indices.
    case svmlight
    /// Matrix Market coordinate text.
    case matrixMarket
    /// One JSON object per document.
    case jsonl
    /// Long-format `row,column,value` CSV.
    case csv
    /// NumPy's `.npy`: the matrix made dense, every zero written (rows × columns values).
    case npy

    /// The format an extension names, or `nil`.
    package init?(extension name: String) {
      switch name.lowercased() {
      case "npz": self = .npz
      case "safetensors": self = .safetensors
      case "svm", "libsvm", "svmlight": self = .svmlight
      case "mtx": self = .matrixMarket
      case "jsonl", "ndjson": self = .jsonl
      case "csv": self = .csv
      case "npy": self = .npy
      default: return nil
      }
    }

    /// The extensions accepted, for messages.
    package static let extensions =
      ".npz, .safetensors, .svm/.libsvm/.svmlight, .mtx, .jsonl, .csv or .npy (dense)"
  }

  /// The type values are stored as.
  package enum ValueType: String, Sendable, CaseIterable {
    /// 32-bit floats (`<f4`, `F32`): the default, the values exactly as computed.
    case float32
    /// 64-bit floats (`<f8`, `F64`), for tools that want double precision.
    case float64
    /// 64-bit integers (`<i8`, `I64`; text formats print whole numbers), for counts: every
    /// value must be a whole number (scikit-learn's `CountVectorizer` gives int64).
    case int64
  }

  /// The destination.
  package let url: URL
  /// The format.
  package let format: Format
  /// The number of columns of every block.
  package let columns: Int
  /// The type values are stored as.
  package let valueType: ValueType
  /// Rows written so far.
  package private(set) var rows = 0
  /// Nonzeros written so far.
  package private(set) var nonzeros = 0

  private let parts: URL
  /// The text output, or the spilled values/indices/offsets of binary formats.
  private var outputs: [FileHandle] = []
  private var finished = false
  private let lock: OutputLock

  /// Opens a writer for `url`; the format comes from `format` or else the extension.
  package init(url: URL, columns: Int, format: Format? = nil, valueType: ValueType = .float32)
    throws
  {
    guard let format = format ?? Format(extension: url.pathExtension) else {
      throw ConfigurationError.outOfRange(
        field: .outputFile, value: url.lastPathComponent, allowed: "a \(Format.extensions) file")
    }
    self.url = url
    self.format = format
    self.columns = columns
    self.valueType = valueType
    parts = OutputLocation.sibling(of: url, kind: "parts")
    lock = try OutputLock(url)
    do {
      try OutputLocation.checkFile(url)
      try FileManager.default.createDirectory(at: parts, withIntermediateDirectories: false)
      for name in Self.spillNames(format) {
        let file = parts.appendingPathComponent(name)
        let descriptor = open(file.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw OutputError(code: errno, file: url.path) }
        outputs.append(FileHandle(fileDescriptor: descriptor, closeOnDealloc: true))
      }
      switch format {
      case .csv: try write("row,column,value\n", to: 0)
      case .npz, .safetensors: try outputs[2].write(contentsOf: Self.bytes(of: [Int64(0)]))
      default: break
      }
    } catch {
      cancel()
      throw OutputError.translating(error, file: url.path)
    }
  }

  deinit {
    if !finished { cancel() }
  }

  /// The files a format spills to: binary formats keep values, indices and row offsets apart.
  private static func spillNames(_ format: Format) -> [String] {
    switch format {
    case .npz, .safetensors: return ["data", "indices", "indptr"]
    default: return ["body"]
    }
  }

  /// Writes a whole matrix to `url` (format from `format` or the extension), atomically; with
  /// `commit`, the file is staged there and put in place with the commit's other outputs.
  /// `doubleValues` (float64 only), one per stored entry, replace the matrix's values: features
  /// computed in Double are written as computed.
  package static func write(
    _ matrix: SparseMatrix, doubleValues: [Double]? = nil, labels: [String]? = nil, to url: URL,
    format: Format? = nil, valueType: ValueType = .float32, in commit: OutputCommit? = nil
  ) throws {
    if (format ?? Format(extension: url.pathExtension)) == .npz {
      try checkDoubleValues(doubleValues, of: matrix, valueType: valueType)
      // The whole matrix is at hand: its arrays go straight into the archive, unspilled.
      try AtomicFile.write(to: url, in: commit) { temporary in
        try writeNPZ(
          matrix, doubleValues: doubleValues, valueType: valueType, to: temporary, file: url.path)
      }
      return
    }
    let writer = try SparseRowWriter(
      url: url, columns: matrix.columns, format: format, valueType: valueType)
    try writer.append(matrix, doubleValues: doubleValues, labels: labels)
    try writer.finish(in: commit)
  }

  /// Appends the rows of `block`, with a label per row for svmlight and JSONL (`nil`: none);
  /// `doubleValues` (float64 only), one per stored entry, replace the block's values.
  package func append(
    _ block: SparseMatrix, doubleValues: [Double]? = nil, labels: [String]? = nil
  ) throws {
    guard block.columns == columns else {
      throw DataError.shapeMismatch(
        what: "columns of a row block", expected: columns, actual: block.columns)
    }
    if let labels, labels.count != block.rows {
      throw DataError.shapeMismatch(
        what: "labels of a row block", expected: block.rows, actual: labels.count)
    }
    try Self.checkDoubleValues(doubleValues, of: block, valueType: valueType)
    do {
      try spill(block, doubleValues: doubleValues, labels: labels)
    } catch {
      throw OutputError.translating(error, file: url.path)
    }
    rows += block.rows
    nonzeros += block.nonzeroCount
  }

  /// Double values are only stored as float64, one per stored entry.
  private static func checkDoubleValues(
    _ doubleValues: [Double]?, of block: SparseMatrix, valueType: ValueType
  ) throws {
    guard let doubleValues else { return }
    precondition(valueType == .float64, "Double values are written as float64 only")
    guard doubleValues.count == block.nonzeroCount else {
      throw DataError.shapeMismatch(
        what: "values of a row block", expected: block.nonzeroCount, actual: doubleValues.count)
    }
  }

  /// Writes `block` to the spill files (binary formats) or the text: a block may be a whole
  /// matrix, so its arrays are copied out and its text is made a chunk at a time (see
  /// ``writeValues(count:to:_:)`` and ``TextChunks``), never all at once.
  private func spill(_ block: SparseMatrix, doubleValues: [Double]?, labels: [String]?) throws {
    switch format {
    case .npz, .safetensors:
      let values = block.values
      switch valueType {
      case .float32: try writeValues(count: values.count, to: 0) { values[$0] }
      case .float64:
        if let doubleValues {
          try writeValues(count: values.count, to: 0) { doubleValues[$0] }
        } else {
          try writeValues(count: values.count, to: 0) { Double(values[$0]) }
        }
      case .int64: try writeValues(count: values.count, to: 0) { Int64(values[$0]) }
      }
      let columns = block.columnIndices
      try writeValues(count: columns.count, to: 1) { columns[$0] }
      let base = Int64(nonzeros)
      let offsets = block.rowOffsets
      try writeValues(count: block.rows, to: 2) { offsets[$0 + 1] + base }
    case .svmlight:
      // Values as every text format writes them (int64 as whole numbers).
      var text = TextChunks(output: outputs[0])
      for r in 0..<block.rows {
        try text.append(labels.map { $0[r].replacingOccurrences(of: " ", with: "_") } ?? "0")
        for p in block.storageRange(ofRow: r) {
          try text.append(" \(block.columnIndices[p]):\(value(block, doubleValues, at: p))")
        }
        try text.append("\n")
      }
      try text.flush()
    case .matrixMarket:
      try writeTriplets(block, doubleValues, base: 1, separator: " ")
    case .jsonl:
      var text = TextChunks(output: outputs[0])
      for r in 0..<block.rows {
        let range = block.storageRange(ofRow: r)
        try text.append("{\"row\":\(rows + r)")
        if let label = labels?[r] { try text.append(",\"label\":" + JSONString.quoted(label)) }
        try text.append(",\"indices\":[")
        for p in range {
          try text.append(p == range.lowerBound ? "" : ",")
          try text.append(String(block.columnIndices[p]))
        }
        try text.append("],\"values\":[")
        for p in range {
          try text.append(p == range.lowerBound ? "" : ",")
          try text.append(value(block, doubleValues, at: p))
        }
        try text.append("]}\n")
      }
      try text.flush()
    case .csv:
      try writeTriplets(block, doubleValues, base: 0, separator: ",")
    case .npy:
      switch valueType {
      case .float32: try spillDense(block, as: Float.self) { block.values[$0] }
      case .float64:
        if let doubleValues {
          try spillDense(block, as: Double.self) { doubleValues[$0] }
        } else {
          try spillDense(block, as: Double.self) { Double(block.values[$0]) }
        }
      case .int64: try spillDense(block, as: Int64.self) { Int64(block.values[$0]) }
      }
    }
  }

  /// The rows of `block` made dense, in `T`, one row at a time; `value` gives a stored entry's
  /// value by its position.
  private func spillDense<T: Numeric>(
    _ block: SparseMatrix, as _: T.Type, _ value: (Int) -> T
  ) throws {
    var row = [T](repeating: 0, count: columns)
    for r in 0..<block.rows {
      let range = block.storageRange(ofRow: r)
      for p in range { row[Int(block.columnIndices[p])] = value(p) }
      try outputs[0].write(contentsOf: Self.bytes(of: row))
      for p in range { row[Int(block.columnIndices[p])] = 0 }
    }
  }

  /// Completes the file, flushes it to disk and moves it over the destination; with `commit`,
  /// stages it there instead, to be put in place with the commit's other outputs.
  package func finish(in commit: OutputCommit? = nil) throws {
    defer { cancel() }
    do {
      for handle in outputs { try handle.synchronize() }
    } catch {
      throw OutputError.translating(error, file: url.path)
    }
    let spilled = Self.spillNames(format).map { parts.appendingPathComponent($0) }
    try AtomicFile.write(to: url, in: commit) { temporary in
      switch format {
      case .npz: try writeNPZ(spilled, to: temporary)
      case .safetensors: try writeSafeTensors(spilled, to: temporary)
      case .matrixMarket:
        let header =
          "%%MatrixMarket matrix coordinate \(valueType == .int64 ? "integer" : "real") general\n"
          + "% written by sparsetext\n"
          + "\(rows) \(columns) \(nonzeros)\n"
        try concatenate([Data(header.utf8)], spilled, to: temporary)
      case .svmlight, .jsonl, .csv:
        try concatenate([], spilled, to: temporary)
      case .npy:
        let header = NumPyArray.header(
          descriptor: valueType.descriptor, shape: [rows, columns])
        try concatenate([header], spilled, to: temporary)
      }
    }
  }

  /// Abandons the output: spilled parts are removed and the destination left as it was.
  package func cancel() {
    guard !finished else { return }
    finished = true
    for handle in outputs { try? handle.close() }
    outputs = []
    try? FileManager.default.removeItem(at: parts)
    lock.release()
  }

  // MARK: - Assembly

  /// One line per stored value of `block`: row (counted from the rows already written), column
  /// and value, with indices counted from `base`.
  private func writeTriplets(
    _ block: SparseMatrix, _ doubleValues: [Double]?, base: Int, separator: String
  ) throws {
    var text = TextChunks(output: outputs[0])
    for r in 0..<block.rows {
      for p in block.storageRange(ofRow: r) {
        let column = Int(block.columnIndices[p]) + base
        let v = value(block, doubleValues, at: p)
        try text.append("\(rows + r + base)\(separator)\(column)\(separator)\(v)\n")
      }
    }
    try text.flush()
  }

  /// Text written to a spill file as it is made, about a MiB at a time: however large a block
  /// (or one row of it), its text is never held whole.
  private struct TextChunks {
    let output: FileHandle
    var text = ""

    mutating func append(_ piece: String) throws {
      text += piece
      if text.utf8.count >= 1 << 20 { try flush() }
    }

    mutating func flush() throws {
      guard !text.isEmpty else { return }
      try output.write(contentsOf: Data(text.utf8))
      text.removeAll(keepingCapacity: true)
    }
  }

  /// `count` values made by `value` (by position), written to spill file `index` 64 Ki at a
  /// time: a whole matrix's arrays are never copied whole.
  private func writeValues<T>(count: Int, to index: Int, _ value: (Int) -> T) throws {
    var buffer: [T] = []
    buffer.reserveCapacity(min(count, 1 << 16))
    var start = 0
    while start < count {
      let end = min(count, start + (1 << 16))
      buffer.removeAll(keepingCapacity: true)
      for k in start..<end { buffer.append(value(k)) }
      try outputs[index].write(contentsOf: Self.bytes(of: buffer))
      start = end
    }
  }

  /// Stored entry `p`'s value as text formats write it: the Double value as computed when
  /// there are Double values.
  private func value(_ block: SparseMatrix, _ doubleValues: [Double]?, at p: Int) -> String {
    if let doubleValues { return "\(doubleValues[p])" }
    return value(block.values[p])
  }

  /// A value as text formats write it.
  private func value(_ v: Float) -> String {
    switch valueType {
    case .float32: return "\(v)"
    case .float64: return "\(Double(v))"
    case .int64: return "\(Int64(v))"
    }
  }

  private func write(_ text: String, to index: Int) throws {
    try outputs[index].write(contentsOf: Data(text.utf8))
  }

  /// The raw (little-endian) bytes of `values`.
  private static func bytes<T>(of values: [T]) -> Data { values.withUnsafeBytes { Data($0) } }

  /// `prefix` then each file's bytes, into `destination`, 1 MiB at a time.
  private func concatenate(_ prefix: [Data], _ files: [URL], to destination: URL) throws {
    guard FileManager.default.createFile(atPath: destination.path, contents: nil),
      let out = FileHandle(forWritingAtPath: destination.path)
    else { throw OutputError(code: errno, file: url.path) }
    defer { try? out.close() }
    for data in prefix { try out.write(contentsOf: data) }
    for file in files {
      let input = try FileHandle(forReadingFrom: file)
      defer { try? input.close() }
      while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty {
        try out.write(contentsOf: chunk)
      }
    }
  }

  /// The spilled files as SciPy's CSR `.npz`: each member's `.npy` header, then its file's
  /// bytes, copied a MiB at a time.
  private func writeNPZ(_ spilled: [URL], to destination: URL) throws {
    func copy(_ file: URL) -> (inout StoredZIPWriter.Member) throws -> Void {
      { member in
        let input = try FileHandle(forReadingFrom: file)
        defer { try? input.close() }
        while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty {
          try member.write(chunk)
        }
      }
    }
    try Self.writeNPZ(
      to: destination, file: url.path, rows: rows, columns: columns, nonzeros: nonzeros,
      valueType: valueType, indices: copy(spilled[1]), indptr: copy(spilled[2]),
      data: copy(spilled[0]))
  }

  /// A whole matrix as SciPy's CSR `.npz`, its arrays written straight from memory;
  /// `zip64Limit` and `start` are ``StoredZIPWriter``'s (tests move members past 4 GiB).
  static func writeNPZ(
    _ matrix: SparseMatrix, doubleValues: [Double]? = nil, valueType: ValueType,
    to destination: URL, file: String, zip64Limit: UInt64 = 0xFFFF_FFFF, start: UInt64 = 0
  )
    throws
  {
    try writeNPZ(
      to: destination, file: file, rows: matrix.rows, columns: matrix.columns,
      nonzeros: matrix.nonzeroCount, valueType: valueType,
      archive: StoredZIPWriter(url: destination, file: file, zip64Limit: zip64Limit, start: start),
      indices: { member in try matrix.columnIndices.withUnsafeBufferPointer { try member.write($0) }
      },
      indptr: { member in try matrix.rowOffsets.withUnsafeBufferPointer { try member.write($0) } },
      data: { member in
        if let doubleValues {
          try doubleValues.withUnsafeBufferPointer { try member.write($0) }
          return
        }
        try matrix.values.withUnsafeBufferPointer { values in
          switch valueType {
          case .float32: try member.write(values)
          case .float64: try writeConverted(values, to: &member) { Double($0) }
          case .int64: try writeConverted(values, to: &member) { Int64($0) }
          }
        }
      })
  }

  /// `values` converted by `convert`, 64 Ki at a time.
  private static func writeConverted<T>(
    _ values: UnsafeBufferPointer<Float>, to member: inout StoredZIPWriter.Member,
    _ convert: (Float) -> T
  ) throws {
    var buffer: [T] = []
    buffer.reserveCapacity(1 << 16)
    var start = 0
    while start < values.count {
      let end = min(values.count, start + (1 << 16))
      buffer.removeAll(keepingCapacity: true)
      for k in start..<end { buffer.append(convert(values[k])) }
      try buffer.withUnsafeBufferPointer { try member.write($0) }
      start = end
    }
  }

  /// SciPy's CSR `.npz` members in `save_npz`'s order (`indices`, `indptr`, `format`, `shape`,
  /// `data`): each a `.npy` header, then for the three arrays the bytes their closure writes.
  private static func writeNPZ(
    to destination: URL, file: String, rows: Int, columns: Int, nonzeros: Int,
    valueType: ValueType, archive: StoredZIPWriter? = nil,
    indices: (inout StoredZIPWriter.Member) throws -> Void,
    indptr: (inout StoredZIPWriter.Member) throws -> Void,
    data: (inout StoredZIPWriter.Member) throws -> Void
  ) throws {
    let csr = Data(
      "csr".unicodeScalars.flatMap { s in withUnsafeBytes(of: s.value.littleEndian) { Array($0) } })
    let shape = [Int64(rows), Int64(columns)].withUnsafeBytes { Data($0) }
    var archive = try archive ?? StoredZIPWriter(url: destination, file: file)
    func add(
      _ name: String, _ header: Data, arrayBytes: Int = 0,
      _ body: (inout StoredZIPWriter.Member) throws -> Void = { _ in }
    ) throws {
      try archive.addMember(name: name, size: UInt64(header.count + arrayBytes)) { member in
        try member.write(header)
        try body(&member)
      }
    }
    do {
      try add(
        "indices.npy", NumPyArray.header(descriptor: "<i4", shape: [nonzeros]),
        arrayBytes: nonzeros * 4, indices)
      try add(
        "indptr.npy", NumPyArray.header(descriptor: "<i8", shape: [rows + 1]),
        arrayBytes: (rows + 1) * 8, indptr)
      try add("format.npy", NumPyArray.header(descriptor: "<U3", shape: []) + csr)
      try add("shape.npy", NumPyArray.header(descriptor: "<i8", shape: [2]) + shape)
      try add(
        "data.npy", NumPyArray.header(descriptor: valueType.descriptor, shape: [nonzeros]),
        arrayBytes: nonzeros * valueType.byteWidth, data)
      try archive.finish()
    } catch {
      archive.close()
      throw error
    }
  }

  /// safetensors: tensors sorted by name (`data`, `indices`, `indptr`, `shape`), which also
  /// keeps every tensor aligned to its element size.
  private func writeSafeTensors(_ spilled: [URL], to destination: URL) throws {
    let shape = Self.bytes(of: [Int64(rows), Int64(columns)])
    let sizes = [nonzeros * valueType.byteWidth, nonzeros * 4, (rows + 1) * 8, 16]
    let prefix = SafeTensors.header(
      [
        .init(
          name: "data", dtype: valueType.safeTensorsType, shape: [nonzeros], byteCount: sizes[0]),
        .init(name: "indices", dtype: "I32", shape: [nonzeros], byteCount: sizes[1]),
        .init(name: "indptr", dtype: "I64", shape: [rows + 1], byteCount: sizes[2]),
        .init(name: "shape", dtype: "I64", shape: [2], byteCount: sizes[3]),
      ],
      metadata: ["format": "csr", "shape": "\(rows),\(columns)", "writer": "sparsetext"])
    try concatenate([prefix], spilled, to: destination)
    let out = try FileHandle(forWritingTo: destination)
    defer { try? out.close() }
    try out.seekToEnd()
    try out.write(contentsOf: shape)
  }

}

extension SparseRowWriter.ValueType {
  /// NumPy's type string.
  var descriptor: String {
    switch self {
    case .float32: return "<f4"
    case .float64: return "<f8"
    case .int64: return "<i8"
    }
  }

  /// safetensors' type name.
  var safeTensorsType: String {
    switch self {
    case .float32: return "F32"
    case .float64: return "F64"
    case .int64: return "I64"
    }
  }

  /// Bytes per value.
  var byteWidth: Int { self == .float32 ? 4 : 8 }
}
