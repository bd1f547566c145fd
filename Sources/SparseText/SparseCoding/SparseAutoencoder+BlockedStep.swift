import Dispatch
import Foundation

extension SparseAutoencoder.Trainer {
  /// Whether ``blockedStep(_:batch:next:decay:)`` can train this model: untied weights and every
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

  /// A batch made ready for ``blockedStep(_:batch:next:decay:)``: its entries ordered by
  /// column, and its codes once the step before has computed them.
  struct PreparedBatch: Sendable {
    let rows: [Int]
    /// The batch's entries scaled by the input scale, by column, then row (key = column << 32 |
    /// row in the batch).
    let entries: [(key: UInt64, value: Float)]
    /// The first entry of each decoder block (and the entry count after the last).
    let firstEntry: [Int]
    /// The batch's distinct terms, ascending, and the first entry of each (and the count).
    let terms: [Int]
    let termStart: [Int]
    /// The codes `f(b₁ + W₁·(s·x))` of its rows, [rows, hidden], when the previous step
    /// computed them.
    var codes: [Float]? = nil
  }

  /// The encoder rows' deferred updates. A row that no batch touches gets Adam's update with a
  /// zero gradient (only weight decay moves it), which depends on nothing but the row itself;
  /// such updates are held back and replayed, step by step with each step's own constants, just
  /// before the row is next read, when its weights and moments are in cache anyway. The
  /// replayed steps are the same operations on the same numbers, so the weights are the same
  /// bit for bit as with updates taken at once.
  struct DeferredRows: Sendable {
    /// The step each encoder row has been updated through.
    var current: [Int]
    /// The first step held here.
    let first: Int
    /// The constants of steps `first`, `first + 1`, … and `Σθ²` over the weights before each
    /// of them, summed as rows reach that step.
    var updates: [Optimizer.Update] = []
    var squares: [Double] = []

    /// Replays, on one encoder row (`count` weights at `p`, its moments at `m` and `v`), the
    /// zero-gradient updates of the steps after `updated` through `step`, taking their
    /// constants from `updates` (step `first` at index 0), and adds each step's `Σθ²` before
    /// its update to `squares`. Nothing happens when the row is already through `step`.
    static func replay(
      _ p: UnsafeMutablePointer<Float>, _ m: UnsafeMutablePointer<Float>,
      _ v: UnsafeMutablePointer<Float>, count: Int, after updated: Int, through step: Int,
      updates: [Optimizer.Update], first: Int, lambda: Float, squares: inout [Double]
    ) {
      guard updated < step else { return }
      for s in (updated + 1)...step {
        squares[s - first] += updates[s - first].apply(
          p, m, v, gradient: nil, count: count, lambda: lambda)
      }
    }
  }

  /// `rows` of `x`, with the entries ``blockedStep(_:batch:next:decay:)`` reads.
  func prepare(_ x: SparseMatrix, rows: [Int]) -> PreparedBatch {
    let width = min(blockWidth, layout.inputs)
    let (entries, firstEntry, terms, termStart) = Self.entriesByColumn(
      x, rows: rows, scale: Float(configuration.scale), blockWidth: width,
      blocks: (layout.inputs + width - 1) / width)
    return PreparedBatch(
      rows: rows, entries: entries, firstEntry: firstEntry, terms: terms, termStart: termStart)
  }

  /// One training step on `batch` (forward, loss, backward and the optimizer's update) with the
  /// decoder taken in blocks of ``blockWidth`` columns, each finished while it is in cache.
  ///
  /// It takes the step that `lossAndGradient` followed by ``Optimizer/step(_:gradient:decay:only:)``
  /// takes; only the order of some sums differs. For each block `B` of columns, one worker
  /// computes the outputs `H·W₂[B]ᵀ + b₂[B]`, the loss and dL/dZ, the gradients of `W₂[B]`
  /// and `b₂[B]` and its share `dZ·W₂[B]` of dL/dH, and then updates `W₂[B]` and `b₂[B]`: each
  /// block of `W₂` is read from memory once per step, and the gradient of `W₂` is never stored
  /// whole.
  ///
  /// The encoder is visited only at the rows of this batch's terms and of `next`'s: a row of
  /// this batch gets its gradient and update; a row of `next` only is brought up to date (see
  /// ``DeferredRows``); and every row of `next`'s terms adds its new weights to `next`'s
  /// pre-activations while it is in cache, so the next step starts from them. The other rows
  /// wait. ``settle(decay:)`` brings every row up to date and returns the steps' `Σθ²`.
  ///
  /// Blocks and rows go to workers in fixed contiguous ranges, and their parts are summed in
  /// worker order, so results repeat exactly for a given worker count.
  ///
  /// - Returns: the batch's loss terms (without weight decay: its `Σθ²` is complete at
  ///   ``settle(decay:)``), and `next` with its codes.
  mutating func blockedStep(
    _ x: SparseMatrix, batch prepared: PreparedBatch, next: PreparedBatch?,
    decay: Optimizer.Decay?
  ) -> (terms: SparseAutoencoder.Terms, next: PreparedBatch?) {
    precondition(trainsInBlocks)
    let c = configuration
    let layout = self.layout
    let h = layout.hidden
    let batch = prepared.rows.count
    var terms = SparseAutoencoder.Terms()

    let update = optimizer.begin()
    let step = optimizer.steps
    if deferred == nil {
      deferred = DeferredRows(
        current: Array(repeating: step - 1, count: layout.inputs), first: step)
    }
    deferred!.updates.append(update)
    deferred!.squares.append(0)
    let lambda = decay?.lambda ?? 0
    let context = StepContext(
      layout: layout, configuration: c, batch: batch,
      width: min(blockWidth, layout.inputs), update: update, step: step, lambda: lambda,
      workers: Parallel.defaultWorkerCount)

    // Forward through the encoder, unless the last step did it.
    let codes = prepared.codes ?? encodeBatch(x, prepared, through: step - 1, lambda: lambda)

    // The label term from the head as it stands (the trainer updates the head after the step).
    var label: (loss: Double, dh: [Float]?) = (0, nil)
    if head != nil { label = head!.term(rows: prepared.rows, codes: codes) }
    terms.label = label.loss

    var dh: [Float] = []
    var nextCodes: [Float]? = nil
    let gram = trainsInGramForm
    optimizer.withState { first, second in
      theta.withUnsafeMutableBufferPointer { thetaBuffer in
        let state = StepState(
          p: UnsafeSharedBuffer(thetaBuffer), m: UnsafeSharedBuffer(first),
          v: UnsafeSharedBuffer(second))

        // The decoder, block by block: loss, dL/dZ, W₂'s and b₂'s gradients and updates, and
        // the blocks' parts of dL/dH.
        var squares = 0.0
        if gram {
          // The same loss and gradients without decoding the absent columns (GramStep).
          let (second, mean) = Self.codeMoments(codes, batch: batch, hidden: h)
          let shares = Self.gramBlocks(
            codes: codes, second: second, mean: mean, batch: prepared, state: state, context)
          for share in shares {
            squares += share.squares
            denseSeconds += share.productSeconds / 1e9 / Double(shares.count)
          }
          (terms.reconstruction, dh) = Self.gramReconstruction(
            shares, codes: codes, squaredNorms: Self.squaredNorms(prepared), batch: batch,
            hidden: h)
          denseOperations += 3 * Double(layout.inputs) * Double(h) * Double(h)
        } else {
          let shares = Self.decoderBlocks(codes: codes, batch: prepared, state: state, context)
          dh = [Float](repeating: 0, count: batch * h)
          for share in shares {
            for i in dh.indices { dh[i] += share.dh[i] }
            terms.reconstruction += share.reconstruction
            squares += share.squares
            denseSeconds += share.productSeconds / 1e9 / Double(shares.count)
          }
          terms.reconstruction /= Double(batch)
          denseOperations += 6 * Double(batch) * Double(layout.inputs) * Double(h)
        }

        if let extra = label.dh { for i in dh.indices { dh[i] += extra[i] } }
        // The code terms, and dL/dA in place of dL/dH.
        Kernels.backThroughCodes(
          &dh, codes: codes, batch: batch, hidden: h, configuration: c, terms: &terms)

        // b₁'s update (the next batch's pre-activations start from it).
        Self.updateEncoderBias(da: dh, state: state, context)

        // The encoder at the rows of this batch's terms and the next batch's (see above).
        let first = deferred!.first
        let pending = deferred!.updates
        let parts = deferred!.current.withUnsafeMutableBufferPointer { current in
          Self.visitEncoderRows(
            da: dh, batch: prepared, next: next, current: UnsafeSharedBuffer(current),
            pending: pending, first: first, state: state, context)
        }
        for part in parts {
          for (s, value) in part.squares.enumerated() { deferred!.squares[s] += value }
        }
        deferred!.squares[step - first] += squares
        if let next, !next.rows.isEmpty {
          nextCodes = Self.nextBatchCodes(
            parts.map(\.preactivation), rows: next.rows.count, state: state, context)
        }
      }
    }
    var prepared = next
    prepared?.codes = nextCodes
    return (terms, prepared)
  }

  /// What every phase of one ``blockedStep(_:batch:next:decay:)`` reads.
  struct StepContext {
    let layout: SparseAutoencoder.Layout
    let configuration: SparseAutoencoder.Configuration
    /// Rows in the batch.
    let batch: Int
    /// Columns per decoder block.
    let width: Int
    /// The optimizer's constants of this step.
    let update: Optimizer.Update
    /// The step's number.
    let step: Int
    /// The weight decay's λ (0 without weight decay).
    let lambda: Float
    let workers: Int

    var blocks: Int { (layout.inputs + width - 1) / width }
  }

  /// The parameters and the optimizer's two moment buffers, shared by the workers of a step.
  struct StepState: Sendable {
    let p: UnsafeSharedBuffer<Float>
    let m: UnsafeSharedBuffer<Float>
    let v: UnsafeSharedBuffer<Float>
  }

  /// The codes `f(b₁ + W₁·(s·x))` of the batch's rows, after bringing the encoder rows of its
  /// terms up to date through `step`.
  private mutating func encodeBatch(
    _ x: SparseMatrix, _ prepared: PreparedBatch, through step: Int, lambda: Float
  ) -> [Float] {
    let c = configuration
    let layout = self.layout
    let h = layout.hidden
    let rows = prepared.rows
    catchUp(prepared.terms, through: step, lambda: lambda)
    var codes = [Float](repeating: 0, count: rows.count * h)
    theta.withUnsafeBufferPointer { t in
      codes.withUnsafeMutableBufferPointer { out in
        let weights = UnsafeSharedBuffer(readOnly: t)
        let out = UnsafeSharedBuffer(out)
        Parallel.forEach(count: rows.count, minimumChunk: 16) { range in
          Kernels.encode(
            x, rows: rows[range], theta: weights.base, layout: layout, configuration: c,
            preactivation: out.base + range.lowerBound * h)
        }
      }
    }
    Kernels.activate(&codes, rows: rows.count, hidden: h, configuration: c)
    return codes
  }

  /// The decoder, block by block (see ``blockedStep(_:batch:next:decay:)``): for each block of
  /// columns, its outputs, the loss and dL/dZ, the gradients and updates of its W₂ and b₂, and
  /// its share of dL/dH. Blocks go to workers in contiguous ranges; one share per worker.
  private static func decoderBlocks(
    codes: [Float], batch prepared: PreparedBatch, state: StepState, _ context: StepContext
  ) -> [DecoderShare] {
    let c = context.configuration
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
    let plainSquares = c.loss == .mse && c.output == .identity
    return codes.withUnsafeBufferPointer { codesBuffer in
      prepared.entries.withUnsafeBufferPointer { entriesBuffer in
        let codes = UnsafeSharedBuffer(readOnly: codesBuffer)
        let entries = UnsafeSharedBuffer(readOnly: entriesBuffer)
        return Parallel.map(count: context.blocks, workers: context.workers) {
          range -> DecoderShare in
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
          let a = codes.base
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

            // The loss, dL/dZ (over Z) and db₂[B] = Σ_r dZ.
            let entriesOfBlock = entries.elements[firstEntry[block]..<firstEntry[block + 1]]
            biasGradient.initialize(repeating: 0, count: bw)
            if plainSquares {
              // Z − X in place (X is zero off its entries, and z − 0 is z), then one pass.
              for e in entriesOfBlock {
                z[Int(e.key & 0xFFFF_FFFF) * bw + Int(e.key >> 32) - start] -= e.value
              }
              for r in 0..<batch {
                share.reconstruction += Double(
                  Kernels.squaredErrorOfDifferences(
                    z + r * bw, count: bw, inverseBatch: inverseBatch,
                    biasGradient: biasGradient))
              }
            } else {
              target.initialize(repeating: 0, count: count)
              for e in entriesOfBlock {
                target[Int(e.key & 0xFFFF_FFFF) * bw + Int(e.key >> 32) - start] = e.value
              }
              for r in 0..<batch {
                share.reconstruction += Double(
                  Kernels.reconstruction(
                    z + r * bw, target: target + r * bw, weights: nil, count: bw,
                    inverseBatch: inverseBatch, configuration: c))
                for k in 0..<bw { biasGradient[k] += z[r * bw + k] }
              }
            }

            // dW₂[B] = dZᵀ·H, and dL/dH += dZ·W₂[B] before W₂ moves.
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
  }

  /// db₁ = Σ_r dA[r, :], and b₁'s update.
  private static func updateEncoderBias(da dh: [Float], state: StepState, _ context: StepContext) {
    let h = context.layout.hidden
    var biasGradient = [Float](repeating: 0, count: h)
    for r in 0..<context.batch {
      for j in 0..<h { biasGradient[j] += dh[r * h + j] }
    }
    let bias = context.layout.encoderBias.lowerBound
    _ = context.update.apply(
      state.p.base + bias, state.m.base + bias, state.v.base + bias, gradient: biasGradient,
      count: h, lambda: 0)
  }

  /// The encoder at the rows of this batch's terms and of `next`'s: a row of this batch gets
  /// its gradient and update; a row of `next` only is brought up to date (see
  /// ``DeferredRows``); and every row of `next`'s terms adds its new weights to `next`'s
  /// pre-activations. Returns each worker's `Σθ²` per pending step and its part of `next`'s
  /// pre-activations.
  private static func visitEncoderRows(
    da dh: [Float], batch prepared: PreparedBatch, next: PreparedBatch?,
    current: UnsafeSharedBuffer<Int>, pending: [Optimizer.Update], first: Int,
    state: StepState, _ context: StepContext
  ) -> [(squares: [Double], preactivation: [Float])] {
    let h = context.layout.hidden
    let step = context.step
    let update = context.update
    let lambda = context.lambda
    let (p, m, v) = (state.p, state.m, state.v)
    let entries = prepared.entries
    let termStart = prepared.termStart
    let visits = merge(prepared.terms, next?.terms ?? [])
    let nextRows = next?.rows.count ?? 0
    let encoderWeight = context.layout.encoderWeight.lowerBound
    return dh.withUnsafeBufferPointer { da in
      let da = UnsafeSharedBuffer(readOnly: da)
      return Parallel.map(count: visits.count, workers: context.workers, minimumChunk: 16) {
        range -> (squares: [Double], preactivation: [Float]) in
        var squares = [Double](repeating: 0, count: pending.count)
        var partial = [Float](repeating: 0, count: nextRows * h)
        var gradient = [Float](repeating: 0, count: h)
        for visit in visits[range] {
          let row = visit.term
          let offset = encoderWeight + row * h
          let (pr, mr, vr) = (p.base + offset, m.base + offset, v.base + offset)
          // Steps this row missed: up to the last one if this batch has the row, else
          // up to this one.
          DeferredRows.replay(
            pr, mr, vr, count: h, after: current.base[row],
            through: visit.batch >= 0 ? step - 1 : step, updates: pending, first: first,
            lambda: lambda, squares: &squares)
          if visit.batch >= 0 {
            // dW₁ᵀ[c, :] = Σ_r (s·x_rc)·dA[r, :], summed in row order.
            gradient.withUnsafeMutableBufferPointer { g in
              g.update(repeating: 0)
              for e in entries[termStart[visit.batch]..<termStart[visit.batch + 1]] {
                BLAS.saxpy(
                  count: h, alpha: e.value, x: da.base + Int(e.key & 0xFFFF_FFFF) * h,
                  y: g.baseAddress!)
              }
              squares[step - first] += update.apply(
                pr, mr, vr, gradient: g.baseAddress!, count: h, lambda: lambda)
            }
          }
          current.base[row] = step
          if visit.next >= 0, let next {
            partial.withUnsafeMutableBufferPointer { out in
              let t = visit.next
              for e in next.entries[next.termStart[t]..<next.termStart[t + 1]] {
                BLAS.saxpy(
                  count: h, alpha: e.value, x: pr,
                  y: out.baseAddress! + Int(e.key & 0xFFFF_FFFF) * h)
              }
            }
          }
        }
        return (squares, partial)
      }
    }
  }

  /// The next batch's codes: b₁ plus the workers' parts of its pre-activations, summed in
  /// worker order, activated.
  private static func nextBatchCodes(
    _ parts: [[Float]], rows nextRows: Int, state: StepState, _ context: StepContext
  ) -> [Float] {
    let h = context.layout.hidden
    let c = context.configuration
    let bias = state.p.base + context.layout.encoderBias.lowerBound
    var codes = [Float](repeating: 0, count: nextRows * h)
    codes.withUnsafeMutableBufferPointer { buffer in
      let out = UnsafeSharedBuffer(buffer)
      let bias = UnsafeSharedBuffer(start: bias, count: h)
      Parallel.forEach(count: nextRows, workers: context.workers, minimumChunk: 8) { range in
        for r in range {
          (out.base + r * h).update(from: bias.base, count: h)
        }
        for part in parts {
          part.withUnsafeBufferPointer { part in
            for i in (range.lowerBound * h)..<(range.upperBound * h) {
              out.base[i] += part[i]
            }
          }
        }
        Kernels.activate(
          out.base + range.lowerBound * h, rows: range.count, hidden: h, configuration: c)
      }
    }
    return codes
  }

  /// Brings the encoder rows `terms` (ascending) up to date through `step` (see
  /// ``DeferredRows``).
  private mutating func catchUp(_ terms: [Int], through step: Int, lambda: Float) {
    guard var deferred else { return }
    self.deferred = nil
    defer { self.deferred = deferred }
    let stale = terms.filter { deferred.current[$0] < step }
    guard !stale.isEmpty else { return }
    let h = layout.hidden
    let encoderWeight = layout.encoderWeight.lowerBound
    let first = deferred.first
    let pending = deferred.updates
    optimizer.withState { firstMoment, secondMoment in
      theta.withUnsafeMutableBufferPointer { thetaBuffer in
        let p = UnsafeSharedBuffer(thetaBuffer)
        let m = UnsafeSharedBuffer(firstMoment)
        let v = UnsafeSharedBuffer(secondMoment)
        let parts = deferred.current.withUnsafeMutableBufferPointer { currentBuffer in
          let current = UnsafeSharedBuffer(currentBuffer)
          return Parallel.map(count: stale.count, minimumChunk: 64) { range -> [Double] in
            var squares = [Double](repeating: 0, count: pending.count)
            for row in stale[range] {
              let offset = encoderWeight + row * h
              DeferredRows.replay(
                p.base + offset, m.base + offset, v.base + offset, count: h,
                after: current.base[row], through: step, updates: pending, first: first,
                lambda: lambda, squares: &squares)
              current.base[row] = step
            }
            return squares
          }
        }
        for part in parts {
          for (s, value) in part.enumerated() { deferred.squares[s] += value }
        }
      }
    }
  }

  /// Brings every encoder row up to date (see ``DeferredRows``) and returns, for each step
  /// since the last call, `Σθ²` over the weights before its update (0 without weight decay).
  mutating func settle(decay: Optimizer.Decay?) -> [Double] {
    guard deferred != nil else { return [] }
    catchUp(Array(0..<layout.inputs), through: optimizer.steps, lambda: decay?.lambda ?? 0)
    defer { deferred = nil }
    return deferred!.squares
  }

  /// The union of two ascending term lists, with each term's index in either (-1 where absent).
  static func merge(_ a: [Int], _ b: [Int]) -> [(term: Int, batch: Int, next: Int)] {
    var union: [(term: Int, batch: Int, next: Int)] = []
    union.reserveCapacity(a.count + b.count)
    var i = 0
    var j = 0
    while i < a.count || j < b.count {
      if j == b.count || (i < a.count && a[i] < b[j]) {
        union.append((a[i], i, -1))
        i += 1
      } else if i == a.count || b[j] < a[i] {
        union.append((b[j], -1, j))
        j += 1
      } else {
        union.append((a[i], i, j))
        i += 1
        j += 1
      }
    }
    return union
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
    let total = rows.reduce(0) { $0 + x.storageRange(ofRow: $1).count }
    if x.columns <= 8 * total {
      return countedByColumn(
        x, rows: rows, total: total, scale: scale, blockWidth: width, blocks: blocks)
    }
    // Few entries over many columns: entries are listed row by row; a stable radix sort by
    // column (keys carry the entry's position) then gives column, then row order.
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

  /// ``entriesByColumn(_:rows:scale:blockWidth:blocks:)`` by counting: the entries per column,
  /// their running sums as each column's first entry, and one pass that puts each entry at its
  /// column's next place, so rows stay in order within a column. For batches whose entries
  /// are not far fewer than the columns.
  static func countedByColumn(
    _ x: SparseMatrix, rows: [Int], total: Int, scale: Float, blockWidth width: Int, blocks: Int
  ) -> (
    entries: [(key: UInt64, value: Float)], firstEntry: [Int], terms: [Int], termStart: [Int]
  ) {
    var next = [Int](repeating: 0, count: x.columns + 1)
    var terms: [Int] = []
    var termStart: [Int] = []
    var firstEntry = [Int](repeating: total, count: blocks + 1)
    let entries = next.withUnsafeMutableBufferPointer { next in
      x.columnIndices.withUnsafeBufferPointer { columns in
        for r in rows {
          for p in x.storageRange(ofRow: r) { next[Int(columns[p]) + 1] += 1 }
        }
        var start = 0
        for c in 0..<x.columns {
          if c % width == 0 { firstEntry[c / width] = start }
          let count = next[c + 1]
          if count > 0 {
            terms.append(c)
            termStart.append(start)
          }
          next[c] = start
          start += count
        }
        return [(key: UInt64, value: Float)](unsafeUninitializedCapacity: total) {
          buffer, initialized in
          x.values.withUnsafeBufferPointer { values in
            for (local, r) in rows.enumerated() {
              for p in x.storageRange(ofRow: r) {
                let column = Int(columns[p])
                (buffer.baseAddress! + next[column]).initialize(
                  to: (UInt64(column) << 32 | UInt64(local), scale * values[p]))
                next[column] += 1
              }
            }
          }
          initialized = total
        }
      }
    }
    termStart.append(total)
    return (entries, firstEntry, terms, termStart)
  }
}
