import Foundation
import Testing

/// Runs the built `sparsetext` binary and captures what it prints.
struct CLIResult {
  let status: Int32
  let stdout: String
  let stderr: String
}

enum CLI {
  /// The `sparsetext` executable next to the test bundle in the build folder.
  static var executable: URL {
    var url = Bundle.main.bundleURL
    for _ in 0..<4 {
      let candidate = url.appendingPathComponent("sparsetext")
      if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
      url = url.deletingLastPathComponent()
    }
    return url.appendingPathComponent("sparsetext")
  }

  /// Runs `sparsetext` with `arguments`, feeding `input` to its standard input.
  static func run(_ arguments: [String], input: Data? = nil, in directory: URL? = nil) throws
    -> CLIResult
  {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    var environment = ProcessInfo.processInfo.environment
    environment["NO_COLOR"] = "1"
    process.environment = environment
    let out = Pipe()
    let err = Pipe()
    let inPipe = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = inPipe
    try process.run()
    if let input { inPipe.fileHandleForWriting.write(input) }
    try inPipe.fileHandleForWriting.close()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CLIResult(
      status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
      stderr: String(decoding: errData, as: UTF8.self))
  }

  /// A fresh temporary directory for one test.
  static func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }
}

@Suite struct CLIBasicsTests {
  @Test func printsVersion() throws {
    let result = try CLI.run(["--version"])
    #expect(result.status == 0)
    #expect(result.stdout.contains("0.1.0"))
  }
}
