import Foundation

/// The numeric kernels of the sparse autoencoder. Each has a straightforward loop form; the
/// dense products go to BLAS.
enum Kernels {
  /// Pre-activations `a = b₁ + Σ_c (s·x_c)·W₁ᵀ[c, :]` for `rows` of `x` (s = inputScale).
  static func encode(
    _ x: SparseMatrix, rows: some Sequence<Int>, theta: [Float], layout: SparseAutoencoder.Layout,
    configuration: SparseAutoencoder.Configuration, preactivation out: inout [Float]
  ) {
    theta.withUnsafeBufferPointer { w in
      out.withUnsafeMutableBufferPointer { out in
        encode(
          x, rows: rows, theta: w.baseAddress!, layout: layout, configuration: configuration,
          preactivation: out.baseAddress!)
      }
    }
  }

  /// ``encode(_:rows:theta:layout:configuration:preactivation:)`` on buffers, written
  /// `hidden` floats per row from `out` on.
  static func encode(
    _ x: SparseMatrix, rows: some Sequence<Int>, theta w: UnsafePointer<Float>,
    layout: SparseAutoencoder.Layout, configuration: SparseAutoencoder.Configuration,
    preactivation out: UnsafeMutablePointer<Float>
  ) {
    let h = layout.hidden
    let scale = Float(configuration.scale)
    let bias = w + layout.encoderBias.lowerBound
    var row = out
    for r in rows {
      row.update(from: bias, count: h)
      for p in x.storageRange(ofRow: r) {
        let c = Int(x.columnIndices[p])
        BLAS.saxpy(count: h, alpha: scale * x.values[p], x: w + c * h, y: row)
      }
      row += h
    }
  }

  /// Applies the encoder activation in place (TopK keeps the k largest per row, ReLU'd).
  static func activate(
    _ a: inout [Float], rows: Int, hidden h: Int, configuration: SparseAutoencoder.Configuration
  ) {
    a.withUnsafeMutableBufferPointer {
      activate($0.baseAddress!, rows: rows, hidden: h, configuration: configuration)
    }
  }

  /// ``activate(_:rows:hidden:configuration:)`` on `rows` rows of `hidden` floats from `a`.
  static func activate(
    _ a: UnsafeMutablePointer<Float>, rows: Int, hidden h: Int,
    configuration: SparseAutoencoder.Configuration
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
      for i in 0..<(rows * h) { a[i] = 1 / (1 + exp(-a[i])) }
    case .relu:
      for i in 0..<(rows * h) { a[i] = max(0, a[i]) }
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
    theta.withUnsafeBufferPointer { w in
      out.withUnsafeMutableBufferPointer { out in
        let bias = w.baseAddress! + layout.decoderBias.lowerBound
        for r in 0..<codes.rows { (out.baseAddress! + r * n).update(from: bias, count: n) }
      }
      BLAS.sgemm(
        .none, .transpose, m: codes.rows, n: n, k: h, alpha: 1, a: codes.values, lda: h,
        b: w.baseAddress! + layout.decoderWeight.lowerBound, ldb: h, beta: 1, c: &out, ldc: n)
    }
    if configuration.output == .sigmoid {
      for i in out.indices { out[i] = 1 / (1 + exp(-out[i])) }
    }
    return DenseMatrix(uncheckedRows: codes.rows, columns: n, values: out)
  }

  /// The reconstruction loss of `count` outputs `z` (x̂) against `target`, each weighted by
  /// `weights` (importance weights under sampling; `nil` for 1), and dL/dz written over `z`.
  static func reconstruction(
    _ z: UnsafeMutablePointer<Float>, target: UnsafePointer<Float>,
    weights: UnsafePointer<Float>?, count: Int, inverseBatch: Float,
    configuration c: SparseAutoencoder.Configuration
  ) -> Float {
    var loss: Float = 0
    if c.loss == .mse && c.output == .identity && weights == nil {
      // The common case without per-element tests; the same operations as below with w = 1.
      for k in 0..<count {
        let d = z[k] - target[k]
        loss += 0.5 * d * d
        z[k] = d * inverseBatch
      }
      return loss
    }
    for k in 0..<count {
      let w: Float = weights?[k] ?? 1
      let xhat = z[k]
      let t = target[k]
      switch c.loss {
      case .mse:
        let d = xhat - t
        loss += w * 0.5 * d * d
        z[k] = w * d * inverseBatch * (c.output == .sigmoid ? xhat * (1 - xhat) : 1)
      case .bce:
        let y = min(max(t, 0), 1)
        let p = min(max(xhat, 1e-7), 1 - 1e-7)
        loss -= w * (y * log(p) + (1 - y) * log(1 - p))
        z[k] = w * (xhat - y) * inverseBatch
      }
    }
    return loss
  }

  /// The squared-error loss `Σ ½d²` of one row of differences `d = x̂ − x` (identity output),
  /// which it turns into dL/dZ = `d / batch` in place and adds to `biasGradient`; the same
  /// operations as ``reconstruction(_:target:weights:count:inverseBatch:configuration:)``.
  static func squaredErrorOfDifferences(
    _ d: UnsafeMutablePointer<Float>, count: Int, inverseBatch: Float,
    biasGradient: UnsafeMutablePointer<Float>
  ) -> Float {
    var loss: Float = 0
    for k in 0..<count {
      let dk = d[k]
      loss += 0.5 * dk * dk
      let gradient = dk * inverseBatch
      d[k] = gradient
      biasGradient[k] += gradient
    }
    return loss
  }

  /// The code terms of a batch: β·Σⱼ KL(ρ‖ρ̂ⱼ) with ρ̂ the batch mean activation, and the L1
  /// penalty, with their gradients added to dL/dH (`dh`, [batch, hidden]), which is then taken
  /// through the activation to dL/dA. Sets `sparsity`, `l1` and `meanActivation` of `terms`.
  static func backThroughCodes(
    _ dh: inout [Float], codes: [Float], batch: Int, hidden h: Int,
    configuration c: SparseAutoencoder.Configuration, terms: inout SparseAutoencoder.Terms
  ) {
    var meanActivation = 0.0
    var rhoHat = [Double](repeating: 0, count: h)
    for r in 0..<batch { for j in 0..<h { rhoHat[j] += Double(codes[r * h + j]) } }
    for j in 0..<h {
      rhoHat[j] /= Double(batch)
      meanActivation += rhoHat[j]
    }
    terms.meanActivation = meanActivation / Double(h)
    if c.usesKL {
      let rho = c.sparsityTarget
      let beta = c.sparsityWeight
      var kl = 0.0
      var dkl = [Float](repeating: 0, count: h)
      for j in 0..<h {
        let q = min(max(rhoHat[j], 1e-6), 1 - 1e-6)
        kl += rho * log(rho / q) + (1 - rho) * log((1 - rho) / (1 - q))
        dkl[j] = Float(beta * (-rho / q + (1 - rho) / (1 - q)) / Double(batch))
      }
      terms.sparsity = beta * kl
      for r in 0..<batch { for j in 0..<h { dh[r * h + j] += dkl[j] } }
    }
    if c.l1Weight > 0 {
      var l1 = 0.0
      let alpha = Float(c.l1Weight) * (1 / Float(batch))
      for i in dh.indices {
        l1 += Double(abs(codes[i]))
        if codes[i] > 0 { dh[i] += alpha } else if codes[i] < 0 { dh[i] -= alpha }
      }
      terms.l1 = c.l1Weight * l1 / Double(batch)
    }
    for i in dh.indices {
      if c.topK != nil || c.activation == .relu {
        if codes[i] <= 0 { dh[i] = 0 }
      } else {
        dh[i] *= codes[i] * (1 - codes[i])
      }
    }
  }
}
