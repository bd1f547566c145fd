import ArgumentParser
import Foundation
import SparseText

/// `sparsetext`, the root command.
struct SparseTextCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sparsetext",
    abstract: "Turn raw text into features: tokens, TF-IDF, sparse codes, predictions.",
    discussion: """
      Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error, 3 data error \
      (unreadable or malformed input), 4 model format error.
      Progress goes to standard error (silence it with --quiet); results go to standard output or \
      to the files you name. Every file output's extension names its format; a name whose \
      extension names no format that output can be written in is refused (exit code 2).
      """,
    version: SparseTextVersion.library,
    subcommands: [
      Vectorize.self, Fit.self, Predict.self, Evaluate.self, Encode.self, Score.self, Inspect.self,
      TrainSAE.self, ExperimentCommand.self, ExportEmbeddings.self, Corpus.self, Statistics.self,
      Tokenize.self, IndexCommand.self, Search.self, Duplicates.self,
    ]
  )
}

/// The `sparsetext` command line as a library: runs one command line with a ``Console`` and
/// returns its exit status. The executable calls it with ``Console/process``; tests call it
/// in-process with a console that captures what the command prints.
public enum CommandLineTool {
  /// Parses `arguments` (without the program's name), runs the command and returns the exit
  /// status: 0 success, 1 runtime failure, 2 usage or configuration error, 3 data error, 4
  /// model format error (``Terminal/Status``). Nothing calls `exit`: errors are printed to the
  /// console's standard error and mapped to a status by ``Terminal/status(for:)``.
  ///
  /// `prepare` runs once the command is parsed and before it runs, for what only a process
  /// does (``ProcessStart/prepare(for:)``).
  public static func run(
    _ arguments: [String], console: Console,
    prepare: (_ multipliesDenseMatrices: Bool) -> Void = { _ in }
  ) -> Int32 {
    Self.$arguments.withValue(arguments) {
      run(parsing: arguments, console: console, prepare: prepare)
    }
  }

  /// The command line being run (without the program's name), for commands that print a
  /// command line derived from it (`experiment --grid`'s fit command for the winner).
  @TaskLocal static var arguments: [String] = []

  private static func run(
    parsing arguments: [String], console: Console, prepare: (Bool) -> Void
  ) -> Int32 {
    Console.$current.withValue(console) {
      StandardInput.$descriptor.withValue(console.standardInput) {
        // One registry of the paths read and written per run (see RunPaths).
        RunPaths.$current.withValue(RunPaths()) {
          do {
            var command = try SparseTextCommand.parseAsRoot(arguments)
            prepare(!(command is WithoutDenseMath))
            try command.run()
            return Terminal.Status.success.rawValue
          } catch {
            return Terminal.status(for: error)
          }
        }
      }
    }
  }
}

/// What only the `sparsetext` process does before a command runs (never an in-process run: it
/// may restart the process, and it stops BLAS threads that other work in the process may use).
public enum ProcessStart {
  /// Chooses OpenBLAS's kernels for a command that multiplies dense matrices (which may
  /// restart the process, about 20 ms), then stops BLAS's idle workers and starts the thread
  /// pool, since most commands start by reading and counting, which spinning BLAS workers
  /// would slow.
  public static func prepare(multipliesDenseMatrices: Bool) {
    if multipliesDenseMatrices { Terminal.useFastBLASKernels() }
    BLAS.stopIdleWorkers()
    DispatchQueue.concurrentPerform(iterations: Parallel.defaultWorkerCount) { _ in }
  }
}

/// A command that never multiplies dense matrices (vectorizing, tokenizing, counting, corpus
/// management), so it starts without choosing BLAS kernels.
protocol WithoutDenseMath {}

extension Vectorize: WithoutDenseMath {}
extension Tokenize: WithoutDenseMath {}
extension Statistics: WithoutDenseMath {}
extension Statistics.Merge: WithoutDenseMath {}
extension Corpus.Fetch: WithoutDenseMath {}
extension Corpus.List: WithoutDenseMath {}
extension Corpus.Path: WithoutDenseMath {}
extension Corpus.Split: WithoutDenseMath {}
extension Corpus.Stats: WithoutDenseMath {}
