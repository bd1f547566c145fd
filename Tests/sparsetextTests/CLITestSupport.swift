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

  /// Runs `sparsetext` with `arguments`, feeding `input` to its standard input, with
  /// `environment` added to this process's.
  static func run(
    _ arguments: [String], input: Data? = nil, in directory: URL? = nil,
    environment extra: [String: String] = [:]
  ) throws -> CLIResult {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    var environment = ProcessInfo.processInfo.environment
    environment["NO_COLOR"] = "1"
    environment.merge(extra) { $1 }
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

/// The real binary's exit statuses (documented in `sparsetext --help`) and the streams it
/// writes to; the same mapping runs in-process in SparseTextCLITests.
@Suite struct CLIProcessTests {
  @Test func exitStatusesOfTheBinary() throws {
    let version = try CLI.run(["--version"])
    #expect(version.status == 0 && version.stdout == "0.1.0\n")
    let usage = try CLI.run(["corpus", "list", "--no-such-option"])
    #expect(usage.status == 2 && usage.stderr.contains("--no-such-option"))
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let missing = try CLI.run(["corpus", "stats", dir.path + "/missing.txt"])
    #expect(missing.status == 3 && missing.stderr.hasPrefix("error: "))
    let notAModel = try CLI.run(["evaluate", dir.path, dir.path + "/missing.txt"])
    #expect(notAModel.status == 4, "\(notAModel.stderr)")
    #expect(notAModel.stdout.isEmpty)
  }

  /// OpenBLAS prints the kernel family it loads with `OPENBLAS_VERBOSE=2`: a command that
  /// multiplies dense matrices runs with a fast family (restarting once when OpenBLAS first
  /// picked a slow one on a processor with AVX2), and one that does not never restarts.
  @Test func denseMathCommandsRunWithFastBLASKernels() throws {
    #if os(Linux)
      let dir = try CLI.temporaryDirectory()
      defer { try? FileManager.default.removeItem(at: dir) }
      let corpus = dir.appendingPathComponent("c.txt")
      let lines = (0..<20).map { "__label__\($0 % 2) w\($0 % 2) v\($0 % 3) u\($0)" }
      try lines.joined(separator: "\n").write(to: corpus, atomically: true, encoding: .utf8)
      func cores(_ arguments: [String]) throws -> [String] {
        let result = try CLI.run(arguments, environment: ["OPENBLAS_VERBOSE": "2"])
        #expect(result.status == 0, "\(result.stderr)")
        return result.stderr.split(separator: "\n").filter { $0.hasPrefix("Core: ") }.map {
          String($0.dropFirst(6))
        }
      }
      let slow = ["Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom", "Katmai"]
      let avx2 = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.split(
        separator: "\n"
      ).first { $0.hasPrefix("flags") }.map { $0.contains(" avx2") && $0.contains(" fma") }
      let fit = try cores(["fit", corpus.path, "-o", dir.path + "/m", "--epochs", "1", "-q"])
      #expect(fit.count == 1 || (fit.count == 2 && slow.contains(fit[0])), "\(fit)")
      if avx2 == true { #expect(!slow.contains(fit.last ?? "?"), "\(fit)") }
      let vectorize = try cores(["vectorize", corpus.path, "-o", dir.path + "/x.npz", "-q"])
      #expect(vectorize.count == 1, "\(vectorize)")
    #endif
  }
}
