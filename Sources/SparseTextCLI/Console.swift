import Foundation
import SparseText

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Where a command reads and writes: standard output, standard error, standard input, the
/// environment, and the run's own state (`--quiet`, warnings already given).
///
/// `sparsetext` runs with ``process``; tests run commands in-process with a console of their
/// own that captures what they print (``CommandLineTool/run(_:console:prepare:)``). Commands
/// reach it as ``current``, bound for the length of one run, so runs in parallel never share
/// one. Work that runs on other threads (progress bars, timers) takes the console when it is
/// created.
public final class Console: @unchecked Sendable {
  /// A destination for bytes: a file descriptor, or anything that takes them.
  public struct Output: Sendable {
    /// Whether a person is watching (progress bars are drawn only then).
    public let isTerminal: Bool
    private let sink: @Sendable (Data) throws -> Void

    /// An output that hands every write to `write`.
    public init(isTerminal: Bool = false, write: @escaping @Sendable (Data) throws -> Void) {
      self.isTerminal = isTerminal
      sink = write
    }

    /// The open file descriptor `descriptor`.
    public static func fileDescriptor(_ descriptor: Int32) -> Output {
      let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: false)
      return Output(isTerminal: isatty(descriptor) != 0) { try handle.write(contentsOf: $0) }
    }

    /// Writes `data`.
    func write(_ data: Data) throws { try sink(data) }
  }

  /// Standard output: results.
  public let standardOutput: Output
  /// Standard error: progress, notes, warnings and errors.
  public let standardError: Output
  /// The file descriptor read for `-` (standard input).
  public let standardInput: Int32
  /// The environment (`SPARSETEXT_TIMING`).
  public let environment: [String: String]

  private let lock = NSLock()
  private var quietFlag = false
  private var givenWarnings: Set<String> = []

  /// A console writing to `standardOutput` and `standardError` and reading `standardInput`.
  public init(
    standardOutput: Output, standardError: Output, standardInput: Int32,
    environment: [String: String] = [:]
  ) {
    self.standardOutput = standardOutput
    self.standardError = standardError
    self.standardInput = standardInput
    self.environment = environment
  }

  /// The process's own standard streams and environment.
  public static let process = Console(
    standardOutput: .fileDescriptor(STDOUT_FILENO), standardError: .fileDescriptor(STDERR_FILENO),
    standardInput: STDIN_FILENO, environment: ProcessInfo.processInfo.environment)

  /// The console of the run in progress (``process`` outside one).
  @TaskLocal public static var current: Console = .process

  /// `--quiet`, as parsed: no progress or notes on standard error.
  var quiet: Bool {
    get { lock.withLock { quietFlag } }
    set { lock.withLock { quietFlag = newValue } }
  }

  /// Whether progress lines are drawn: standard error is a terminal and `--quiet` is off.
  var showsProgress: Bool { !quiet && standardError.isTerminal }

  /// `true` the first time `warning` is named in this run, `false` after: for warnings given
  /// once per run.
  func firstTime(_ warning: String) -> Bool {
    lock.withLock { givenWarnings.insert(warning).inserted }
  }

  /// Writes `data` to standard output.
  func write(_ data: Data) throws {
    do {
      try standardOutput.write(data)
    } catch {
      throw CommandError.runtime("cannot write to standard output: \(error)")
    }
  }

  /// Writes `line` and a line break to standard output.
  func print(_ line: String) throws {
    try write(Data((line + "\n").utf8))
  }

  /// Prints a command's `--json` summary: on standard output, or on standard error when the
  /// command's rows go to standard output (the summary would otherwise mix with them).
  func printSummary(_ summary: [String: Any], rowsOnStandardOutput: Bool) throws {
    let line = String(decoding: try JSONFormat.data(object: summary), as: UTF8.self)
    if rowsOnStandardOutput {
      writeError(line + "\n")
    } else {
      try print(line)
    }
  }

  /// Writes `text` to standard error (a failure to write there has nowhere to be reported).
  func writeError(_ text: String) {
    try? standardError.write(Data(text.utf8))
  }
}
