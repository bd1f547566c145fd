import Dispatch
import Foundation

// The exact squared-error step in Gram form: the loss and every gradient of a batch without
// decoding the columns its documents do not contain.
//
// For a code h and a target x (sparse), with x̂ = W₂h + b₂ over all n columns,
//
//     ½‖x̂ − x‖² = ½hᵀGh + hᵀc + ½‖b₂‖² − (W₂h + b₂)·x + ½‖x‖²,   G = W₂ᵀW₂, c = W₂ᵀb₂,
//
// and (x only where it is nonzero in the last terms, so `X·W₂` reads the rows of the present
// terms only):
//
//     dL/dh  = Gh + c − W₂ᵀx
//     dL/dW₂ = W₂S + b₂·Σhᵀ − Σ x·hᵀ,   S = Σ hhᵀ (over the batch)
//     dL/db₂ = W₂·Σh + B·b₂ − Σ x.
//
// A batch then costs about 3·n·h² (the Gram matrix's upper triangle, n·h², and W₂S, 2·n·h²,
// whatever the batch size) plus terms in the nonzeros, against 6·B·n·h for decoding every
// column: it pays from batches of about h/2 rows on.

extension SparseAutoencoder.Trainer {
  /// Whether the exact steps run in Gram form: the blocked step on squared error with identity
  /// outputs, and the configuration's ``SparseAutoencoder/Configuration/exactStep`` says so.
  var trainsInGramForm: Bool {
    trainsInBlocks && configuration.allowsGramForm && configuration.exactStep == .gram
  }

  /// One worker's share of the Gram-form decoder pass: its blocks' parts of `W₂ᵀW₂`, `W₂ᵀb₂`,
  /// `X·W₂` (the batch's rows), `x·b₂` and `‖b₂‖²`, all before the update; `Σθ²` of its
  /// weights before the update; and the time spent in products.
  struct GramShare: Sendable {
    var gram: [Float]
    var biasProjection: [Float]
    var projection: [Float]
    var targetBias: [Double]
    var biasSquares = 0.0
    var squares = 0.0
    var productSeconds = 0.0
  }

  /// The decoder of one Gram-form step, block by block (the same blocks and workers as
  /// ``blockedStep(_:batch:next:decay:)``'s decoded form): each block's parts of the Gram
  /// matrix and of `X·W₂`, then its gradients and update. `second` is `S/B`, `mean` is `Σh/B`.
  static func gramBlocks(
    codes: [Float], second: [Float], mean: [Float], batch prepared: PreparedBatch,
    state: StepState, _ context: StepContext
  ) -> [GramShare] {
    let h = context.layout.hidden
    let n = context.layout.inputs
    let batch = context.batch
    let width = context.width
    let update = context.update
    let lambda = context.lambda
    let firstEntry = prepared.firstEntry
    let (p, m, v) = (state.p, state.m, state.v)
    let decoderWeight = context.layout.decoderWeight.lowerBound
    let decoderBias = context.layout.decoderBias.lowerBound
    let inverseBatch = 1 / Float(batch)
    return codes.withUnsafeBufferPointer { codesBuffer in
      second.withUnsafeBufferPointer { secondBuffer in
        mean.withUnsafeBufferPointer { meanBuffer in
          prepared.entries.withUnsafeBufferPointer { entriesBuffer in
            let codes = UnsafeSharedBuffer(readOnly: codesBuffer)
            let second = UnsafeSharedBuffer(readOnly: secondBuffer)
            let mean = UnsafeSharedBuffer(readOnly: meanBuffer)
            let entries = UnsafeSharedBuffer(readOnly: entriesBuffer)
            return Parallel.map(count: context.blocks, workers: context.workers) {
              range -> GramShare in
              var share = GramShare(
                gram: [Float](repeating: 0, count: h * h),
                biasProjection: [Float](repeating: 0, count: h),
                projection: [Float](repeating: 0, count: batch * h),
                targetBias: [Double](repeating: 0, count: batch))
              let weightGradient = UnsafeMutablePointer<Float>.allocate(capacity: width * h)
              let biasGradient = UnsafeMutablePointer<Float>.allocate(capacity: width)
              defer {
                weightGradient.deallocate()
                biasGradient.deallocate()
              }
              let a = codes.base
              share.gram.withUnsafeMutableBufferPointer { gram in
                share.biasProjection.withUnsafeMutableBufferPointer { biasProjection in
                  share.projection.withUnsafeMutableBufferPointer { projection in
                    for block in range {
                      let start = block * width
                      let bw = min(width, n - start)
                      let w2 = p.base + decoderWeight + start * h
                      let b2 = p.base + decoderBias + start
                      let clock = DispatchTime.now().uptimeNanoseconds
                      // Before the update: G += W₂[B]ᵀW₂[B] (its upper triangle),
                      // c += W₂[B]ᵀb₂[B].
                      BLAS.ssyrkTransposed(
                        n: h, k: bw, alpha: 1, a: w2, lda: h, beta: 1, c: gram.baseAddress!,
                        ldc: h)
                      BLAS.sgemv(
                        .transpose, rows: bw, columns: h, alpha: 1, a: w2, lda: h, x: b2,
                        beta: 1, y: biasProjection.baseAddress!)
                      // dW₂[B] = W₂[B]·S/B + b₂[B]·(Σh/B)ᵀ, db₂[B] = W₂[B]·Σh/B + b₂[B]; the
                      // targets' parts follow.
                      BLAS.sgemm(
                        .none, .none, m: bw, n: h, k: h, alpha: 1, a: w2, lda: h, b: second.base,
                        ldb: h, beta: 0, c: weightGradient, ldc: h)
                      BLAS.sgemv(
                        .none, rows: bw, columns: h, alpha: 1, a: w2, lda: h, x: mean.base,
                        beta: 0, y: biasGradient)
                      share.productSeconds += Double(
                        DispatchTime.now().uptimeNanoseconds - clock)
                      for k in 0..<bw {
                        let bias = b2[k]
                        share.biasSquares += Double(bias) * Double(bias)
                        biasGradient[k] += bias
                        let row = weightGradient + k * h
                        for j in 0..<h { row[j] += bias * mean.base[j] }
                      }
                      // The targets: (X·W₂)[r] += x·W₂[c], x·b₂, and −x·h/B, −x/B in the
                      // gradients, entry by entry (by column, then row).
                      for e in entries.elements[firstEntry[block]..<firstEntry[block + 1]] {
                        let r = Int(e.key & 0xFFFF_FFFF)
                        let k = Int(e.key >> 32) - start
                        BLAS.saxpy(
                          count: h, alpha: e.value, x: w2 + k * h,
                          y: projection.baseAddress! + r * h)
                        share.targetBias[r] += Double(e.value) * Double(b2[k])
                        BLAS.saxpy(
                          count: h, alpha: -e.value * inverseBatch, x: a + r * h,
                          y: weightGradient + k * h)
                        biasGradient[k] -= e.value * inverseBatch
                      }
                      let next = block + 1 < range.upperBound ? min(width, n - start - bw) * h : 0
                      share.squares += update.apply(
                        w2, m.base + decoderWeight + start * h,
                        v.base + decoderWeight + start * h, gradient: weightGradient,
                        count: bw * h, lambda: lambda,
                        prefetch: UnsafeBufferPointer(start: w2 + bw * h, count: next))
                      _ = update.apply(
                        b2, m.base + decoderBias + start, v.base + decoderBias + start,
                        gradient: biasGradient, count: bw, lambda: 0)
                    }
                  }
                }
              }
              return share
            }
          }
        }
      }
    }
  }

  /// The second moment `S/B = HᵀH/B` and the mean `Σh/B` of a batch's codes.
  static func codeMoments(_ codes: [Float], batch: Int, hidden h: Int) -> (
    second: [Float], mean: [Float]
  ) {
    var second = [Float](repeating: 0, count: h * h)
    codes.withUnsafeBufferPointer { a in
      BLAS.splitSgemm(
        .transpose, .none, m: h, n: h, k: batch, alpha: 1 / Float(batch), a: a.baseAddress!,
        lda: h, b: a.baseAddress!, ldb: h, beta: 0, c: &second, ldc: h)
    }
    var sums = [Double](repeating: 0, count: h)
    for r in 0..<batch { for j in 0..<h { sums[j] += Double(codes[r * h + j]) } }
    return (second, sums.map { Float($0 / Double(batch)) })
  }

  /// The batch's reconstruction term and dL/dH from the workers' Gram shares (summed in worker
  /// order): per row, `½hᵀGh + hᵀc + ½‖b₂‖² − (X·W₂)·h − x·b₂ + ½‖x‖²`, and
  /// `dL/dh = (Gh + c − W₂ᵀx)/B`. `squaredNorms` are the rows' `‖x‖²` (scaled).
  static func gramReconstruction(
    _ shares: [GramShare], codes: [Float], squaredNorms: [Double], batch: Int, hidden h: Int
  ) -> (reconstruction: Double, dh: [Float]) {
    var gram = shares[0].gram
    var biasProjection = shares[0].biasProjection
    var projection = shares[0].projection
    var targetBias = shares[0].targetBias
    var biasSquares = shares[0].biasSquares
    for share in shares.dropFirst() {
      for i in gram.indices { gram[i] += share.gram[i] }
    }
    // The shares hold G's upper triangle; its lower one is the mirror image.
    for i in 0..<h { for j in 0..<i { gram[i * h + j] = gram[j * h + i] } }
    for share in shares.dropFirst() {
      for j in 0..<h { biasProjection[j] += share.biasProjection[j] }
      for i in projection.indices { projection[i] += share.projection[i] }
      for r in 0..<batch { targetBias[r] += share.targetBias[r] }
      biasSquares += share.biasSquares
    }
    // GH, [batch, h] (G is symmetric).
    var dh = [Float](repeating: 0, count: batch * h)
    codes.withUnsafeBufferPointer { a in
      gram.withUnsafeBufferPointer { g in
        BLAS.splitSgemm(
          .none, .none, m: batch, n: h, k: h, alpha: 1, a: a.baseAddress!, lda: h,
          b: g.baseAddress!, ldb: h, beta: 0, c: &dh, ldc: h)
      }
    }
    let inverseBatch = 1 / Float(batch)
    var reconstruction = 0.0
    for r in 0..<batch {
      var quadratic = 0.0
      var linear = 0.0
      for j in 0..<h {
        let code = Double(codes[r * h + j])
        let gh = Double(dh[r * h + j])
        quadratic += code * gh
        linear += code * (Double(biasProjection[j]) - Double(projection[r * h + j]))
        dh[r * h + j] = (dh[r * h + j] + biasProjection[j] - projection[r * h + j]) * inverseBatch
      }
      reconstruction +=
        0.5 * quadratic + linear + 0.5 * biasSquares - targetBias[r] + 0.5 * squaredNorms[r]
    }
    return (reconstruction / Double(batch), dh)
  }

  /// The batch's squared target norms `‖s·x_r‖²`, from its entries.
  static func squaredNorms(_ prepared: PreparedBatch) -> [Double] {
    var norms = [Double](repeating: 0, count: prepared.rows.count)
    for e in prepared.entries {
      norms[Int(e.key & 0xFFFF_FFFF)] += Double(e.value) * Double(e.value)
    }
    return norms
  }
}

extension SparseAutoencoder {
  /// The decoder's Gram matrix `G = W₂ᵀW₂` [h, h], `W₂ᵀb₂` and `‖b₂‖²`: with them,
  /// `‖W₂h + b₂‖² = hᵀGh + 2h·W₂ᵀb₂ + ‖b₂‖²` for any code `h`, without decoding.
  struct Gram: Sendable {
    var matrix: [Float]
    var biasProjection: [Float]
    var biasSquares: Double

    /// The Gram matrix of the decoder in `theta`, its products split over the cores.
    init(theta: [Float], layout: Layout) {
      let h = layout.hidden
      let n = layout.inputs
      var matrix = [Float](repeating: 0, count: h * h)
      var biasProjection = [Float](repeating: 0, count: h)
      var biasSquares = 0.0
      let decoderWeight = layout.decoderWeight.lowerBound
      let decoderBias = layout.decoderBias.lowerBound
      theta.withUnsafeBufferPointer { t in
        let w2 = t.baseAddress! + decoderWeight
        BLAS.splitSgemm(
          .transpose, .none, m: h, n: h, k: n, alpha: 1, a: w2, lda: h, b: w2, ldb: h, beta: 0,
          c: &matrix, ldc: h)
        BLAS.sgemv(
          .transpose, rows: n, columns: h, alpha: 1, a: w2, lda: h,
          x: t.baseAddress! + decoderBias, beta: 0, y: &biasProjection)
        for k in 0..<n { biasSquares += Double(t[decoderBias + k]) * Double(t[decoderBias + k]) }
      }
      self.matrix = matrix
      self.biasProjection = biasProjection
      self.biasSquares = biasSquares
    }
  }

  /// The Gram matrix of this model's decoder (see ``Gram``).
  func decoderGram() -> Gram { Gram(theta: theta, layout: layout) }
}

extension SparseAutoencoder.Trainer {
  /// The validation loss (reconstruction, sparsity and L1 terms, per row) of `rows` for squared
  /// error with identity outputs, in Gram form: the Gram matrix once, then chunks of 256 rows as
  /// batches (the KL term of each chunk's mean activation), weighted by their size; no column a
  /// row lacks is decoded.
  func gramValidationLoss(_ x: SparseMatrix, rows: [Int]) -> Double {
    let h = layout.hidden
    let c = configuration
    let decoder = SparseAutoencoder.Gram(theta: theta, layout: layout)
    let (gram, biasProjection, biasSquares) = (
      decoder.matrix, decoder.biasProjection, decoder.biasSquares
    )
    let decoderWeight = layout.decoderWeight.lowerBound
    let decoderBias = layout.decoderBias.lowerBound
    let scale = Float(c.scale)
    var total = 0.0
    var start = 0
    while start < rows.count {
      let chunk = Array(rows[start..<min(rows.count, start + 256)])
      let codes = forward(x, rows: chunk, theta: theta, configuration: c)
      var terms = SparseAutoencoder.Terms()
      var scratch = [Float](repeating: 0, count: chunk.count * h)
      Kernels.backThroughCodes(
        &scratch, codes: codes, batch: chunk.count, hidden: h, configuration: c, terms: &terms)
      var gh = [Float](repeating: 0, count: chunk.count * h)
      codes.withUnsafeBufferPointer { a in
        gram.withUnsafeBufferPointer { g in
          BLAS.sgemm(
            .none, .none, m: chunk.count, n: h, k: h, alpha: 1, a: a.baseAddress!, lda: h,
            b: g.baseAddress!, ldb: h, beta: 0, c: &gh, ldc: h)
        }
      }
      var reconstruction = 0.0
      theta.withUnsafeBufferPointer { t in
        for (local, r) in chunk.enumerated() {
          var row = 0.5 * biasSquares
          for j in 0..<h {
            let code = Double(codes[local * h + j])
            row += code * (0.5 * Double(gh[local * h + j]) + Double(biasProjection[j]))
          }
          for p in x.storageRange(ofRow: r) {
            let value = scale * x.values[p]
            let column = Int(x.columnIndices[p])
            let w2 = t.baseAddress! + decoderWeight + column * h
            var decoded = Double(t[decoderBias + column])
            for j in 0..<h { decoded += Double(w2[j]) * Double(codes[local * h + j]) }
            row += Double(value) * (0.5 * Double(value) - decoded)
          }
          reconstruction += row
        }
      }
      total += reconstruction + (terms.sparsity + terms.l1) * Double(chunk.count)
      start += 256
    }
    return total / Double(max(rows.count, 1))
  }
}
