import Foundation
import SparseText
import SparseTextCLI
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What one command line printed, and its exit status.
struct CLIResult {
  let status: Int32
  let stdout: String
  let stderr: String
}

/// Runs `sparsetext` command lines in this process, as the executable runs them, with a
/// console that captures standard output and standard error: arguments in; stdout, stderr and
/// the exit status out. Runs are independent (each has its own console, `--quiet` and
/// warnings), so tests run them in parallel.
enum CLI {
  /// Runs `sparsetext arguments`, feeding `input` to its standard input (empty when `nil`),
  /// with `environment` as the environment it sees. With `directory`, relative paths resolve
  /// against it: the working directory is the process's, so such runs take turns (a lock) and
  /// change it for their length; runs without one use absolute paths and need no turn.
  static func run(
    _ arguments: [String], input: Data? = nil, in directory: URL? = nil,
    environment: [String: String] = [:]
  ) throws -> CLIResult {
    guard let directory else {
      return try run(arguments, input: input, environment: environment)
    }
    workingDirectoryLock.lock()
    defer { workingDirectoryLock.unlock() }
    let previous = FileManager.default.currentDirectoryPath
    guard FileManager.default.changeCurrentDirectoryPath(directory.path) else {
      throw CocoaError(.fileNoSuchFile)
    }
    defer { FileManager.default.changeCurrentDirectoryPath(previous) }
    return try run(arguments, input: input, environment: environment)
  }

  /// Held while a run with a working directory of its own runs.
  private static let workingDirectoryLock = NSLock()

  private static func run(
    _ arguments: [String], input: Data?, environment: [String: String]
  ) throws -> CLIResult {
    let out = Capture()
    let err = Capture()
    let descriptor = try inputDescriptor(input)
    defer { close(descriptor) }
    let console = Console(
      standardOutput: .init { out.append($0) }, standardError: .init { err.append($0) },
      standardInput: descriptor, environment: environment)
    let status = CommandLineTool.run(arguments, console: console)
    return CLIResult(status: status, stdout: out.text, stderr: err.text)
  }

  /// A descriptor reading `input`: an unlinked temporary file holding it, or /dev/null.
  private static func inputDescriptor(_ input: Data?) throws -> Int32 {
    guard let input else { return open("/dev/null", O_RDONLY) }
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-stdin-\(UUID().uuidString)")
    try input.write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }
    let descriptor = open(url.path, O_RDONLY)
    guard descriptor >= 0 else { throw CocoaError(.fileReadUnknown) }
    return descriptor
  }

  /// A fresh temporary directory for one test.
  static func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }
}

/// Bytes written by a command, from any thread.
private final class Capture: @unchecked Sendable {
  private let lock = NSLock()
  private var data = Data()

  func append(_ bytes: Data) {
    lock.lock()
    data.append(bytes)
    lock.unlock()
  }

  var text: String {
    lock.lock()
    defer { lock.unlock() }
    return String(decoding: data, as: UTF8.self)
  }
}

@Suite struct CLIBasicsTests {
  @Test func printsVersionAndHelpOnStandardOutput() throws {
    let version = try CLI.run(["--version"])
    #expect(version.status == 0)
    #expect(version.stdout == SparseTextVersion.library + "\n")
    let help = try CLI.run(["vectorize", "--help"])
    #expect(help.status == 0 && help.stderr.isEmpty)
    #expect(help.stdout.contains("USAGE: sparsetext vectorize"))
  }

  @Test func usageErrorsGoToStandardErrorWithStatus2() throws {
    let result = try CLI.run(["corpus", "list", "--no-such-option"])
    #expect(result.status == 2)
    #expect(result.stdout.isEmpty)
    #expect(result.stderr.hasPrefix("Error: Unknown option '--no-such-option'"))
  }

  /// Commands that never multiply dense matrices start without choosing BLAS kernels (which
  /// may restart the process); the others choose them first.
  @Test func onlyDenseMathCommandsChooseBLASKernels() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let corpus = dir.appendingPathComponent("c.txt")
    try "__label__a goal match\n__label__b bank rates\n".write(
      to: corpus, atomically: true, encoding: .utf8)
    func choice(_ arguments: [String]) -> Bool? {
      var chosen: Bool?
      let console = Console(
        standardOutput: .init { _ in }, standardError: .init { _ in },
        standardInput: open("/dev/null", O_RDONLY))
      defer { close(console.standardInput) }
      _ = CommandLineTool.run(arguments, console: console) { chosen = $0 }
      return chosen
    }
    #expect(choice(["vectorize", corpus.path, "-o", dir.path + "/x.npz"]) == false)
    #expect(choice(["tokenize", corpus.path]) == false)
    #expect(choice(["corpus", "stats", corpus.path]) == false)
    #expect(
      choice(["statistics", "merge", dir.path + "/none.stats", "-o", dir.path + "/m.stats"])
        == false)
    #expect(choice(["fit", corpus.path, "-o", dir.path + "/m", "--epochs", "1"]) == true)
    #expect(choice(["inspect", dir.path + "/m"]) == true)
    // A command line that does not parse runs nothing.
    #expect(choice(["fit"]) == nil)
  }
}

/// What a `train-sae` run killed after its last epoch leaves in its output directory: the
/// checkpoint it writes after each epoch (a run that finishes removes it). Tests of `--resume`
/// write one with the library, as the command does, for the configuration that `--hidden
/// hidden --epochs epochs` gives.
enum InterruptedTraining {
  static func leaveCheckpoint(in directory: String, features: String, hidden: Int, epochs: Int)
    throws
  {
    let x = try SparseMatrix.readNPZ(from: URL(fileURLWithPath: features))
    var configuration = SparseAutoencoder.Configuration()
    configuration.hiddenUnits = hidden
    configuration.epochs = epochs
    let last = LastCheckpoint()
    _ = try SparseAutoencoder(training: x, configuration: configuration) { event in
      if case .checkpoint(let state) = event { last.set(state) }
    }
    let state = try #require(last.value)
    try state.write(to: URL(fileURLWithPath: directory).appendingPathComponent("checkpoint"))
  }

  private final class LastCheckpoint: @unchecked Sendable {
    private let lock = NSLock()
    private var state: SparseAutoencoder.Checkpoint?
    func set(_ value: SparseAutoencoder.Checkpoint) { lock.withLock { state = value } }
    var value: SparseAutoencoder.Checkpoint? { lock.withLock { state } }
  }
}
