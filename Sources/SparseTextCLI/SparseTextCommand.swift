import ArgumentParser
import Foundation
import SparseText

/// `sparsetext`, the root command.
public struct SparseTextCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "sparsetext",
    abstract: "Turn raw text into features: tokens, TF-IDF, sparse codes, predictions.",
    discussion: """
      Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error,
      3 data error (unreadable or malformed input), 4 model format error.
      Progress goes to standard error (silence it with --quiet); results go to standard
      output or to the files you name.
      """,
    version: SparseTextVersion.library,
    subcommands: [
      Vectorize.self, Fit.self, Predict.self, Evaluate.self, Encode.self, Score.self, Inspect.self,
      TrainSAE.self, ExperimentCommand.self, ExportEmbeddings.self, Corpus.self, Statistics.self,
      Tokenize.self,
    ]
  )

  public init() {}

  public static func main() {
    do {
      var command = try parseAsRoot()
      // Choosing BLAS kernels may restart the process (about 20 ms): only for commands that
      // multiply dense matrices.
      if !(command is WithoutDenseMath) { Terminal.useFastBLASKernels() }
      // Most commands start with reading and counting, which BLAS's spinning workers would slow.
      BLAS.stopIdleWorkers()
      DispatchQueue.concurrentPerform(iterations: Parallel.defaultWorkerCount) { _ in }
      try command.run()
    } catch {
      Terminal.exit(with: error, command: self)
    }
  }
}

/// A command that never multiplies dense matrices (vectorizing, tokenizing, counting, corpus
/// management), so it starts without choosing BLAS kernels.
protocol WithoutDenseMath {}

extension Vectorize: WithoutDenseMath {}
extension Tokenize: WithoutDenseMath {}
extension Statistics: WithoutDenseMath {}
extension Corpus.Fetch: WithoutDenseMath {}
extension Corpus.List: WithoutDenseMath {}
extension Corpus.Path: WithoutDenseMath {}
extension Corpus.Split: WithoutDenseMath {}
extension Corpus.Stats: WithoutDenseMath {}
