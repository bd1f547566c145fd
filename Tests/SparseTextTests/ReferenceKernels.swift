import Foundation

@testable import SparseText

/// Plain Swift versions of the BLAS kernels, which the fast paths are compared with.
enum ReferenceKernels {
  /// Reference `C = alpha · op(A) · op(B) + beta · C` on row-major arrays.
  static func sgemm(
    _ transA: BLAS.Transpose, _ transB: BLAS.Transpose, m: Int, n: Int, k: Int, alpha: Float,
    a: [Float], lda: Int, b: [Float], ldb: Int, beta: Float, c: inout [Float], ldc: Int
  ) {
    for i in 0..<m {
      for j in 0..<n {
        var sum: Double = 0
        for p in 0..<k {
          let aValue = transA == .none ? a[i * lda + p] : a[p * lda + i]
          let bValue = transB == .none ? b[p * ldb + j] : b[j * ldb + p]
          sum += Double(aValue) * Double(bValue)
        }
        c[i * ldc + j] = alpha * Float(sum) + (beta == 0 ? 0 : beta * c[i * ldc + j])
      }
    }
  }
}
