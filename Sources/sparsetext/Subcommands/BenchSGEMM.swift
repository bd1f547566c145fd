import ArgumentParser
import Foundation
import SparseText

/// Measures the machine's single-precision matrix product rate through the BLAS library
/// sparsetext links, for `make bench` (not shown in --help).
struct BenchSGEMM: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench-sgemm",
    abstract: "Time square sgemm products and print GFLOP/s as JSON.",
    shouldDisplay: false)

  @Option(help: "The matrix size N (N × N times N × N).")
  var size = 2048

  @Option(help: "Timed repetitions (the best is reported).")
  var repeats = 5

  func run() throws {
    let n = size
    var generator = SeededGenerator(seed: 1)
    let a = (0..<(n * n)).map { _ in generator.nextFloat() }
    let b = (0..<(n * n)).map { _ in generator.nextFloat() }
    var c = [Float](repeating: 0, count: n * n)
    var best = Double.infinity
    for _ in 0..<(repeats + 1) {
      let start = DispatchTime.now().uptimeNanoseconds
      BLAS.sgemm(
        .none, .none, m: n, n: n, k: n, alpha: 1, a: a, lda: n, b: b, ldb: n, beta: 0, c: &c,
        ldc: n)
      best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    let summary: [String: Any] = [
      "size": n, "seconds": best, "gflops": 2 * Double(n) * Double(n) * Double(n) / best / 1e9,
      "threads": BLAS.threadCount, "kernel": BLAS.kernelName,
    ]
    let data = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
  }
}
