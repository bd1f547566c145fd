import ArgumentParser
import Foundation
import SparseText

/// Timing commands for `make bench` (Benchmarks/run.py): the machine's sgemm rate and logistic
/// regression on prepared features. They measure the library, so they live apart from the
/// user-facing `sparsetext` command.
@main
struct SparseTextBench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sparsetext-bench",
    abstract: "Timing commands for make bench; each prints one JSON object.",
    version: SparseTextVersion.library,
    subcommands: [BenchSGEMM.self, BenchLR.self, BenchSearch.self, BenchCodes.self]
  )

  static func main() {
    useFastBLASKernels()
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch {
      exit(withError: error)
    }
  }

  /// Re-executes the process with OpenBLAS's faster kernel family when it picked a slower one,
  /// as `sparsetext` does, so timings match what users get.
  static func useFastBLASKernels() {
    #if os(Linux)
      guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil,
        let family = BLAS.betterKernelFamily
      else { return }
      setenv("OPENBLAS_CORETYPE", family, 1)
      var pointers = CommandLine.arguments.map { strdup($0) }
      pointers.append(nil)
      execv("/proc/self/exe", &pointers)
    // execv returns only on failure: carry on with the slow kernels.
    #endif
  }
}
