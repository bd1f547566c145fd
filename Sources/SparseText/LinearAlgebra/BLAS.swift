import CBLAS
import Foundation

/// Thin, typed wrappers over the system BLAS (OpenBLAS on Linux, Accelerate on macOS).
///
/// All matrices are row-major. The tests compare each wrapper with a plain Swift reference
/// implementation.
package enum BLAS {
  /// Whether an operand is used as stored or transposed.
  package enum Transpose: Sendable {
    case none
    case transpose

    var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
  }

  /// `C = alpha · op(A) · op(B) + beta · C` on row-major buffers.
  ///
  /// `op(A)` is `m × k`, `op(B)` is `k × n`, `C` is `m × n`; `lda`, `ldb`, `ldc` are the
  /// stored row lengths of `A`, `B` and `C`.
  package static func sgemm(
    _ transA: Transpose, _ transB: Transpose,
    m: Int, n: Int, k: Int,
    alpha: Float,
    a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float,
    c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    guard m > 0, n > 0 else { return }
    cblas_sgemm(
      CblasRowMajor, transA.cblas, transB.cblas, Int32(m), Int32(n), Int32(k), alpha, a,
      Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
  }

  /// The upper triangle of `C = alpha · AᵀA + beta · C` for a row-major `k × n` matrix `A`
  /// (`C` is `n × n`; its strictly lower triangle is left as it is): half the operations of
  /// the general product.
  package static func ssyrkTransposed(
    n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int, beta: Float,
    c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    guard n > 0 else { return }
    cblas_ssyrk(
      CblasRowMajor, CblasUpper, CblasTrans, Int32(n), Int32(k), alpha, a, Int32(lda), beta, c,
      Int32(ldc))
  }

  /// ``sgemm(_:_:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)`` in double precision.
  package static func dgemm(
    _ transA: Transpose, _ transB: Transpose,
    m: Int, n: Int, k: Int,
    alpha: Double,
    a: UnsafePointer<Double>, lda: Int,
    b: UnsafePointer<Double>, ldb: Int,
    beta: Double,
    c: UnsafeMutablePointer<Double>, ldc: Int
  ) {
    guard m > 0, n > 0 else { return }
    cblas_dgemm(
      CblasRowMajor, transA.cblas, transB.cblas, Int32(m), Int32(n), Int32(k), alpha, a,
      Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
  }

  /// ``sgemm(_:_:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)`` cut into column blocks of `C` (or row
  /// blocks when `C` is taller than wide), one per worker, each a separate BLAS call. Blocks
  /// depend only on the shape and the worker count, so results repeat exactly for a given
  /// worker count.
  ///
  /// Use it with ``singleThreaded(_:)``: the workers are our own threads, and OpenBLAS's own
  /// threads would otherwise spin for work between calls and take cores from them.
  package static func splitSgemm(
    _ transA: Transpose, _ transB: Transpose,
    m: Int, n: Int, k: Int,
    alpha: Float,
    a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float,
    c: UnsafeMutablePointer<Float>, ldc: Int,
    workers: Int = Parallel.defaultWorkerCount
  ) {
    guard m > 0, n > 0 else { return }
    let a = UnsafeSharedBuffer(readOnly: a, count: (transA == .none ? m : k) * lda)
    let b = UnsafeSharedBuffer(readOnly: b, count: (transB == .none ? k : n) * ldb)
    let c = UnsafeSharedBuffer(start: c, count: m * ldc)
    if n >= m {
      // Columns j of C need columns j of op(B): rows of B when transposed, else columns.
      let blocks = (n + 15) / 16
      Parallel.forEach(count: blocks, workers: workers) { range in
        let start = range.lowerBound * 16
        let width = min(n, range.upperBound * 16) - start
        sgemm(
          transA, transB, m: m, n: width, k: k, alpha: alpha, a: a.base, lda: lda,
          b: b.base + (transB == .transpose ? start * ldb : start), ldb: ldb, beta: beta,
          c: c.base + start, ldc: ldc)
      }
    } else {
      // Rows i of C need rows i of op(A): columns of A when transposed, else rows.
      let blocks = (m + 15) / 16
      Parallel.forEach(count: blocks, workers: workers) { range in
        let start = range.lowerBound * 16
        let height = min(m, range.upperBound * 16) - start
        sgemm(
          transA, transB, m: height, n: n, k: k, alpha: alpha,
          a: a.base + (transA == .transpose ? start : start * lda), lda: lda, b: b.base,
          ldb: ldb, beta: beta, c: c.base + start * ldc, ldc: ldc)
      }
    }
  }

  /// Runs `body` with the BLAS library limited to one thread, then restores the thread count.
  /// The setting is process-wide: BLAS calls made elsewhere meanwhile also run on one thread.
  package static func singleThreaded<T>(_ body: () throws -> T) rethrows -> T {
    let previous = threadCount
    threadCount = 1
    defer { threadCount = previous }
    return try body()
  }

  /// `y = alpha · op(A) · x + beta · y` for a row-major `rows × columns` matrix `A`.
  package static func sgemv(
    _ trans: Transpose, rows: Int, columns: Int, alpha: Float,
    a: UnsafePointer<Float>, lda: Int,
    x: UnsafePointer<Float>, beta: Float, y: UnsafeMutablePointer<Float>
  ) {
    guard rows > 0, columns > 0 else { return }
    cblas_sgemv(
      CblasRowMajor, trans.cblas, Int32(rows), Int32(columns), alpha, a, Int32(lda), x, 1,
      beta, y, 1)
  }

  /// `y += alpha · x` over `count` elements.
  package static func saxpy(
    count: Int, alpha: Float, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>
  ) {
    guard count > 0 else { return }
    cblas_saxpy(Int32(count), alpha, x, 1, y, 1)
  }

  /// The dot product of two vectors of `count` elements.
  package static func sdot(count: Int, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>)
    -> Float
  {
    guard count > 0 else { return 0 }
    return cblas_sdot(Int32(count), x, 1, y, 1)
  }

  /// The kernel family the BLAS library chose for this processor (OpenBLAS's core name, e.g.
  /// `Haswell`), or `Accelerate`.
  package static var kernelName: String {
    #if os(Linux)
      guard let name = openblas_get_corename() else { return "unknown" }
      return String(cString: name)
    #else
      return "Accelerate"
    #endif
  }

  /// The OpenBLAS kernel family to ask for when the library fell back to pre-AVX kernels on a
  /// processor that has AVX2 and FMA (`SkylakeX` with AVX-512, else `Haswell`); `nil` when the
  /// kernels in use are fine.
  ///
  /// Debian 12's OpenBLAS 0.3.21 does not recognize some recent Xeons and then runs its SSE3
  /// ("Prescott") kernels, several times slower. Setting `OPENBLAS_CORETYPE` before the library
  /// loads fixes it; the `sparsetext` command does that for itself.
  package static var betterKernelFamily: String? {
    #if os(Linux)
      let slow = ["Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom", "Katmai"]
      guard slow.contains(kernelName),
        let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
        let flags = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
      else { return nil }
      let set = Set(flags.split(separator: " "))
      guard set.contains("avx2") && set.contains("fma") else { return nil }
      let avx512 = ["avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"]
      return avx512.allSatisfy { set.contains(Substring($0)) } ? "SkylakeX" : "Haswell"
    #else
      return nil
    #endif
  }

  /// Stops OpenBLAS's worker threads until the next product that needs them.
  ///
  /// OpenBLAS starts its workers when it loads, and they spin for about a tenth of a second,
  /// waiting for work, before they sleep. On a machine with few cores that takes cores from
  /// work that does not use BLAS (tokenizing and counting a corpus that takes a tenth of a
  /// second, say). OpenBLAS starts them again at its next multithreaded product. Does nothing
  /// with other BLAS libraries.
  package static func stopIdleWorkers() {
    #if os(Linux)
      // Looked up at run time: not every BLAS library has it.
      guard let symbol = dlsym(nil, "blas_thread_shutdown_") else { return }
      typealias Shutdown = @convention(c) () -> Int32
      _ = unsafeBitCast(symbol, to: Shutdown.self)()
    #endif
  }

  /// The number of threads the BLAS library uses.
  package static var threadCount: Int {
    get { Int(openblas_get_num_threads()) }
    set { openblas_set_num_threads(Int32(max(1, newValue))) }
  }
}
