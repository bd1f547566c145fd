import Foundation
import Testing

@testable import SparseText

@Suite struct StoredZIPWriterTests {
  /// Members written with plain fields and with ZIP64 fields everywhere (the limit lowered to
  /// 0, as a member or offset past 4 GiB would get them) read back with their sizes and
  /// checksums through Python's `zipfile` (what `numpy.load` uses), and the plain archive byte
  /// for byte through the reader `.npz` files are loaded with here.
  @Test(arguments: [UInt64(0xFFFF_FFFF), 0])
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
    if zip64Limit == 0xFFFF_FFFF {
      // ZIPFoundation, which reads `.npz` files here, finds no members in the ZIP64 variant
      // that Python reads (below); members past 4 GiB are also past what the readers load.
      let members = try NPZ.read(from: url)
      #expect(members["small.txt"] == small)
      #expect(members["large.bin"] == large)
    }
    let python = URL(fileURLWithPath: "/usr/bin/python3")
    guard FileManager.default.isExecutableFile(atPath: python.path) else { return }
    let process = Process()
    process.executableURL = python
    process.arguments = [
      "-c",
      "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); "
        + "print(z.testzip(), [(i.filename, i.file_size) for i in z.infolist()])",
      url.path,
    ]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    process.waitUntilExit()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    #expect(process.terminationStatus == 0)
    #expect(output == "None [('small.txt', 5), ('large.bin', 3000000)]\n")
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
