import Dispatch
import Foundation

extension SparseAutoencoder.Trainer {
  /// Whether ``blockedStep(_:rows:decay:)`` can train this model: untied weights and every
  /// column reconstructed (no sampling).
  var trainsInBlocks: Bool {
    !layout.tied && !(configuration.sampledColumns.map { $0 < layout.inputs } ?? false)
  }

  /// One worker's share of the decoder: its blocks' loss, `Σθ²` of their weights before the
  /// update, their part of dL/dH, and the time spent in products.
  private struct DecoderShare: Sendable {
    var dh: [Float]
    var reconstruction = 0.0
    var squares = 0.0
    var productSeconds = 0.0
  }

  /// One training step on `rows` (forward, loss, backward and the optimizer's update) with the
  /// decoder taken in blocks of ``blockWidth`` columns, each finished while it is in cache.
  ///
  /// It takes the step that `lossAndGradient` followed by ``Optimizer/step(_:gradient:decay:only:)``
  /// takes; only the order of some sums differs. For each block `B` of columns, one worker
  /// computes the outputs `H·W₂[B]ᵀ + b₂[B]`, the loss and dL/dZ, the gradients of `W₂[B]`
  /// and `b₂[B]` and its share `dZ·W₂[B]` of dL/dH, and then updates `W₂[B]` and `b₂[B]`: each
  /// block of `W₂` is read from memory once per step, and the gradient of `W₂` is never stored
  /// whole. The encoder's gradient is kept for the batch's terms only; the rows of the other
  /// terms are updated with a zero gradient, as a dense step would.
  ///
  /// Blocks go to workers in fixed contiguous ranges, and their parts are summed in worker
  /// order, so results repeat exactly for a given worker count.
  ///
  /// - Returns: the batch's loss terms (without weight decay) and `Σθ²` over the weights
  ///   before the update when `decay` is given.
  mutating func blockedStep(_ x: SparseMatrix, rows: [Int], decay: Optimizer.Decay?) -> (
    terms: SparseAutoencoder.Terms, squares: Double
  ) {
    precondition(trainsInBlocks)
    let c = configuration
    let layout = self.layout
    let h = layout.hidden
    let n = layout.inputs
    let batch = rows.count
    let scale = Float(c.inputScale)
    let width = min(blockWidth, n)
    let blocks = (n + width - 1) / width
    var terms = SparseAutoencoder.Terms()

    // Forward through the encoder.
    var codes = [Float](repeating: 0, count: batch * h)
    theta.withUnsafeBufferPointer { t in
      codes.withUnsafeMutableBufferPointer { out in
        let weights = SendablePointer(t.baseAddress!)
        let out = UnsafeSharedBuffer(out)
        Parallel.forEach(count: batch, minimumChunk: 16) { range in
          Kernels.encode(
            x, rows: rows[range], theta: weights.pointer, layout: layout, configuration: c,
            preactivation: out.base + range.lowerBound * h)
        }
      }
    }
    Kernels.activate(&codes, rows: batch, hidden: h, configuration: c)

    // The batch's entries ordered by column, then row (key = column << 32 | row in batch),
    // the first entry of each block, the batch's distinct terms and the first entry of each.
    let (entries, firstEntry, batchTerms, termStart) = Self.entriesByColumn(
      x, rows: rows, scale: scale, blockWidth: width, blocks: blocks)

    let update = optimizer.begin()
    let lambda = decay?.lambda ?? 0
    let workers = Parallel.defaultWorkerCount
    let inverseBatch = 1 / Float(batch)
    var dh = [Float](repeating: 0, count: batch * h)
    var squares = 0.0

    optimizer.withState { first, second in
      theta.withUnsafeMutableBufferPointer { thetaBuffer in
        let p = UnsafeSharedBuffer(thetaBuffer)
        let m = UnsafeSharedBuffer(first)
        let v = UnsafeSharedBuffer(second)
        let decoderWeight = layout.decoderWeight.lowerBound
        let decoderBias = layout.decoderBias.lowerBound

        // The decoder, block by block.
        let shares = codes.withUnsafeBufferPointer { codesBuffer in
          entries.withUnsafeBufferPointer { entriesBuffer in
            let codes = SendableBuffer(codesBuffer)
            let entries = SendableBuffer(entriesBuffer)
            return Parallel.map(count: blocks, workers: workers) { range -> DecoderShare in
              var share = DecoderShare(dh: [Float](repeating: 0, count: batch * h))
              let z = UnsafeMutablePointer<Float>.allocate(capacity: batch * width)
              let target = UnsafeMutablePointer<Float>.allocate(capacity: batch * width)
              let weightGradient = UnsafeMutablePointer<Float>.allocate(capacity: width * h)
              let biasGradient = UnsafeMutablePointer<Float>.allocate(capacity: width)
              defer {
                z.deallocate()
                target.deallocate()
                weightGradient.deallocate()
                biasGradient.deallocate()
              }
              let a = codes.buffer.baseAddress!
              for block in range {
                let start = block * width
                let bw = min(width, n - start)
                let count = batch * bw
                let w2 = p.base + decoderWeight + start * h
                let b2 = p.base + decoderBias + start
                for r in 0..<batch { (z + r * bw).update(from: b2, count: bw) }
                var clock = DispatchTime.now().uptimeNanoseconds
                BLAS.sgemm(
                  .none, .transpose, m: batch, n: bw, k: h, alpha: 1, a: a, lda: h, b: w2,
                  ldb: h, beta: 1, c: z, ldc: bw)
                share.productSeconds += Double(DispatchTime.now().uptimeNanoseconds - clock)
                if c.output == .sigmoid {
                  for i in 0..<count { z[i] = 1 / (1 + exp(-z[i])) }
                }

                // Targets, then the loss and dL/dZ (over Z).
                target.initialize(repeating: 0, count: count)
                for e in entries.buffer[firstEntry[block]..<firstEntry[block + 1]] {
                  target[Int(e.key & 0xFFFF_FFFF) * bw + Int(e.key >> 32) - start] = e.value
                }
                for r in 0..<batch {
                  share.reconstruction += Double(
                    Kernels.reconstruction(
                      z + r * bw, target: target + r * bw, weights: nil, count: bw,
                      inverseBatch: inverseBatch, configuration: c))
                }

                // db₂[B] = Σ_r dZ, dW₂[B] = dZᵀ·H, and dL/dH += dZ·W₂[B] before W₂ moves.
                biasGradient.initialize(repeating: 0, count: bw)
                for r in 0..<batch {
                  BLAS.saxpy(count: bw, alpha: 1, x: z + r * bw, y: biasGradient)
                }
                clock = DispatchTime.now().uptimeNanoseconds
                BLAS.sgemm(
                  .transpose, .none, m: bw, n: h, k: batch, alpha: 1, a: z, lda: bw, b: a,
                  ldb: h, beta: 0, c: weightGradient, ldc: h)
                share.dh.withUnsafeMutableBufferPointer { dh in
                  BLAS.sgemm(
                    .none, .none, m: batch, n: h, k: bw, alpha: 1, a: z, lda: bw, b: w2, ldb: h,
                    beta: 1, c: dh.baseAddress!, ldc: h)
                }
                share.productSeconds += Double(DispatchTime.now().uptimeNanoseconds - clock)

                // The worker's next block of W₂ is fetched during this update: the forward
                // product would otherwise wait on memory for it.
                let next = block + 1 < range.upperBound ? min(width, n - start - bw) * h : 0
                share.squares += update.apply(
                  w2, m.base + decoderWeight + start * h, v.base + decoderWeight + start * h,
                  gradient: weightGradient, count: bw * h, lambda: lambda,
                  prefetch: UnsafeBufferPointer(start: w2 + bw * h, count: next))
                _ = update.apply(
                  b2, m.base + decoderBias + start, v.base + decoderBias + start,
                  gradient: biasGradient, count: bw, lambda: 0)
              }
              return share
            }
          }
        }
        for share in shares {
          for i in dh.indices { dh[i] += share.dh[i] }
          terms.reconstruction += share.reconstruction
          squares += share.squares
          denseSeconds += share.productSeconds / 1e9 / Double(shares.count)
        }
        terms.reconstruction /= Double(batch)
        denseOperations += 6 * Double(batch) * Double(n) * Double(h)

        // The code terms, and dL/dA in place of dL/dH.
        Kernels.backThroughCodes(
          &dh, codes: codes, batch: batch, hidden: h, configuration: c, terms: &terms)

        // db₁ = Σ_r dA[r, :].
        var biasGradient = [Float](repeating: 0, count: h)
        for r in 0..<batch {
          for j in 0..<h { biasGradient[j] += dh[r * h + j] }
        }

        // The encoder, row by row over its terms, split over workers: a term of the batch gets
        // its gradient dW₁ᵀ[c, :] = Σ_r (s·x_rc)·dA[r, :] (summed in row order, as a dense
        // scatter would) just before its update, in a buffer that stays in cache; runs of
        // other terms are updated with a zero gradient.
        let encoderWeight = layout.encoderWeight.lowerBound
        let encoderSquares = dh.withUnsafeBufferPointer { da in
          let da = SendablePointer(da.baseAddress!)
          return Parallel.map(count: n, workers: workers, minimumChunk: 256) { range -> Double in
            var total = 0.0
            var gradient = [Float](repeating: 0, count: h)
            var t = batchTerms.withUnsafeBufferPointer {
              Kernels.firstIndex(in: $0, notBelow: range.lowerBound)
            }
            var row = range.lowerBound
            while row < range.upperBound {
              let next = t < batchTerms.count ? batchTerms[t] : range.upperBound
              let run = min(next, range.upperBound) - row
              let offset = encoderWeight + row * h
              if run > 0 {
                total += update.apply(
                  p.base + offset, m.base + offset, v.base + offset, gradient: nil,
                  count: run * h, lambda: lambda)
                row += run
              } else {
                gradient.withUnsafeMutableBufferPointer { g in
                  g.update(repeating: 0)
                  for e in entries[termStart[t]..<termStart[t + 1]] {
                    BLAS.saxpy(
                      count: h, alpha: e.value, x: da.pointer + Int(e.key & 0xFFFF_FFFF) * h,
                      y: g.baseAddress!)
                  }
                  total += update.apply(
                    p.base + offset, m.base + offset, v.base + offset,
                    gradient: g.baseAddress!, count: h, lambda: lambda)
                }
                row += 1
                t += 1
              }
            }
            return total
          }
        }
        squares += encoderSquares.reduce(0, +)
        let bias = layout.encoderBias.lowerBound
        _ = update.apply(
          p.base + bias, m.base + bias, v.base + bias, gradient: biasGradient, count: h,
          lambda: 0)
      }
    }
    return (terms, squares)
  }

  /// The entries of `rows` of `x` scaled by `scale`, ordered by column, then row (key =
  /// column << 32 | row in batch); the first entry of each block of `blockWidth` columns (and
  /// the entry count after the last); the distinct columns, ascending; and the first entry of
  /// each of them (and the entry count after the last).
  static func entriesByColumn(
    _ x: SparseMatrix, rows: [Int], scale: Float, blockWidth width: Int, blocks: Int
  ) -> (
    entries: [(key: UInt64, value: Float)], firstEntry: [Int], terms: [Int], termStart: [Int]
  ) {
    // Entries are listed row by row; a stable radix sort by column (keys carry the entry's
    // position) then gives column, then row order.
    var keys: [UInt64] = []
    var listed: [(key: UInt64, value: Float)] = []
    for (local, r) in rows.enumerated() {
      for p in x.storageRange(ofRow: r) {
        keys.append(UInt64(x.columnIndices[p]) << 32 | UInt64(listed.count))
        listed.append((UInt64(x.columnIndices[p]) << 32 | UInt64(local), scale * x.values[p]))
      }
    }
    var scratch: [UInt64] = []
    keys.withUnsafeMutableBufferPointer {
      RadixSort.sortByHighWord($0, bound: UInt32(x.columns), scratch: &scratch)
    }
    let entries = keys.map { listed[Int($0 & 0xFFFF_FFFF)] }
    var firstEntry = [Int](repeating: entries.count, count: blocks + 1)
    var terms: [Int] = []
    var termStart: [Int] = []
    var nextBlock = 0
    for (index, entry) in entries.enumerated() {
      let column = Int(entry.key >> 32)
      while nextBlock <= column / width {
        firstEntry[nextBlock] = index
        nextBlock += 1
      }
      if terms.last != column {
        terms.append(column)
        termStart.append(index)
      }
    }
    termStart.append(entries.count)
    return (entries, firstEntry, terms, termStart)
  }
}

extension Kernels {
  /// The index of the first element of `sorted` that is at least `value`.
  static func firstIndex(in sorted: UnsafeBufferPointer<Int>, notBelow value: Int) -> Int {
    var low = 0
    var high = sorted.count
    while low < high {
      let middle = (low + high) / 2
      if sorted[middle] < value { low = middle + 1 } else { high = middle }
    }
    return low
  }
}
