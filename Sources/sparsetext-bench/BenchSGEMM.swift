import ArgumentParser
import Foundation
import SparseText

/// Measures the machine's single-precision matrix product rate through the BLAS library
/// sparsetext links, for `make bench`.
struct BenchSGEMM: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sgemm",
    abstract: "Time square sgemm products and print GFLOP/s as JSON.")

  @Option(help: "The matrix size N (N × N times N × N).")
  var size = 2048

  @Option(help: "Timed repetitions (the best is reported).")
  var repeats = 5

  @Option(help: "A product shape M,N,K instead of a square one (C[M×N] = A[M×K]·B[K×N]).")
  var shape: String?

  @Flag(help: "Split the product over cores ourselves, with single-threaded BLAS.")
  var split = false

  @Flag(help: "Use A transposed (stored K×M).")
  var transposeA = false

  @Flag(help: "Use B transposed (stored N×K).")
  var transposeB = false

  func run() throws {
    let dimensions = shape?.split(separator: ",").compactMap { Int($0) } ?? [size, size, size]
    guard dimensions.count == 3, dimensions.allSatisfy({ $0 > 0 }) else {
      throw ValidationError("--shape takes M,N,K, three positive integers")
    }
    let (m, n, k) = (dimensions[0], dimensions[1], dimensions[2])
    var generator = SeededGenerator(seed: 1)
    let a = (0..<(m * k)).map { _ in generator.nextFloat() }
    let b = (0..<(k * n)).map { _ in generator.nextFloat() }
    var c = [Float](repeating: 0, count: m * n)
    let transA: BLAS.Transpose = transposeA ? .transpose : .none
    let transB: BLAS.Transpose = transposeB ? .transpose : .none
    let lda = transposeA ? m : k
    let ldb = transposeB ? k : n
    // OpenBLAS's workers spin for about 0.1 s after the library loads before they sleep; wait
    // that out so they do not compete with split products.
    Thread.sleep(forTimeInterval: 0.5)
    var best = Double.infinity
    for _ in 0..<(repeats + 1) {
      let start = DispatchTime.now().uptimeNanoseconds
      if split {
        BLAS.singleThreaded {
          BLAS.splitSgemm(
            transA, transB, m: m, n: n, k: k, alpha: 1, a: a, lda: lda, b: b, ldb: ldb, beta: 0,
            c: &c, ldc: n)
        }
      } else {
        BLAS.sgemm(
          transA, transB, m: m, n: n, k: k, alpha: 1, a: a, lda: lda, b: b, ldb: ldb, beta: 0,
          c: &c, ldc: n)
      }
      best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    let summary: [String: Any] = [
      "shape": [m, n, k], "seconds": best,
      "gflops": 2 * Double(m) * Double(n) * Double(k) / best / 1e9,
      "threads": split ? Parallel.defaultWorkerCount : BLAS.threadCount,
      "kernel": BLAS.kernelName, "split": split,
    ]
    let data = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
  }
}
