import Foundation
import SparseText
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
    #expect(version.status == 0 && version.stdout == SparseTextVersion.library + "\n")
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

  /// A command that multiplies dense matrices restarts once when OpenBLAS picked its slow
  /// SSE3 kernels on a processor with AVX2 (here simulated: a preloaded library answers
  /// OpenBLAS's `openblas_get_corename` with Prescott until `OPENBLAS_CORETYPE` is set), and a
  /// command that does not never restarts. OpenBLAS prints the family it loads with
  /// `OPENBLAS_VERBOSE=2`: once per process start.
  @Test(
    .enabled(
      if: Self.slowCoreShim != nil
        && ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil,
      "needs clang, a processor with AVX2 and FMA, and OPENBLAS_CORETYPE unset"))
  func denseMathCommandsRestartForFastBLASKernels() throws {
    let shim = try #require(Self.slowCoreShim)
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let corpus = dir.appendingPathComponent("c.txt")
    let lines = (0..<20).map { "__label__\($0 % 2) w\($0 % 2) v\($0 % 3) u\($0)" }
    try lines.joined(separator: "\n").write(to: corpus, atomically: true, encoding: .utf8)
    func starts(_ arguments: [String]) throws -> Int {
      let result = try CLI.run(
        arguments, environment: ["OPENBLAS_VERBOSE": "2", "LD_PRELOAD": shim.path])
      #expect(result.status == 0, "\(result.stderr)")
      return result.stderr.split(separator: "\n").filter { $0.hasPrefix("Core: ") }.count
    }
    #expect(try starts(["fit", corpus.path, "-o", dir.path + "/m", "--epochs", "1", "-q"]) == 2)
    #expect(try starts(["inspect", dir.path + "/m", "--units", "1"]) == 2)
    #expect(try starts(["vectorize", corpus.path, "-o", dir.path + "/x.npz", "-q"]) == 1)
    #expect(try starts(["tokenize", corpus.path]) == 1)
  }

  /// The preloaded library of ``denseMathCommandsRestartForFastBLASKernels()``, compiled once;
  /// `nil` without clang or without AVX2 and FMA (where there is nothing faster to restart for).
  static let slowCoreShim: URL? = {
    #if os(Linux)
      guard
        let flags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.split(
          separator: "\n"
        ).first(where: { $0.hasPrefix("flags") }),
        flags.contains(" avx2"), flags.contains(" fma"),
        let dir = try? CLI.temporaryDirectory()
      else { return nil }
      let source = dir.appendingPathComponent("slowcore.c")
      let library = dir.appendingPathComponent("slowcore.so")
      let code = """
        #include <stdlib.h>
        char *openblas_get_corename(void) {
          char *chosen = getenv("OPENBLAS_CORETYPE");
          return chosen ? chosen : "Prescott";
        }
        """
      guard (try? code.write(to: source, atomically: true, encoding: .utf8)) != nil else {
        return nil
      }
      let clang = Process()
      clang.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      clang.arguments = ["clang", "-shared", "-fPIC", "-o", library.path, source.path]
      clang.standardOutput = FileHandle.nullDevice
      clang.standardError = FileHandle.nullDevice
      guard (try? clang.run()) != nil else { return nil }
      clang.waitUntilExit()
      return clang.terminationStatus == 0 ? library : nil
    #else
      return nil
    #endif
  }()
}
