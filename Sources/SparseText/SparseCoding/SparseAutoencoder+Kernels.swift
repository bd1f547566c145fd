import Foundation

/// The numeric kernels of the sparse autoencoder. Each has a straightforward loop form; the
/// dense products go to BLAS.
enum Kernels {
  /// Pre-activations `a = b₁ + Σ_c (s·x_c)·W₁ᵀ[c, :]` for `rows` of `x` (s = inputScale).
  static func encode(
    _ x: SparseMatrix, rows: some Sequence<Int>, theta: [Float], layout: SparseAutoencoder.Layout,
    configuration: SparseAutoencoder.Configuration, preactivation out: inout [Float]
  ) {
    let h = layout.hidden
    let scale = Float(configuration.inputScale)
    let biasStart = layout.encoderBias.lowerBound
    theta.withUnsafeBufferPointer { w in
      out.withUnsafeMutableBufferPointer { out in
        var local = 0
        for r in rows {
          let row = out.baseAddress! + local * h
          for j in 0..<h { row[j] = w[biasStart + j] }
          for p in x.storageRange(ofRow: r) {
            let c = Int(x.columnIndices[p])
            BLAS.saxpy(count: h, alpha: scale * x.values[p], x: w.baseAddress! + c * h, y: row)
          }
          local += 1
        }
      }
    }
  }

  /// Applies the encoder activation in place (TopK keeps the k largest per row, ReLU'd).
  static func activate(
    _ a: inout [Float], rows: Int, hidden h: Int, configuration: SparseAutoencoder.Configuration
  ) {
    if let k = configuration.topK {
      var order = [Int](repeating: 0, count: h)
      for r in 0..<rows {
        let base = r * h
        for j in 0..<h { order[j] = j }
        order.sort { a[base + $0] != a[base + $1] ? a[base + $0] > a[base + $1] : $0 < $1 }
        var keep = [Bool](repeating: false, count: h)
        for j in order.prefix(k) { keep[j] = true }
        for j in 0..<h { a[base + j] = keep[j] ? max(0, a[base + j]) : 0 }
      }
      return
    }
    switch configuration.activation {
    case .sigmoid:
      for i in a.indices { a[i] = 1 / (1 + exp(-a[i])) }
    case .relu:
      for i in a.indices { a[i] = max(0, a[i]) }
    }
  }

  /// The decoder output `g(H·W₂ᵀ + b₂)` for all columns.
  static func decode(
    _ codes: DenseMatrix, theta: [Float], layout: SparseAutoencoder.Layout,
    configuration: SparseAutoencoder.Configuration
  ) -> DenseMatrix {
    let n = layout.inputs
    let h = layout.hidden
    var out = [Float](repeating: 0, count: codes.rows * n)
    for r in 0..<codes.rows {
      for c in 0..<n { out[r * n + c] = theta[layout.decoderBias.lowerBound + c] }
    }
    theta.withUnsafeBufferPointer { w in
      BLAS.sgemm(
        .none, .transpose, m: codes.rows, n: n, k: h, alpha: 1, a: codes.values, lda: h,
        b: w.baseAddress! + layout.decoderWeight.lowerBound, ldb: h, beta: 1, c: &out, ldc: n)
    }
    if configuration.output == .sigmoid {
      for i in out.indices { out[i] = 1 / (1 + exp(-out[i])) }
    }
    return DenseMatrix(uncheckedRows: codes.rows, columns: n, values: out)
  }
}
