import Foundation
import Testing

@testable import SparseText

@Suite struct StoredZIPWriterTests {
  /// Members written with plain fields and with ZIP64 fields everywhere but the first offset
  /// (the limit lowered to 1, as a member or offset past 4 GiB would get them) read back with
  /// their sizes and checksums through the reader `.npz` files are loaded with here, and
  /// through Python's `zipfile` (what `numpy.load` uses).
  @Test(arguments: [UInt64(0xFFFF_FFFF), 1])
  func membersReadBack(zip64Limit: UInt64) throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "stored-zip-\(UUID().uuidString).npz")
    defer { try? FileManager.default.removeItem(at: url) }
    let small = Data("hello".utf8)
    let large = Data((0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) })
    var archive = try StoredZIPWriter(url: url, file: url.path, zip64Limit: zip64Limit)
    try archive.addMember(name: "small.txt", size: UInt64(small.count)) { try $0.write(small) }
    try archive.addMember(name: "large.bin", size: UInt64(large.count)) { member in
      // In two pieces: the checksum continues across writes.
      try member.write(large.prefix(1_234_567))
      try member.write(large.dropFirst(1_234_567))
    }
    try archive.finish()
    let members = try NPZ.read(from: url)
    #expect(members.keys.sorted() == ["large.bin", "small.txt"])
    #expect(members["small.txt"] == small)
    #expect(members["large.bin"] == large)
    try expectPythonReads(url, "[('small.txt', 5), ('large.bin', 3000000)]")
  }

  /// A `.npz` whose members lie past 4 GiB (the archive starts 5 GiB into a sparse file, so
  /// every offset is a ZIP64 field, and with the limit at 1 every size too) reads back as the
  /// matrix written, through `SparseMatrix.readNPZ` and Python's `zipfile`, without writing
  /// or holding 4 GiB.
  @Test(arguments: [UInt64(0xFFFF_FFFF), 1])
  func npzPastFourGiBReadsBack(zip64Limit: UInt64) throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "stored-zip-far-\(UUID().uuidString).npz")
    defer { try? FileManager.default.removeItem(at: url) }
    let matrix = try SparseMatrix(
      rows: [[(0, 1.5), (3, -2)], [], [(1, 0.25), (2, 4), (4, 8)]], columns: 5)
    let start = UInt64(5) << 30
    try SparseRowWriter.writeNPZ(
      matrix, valueType: .float32, to: url, file: url.path, zip64Limit: zip64Limit,
      start: start)
    let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? UInt64
    #expect((size ?? 0) > start)
    let read = try SparseMatrix.readNPZ(from: url)
    #expect(read == matrix)
    try expectPythonReads(
      url,
      "[('indices.npy', 148), ('indptr.npy', 160), ('format.npy', 140), ('shape.npy', 144), ('data.npy', 148)]"
    )
  }

  /// Python's `zipfile` finds no damage in the archive at `url` and lists `members` (names
  /// and sizes). Skipped without Python, unless SPARSETEXT_REQUIRE_PYTHON=1 (CI) requires it.
  private func expectPythonReads(_ url: URL, _ members: String) throws {
    guard pythonInteropRuns else { return }
    let (status, output) = try runPython(
      "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); "
        + "print(z.testzip(), [(i.filename, i.file_size) for i in z.infolist()])",
      arguments: [url.path])
    #expect(status == 0)
    #expect(output == "None \(members)\n")
  }

  /// A member whose body writes fewer bytes than it declared is an error, not a bad archive.
  @Test func aShortMemberIsRefused() throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "stored-zip-\(UUID().uuidString).npz")
    defer { try? FileManager.default.removeItem(at: url) }
    var archive = try StoredZIPWriter(url: url, file: url.path)
    #expect(throws: OutputError.self) {
      try archive.addMember(name: "short", size: 10) { try $0.write(Data("abc".utf8)) }
    }
    archive.close()
  }
}
