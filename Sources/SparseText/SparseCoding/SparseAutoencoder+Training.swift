import Dispatch
import Foundation

extension SparseAutoencoder {
  /// The loss terms of one batch.
  struct Terms {
    var reconstruction = 0.0
    var sparsity = 0.0
    var weightDecay = 0.0
    var l1 = 0.0
    var meanActivation = 0.0
    /// The label term (see ``Configuration/labelWeight``); 0 without labels.
    var label = 0.0
    var total: Double { reconstruction + sparsity + weightDecay + l1 + label }
  }

  /// Minibatch training: forward, loss, backward, optimizer step; epochs, early stopping and
  /// checkpoints.
  struct Trainer {
    let configuration: Configuration
    let layout: Layout
    var theta: [Float]
    var optimizer: Optimizer
    var generator: SeededGenerator
    var epoch = 0
    var history: [EpochSummary] = []
    var best: (loss: Double, parameters: [Float])?
    var stale = 0
    /// Reused batch buffers (decoder outputs and targets), to avoid large allocations per batch.
    var scratchOutput: [Float] = []
    var scratchTarget: [Float] = []
    /// Time spent in, and floating-point operations of, the decoder's dense products this epoch.
    var denseSeconds = 0.0
    var denseOperations = 0.0
    /// Under reconstruction sampling: the parameter ranges the last batch gave a gradient to
    /// (the rows of its terms and of the reconstructed columns, and the biases), which are the
    /// only ones the optimizer updates; `nil` when every parameter has a gradient.
    var updateRanges: [Range<Int>]? = nil
    /// The decoder columns per block in ``blockedStep(_:batch:next:decay:)``: a block's
    /// weights, gradient and outputs stay in a core's cache while it is finished.
    var blockWidth = 256
    /// The encoder rows' updates that the blocked step holds back; `nil` when every row is up
    /// to date, as it is between epochs.
    var deferred: DeferredRows? = nil
    /// The label term's head, when training with labels (see ``LabelHead``).
    var head: LabelHead? = nil

    init(configuration: Configuration, layout: Layout) {
      self.configuration = configuration
      self.layout = layout
      var generator = SeededGenerator(seed: configuration.seed)
      var theta = [Float](repeating: 0, count: layout.count)
      let r = Float((6.0 / Double(layout.inputs + layout.hidden + 1)).squareRoot())
      for range in layout.weights {
        for i in range { theta[i] = (2 * generator.nextFloat() - 1) * r }
      }
      if configuration.unitNormDecoder {
        // Decoder columns of unit norm; the encoder starts as their transpose (W₁ᵀ is stored
        // [inputs, hidden] like W₂, so the transpose is a copy).
        Self.normalizeDecoderColumns(&theta, layout: layout)
        if !layout.tied {
          let decoder = Array(theta[layout.decoderWeight])
          theta.replaceSubrange(layout.encoderWeight, with: decoder)
        }
      }
      self.theta = theta
      self.generator = generator
      self.optimizer = Optimizer(
        kind: configuration.optimizer, learningRate: configuration.effectiveLearningRate,
        momentum: configuration.momentum, count: layout.count)
    }

    mutating func restore(_ checkpoint: Checkpoint) {
      deferred = nil
      theta = checkpoint.parameters
      optimizer.state = checkpoint.optimizerState
      optimizer.steps = checkpoint.steps
      generator = checkpoint.generator
      epoch = checkpoint.epoch
      history = checkpoint.history
      best = checkpoint.best
      stale = checkpoint.stale
      if let state = checkpoint.head {
        head?.parameters = state.parameters
        head?.optimizer.state = state.optimizerState
        head?.optimizer.steps = state.steps
      }
    }

    var checkpoint: Checkpoint {
      precondition(deferred == nil, "a checkpoint of a model with deferred updates")
      return Checkpoint(
        configuration: configuration, inputColumns: layout.inputs, epoch: epoch,
        parameters: theta, optimizerState: optimizer.state, steps: optimizer.steps,
        generator: generator, history: history, best: best, stale: stale,
        head: head.map {
          Checkpoint.HeadState(
            parameters: $0.parameters, optimizerState: $0.optimizer.state,
            steps: $0.optimizer.steps)
        })
    }

    /// The relative decrease of the validation loss below which an epoch does not count as
    /// progress for early stopping (``Configuration/patience`` such epochs in a row stop it).
    /// Measured on BBC and Twitter, where the loss flattens after 15–20 epochs: at 2e-3 the
    /// stopping epoch's loss is within 0.3% of the lowest reached in 30 epochs.
    static let stoppingTolerance = 2e-3

    /// The trained parameters: the best ones under early stopping, else the last.
    var result: [Float] { best?.parameters ?? theta }

    /// Held-out rows for early stopping, drawn from a generator of their own so the split does
    /// not depend on how far training has gone.
    func split(_ rows: Int) -> (train: [Int], validation: [Int]) {
      configuration.heldOutRows(rows)
    }

    mutating func train(
      _ x: SparseMatrix, progress: (@Sendable (TrainingEvent) -> Void)?,
      isCancelled: CancellationCheck? = nil
    ) throws {
      let (trainRows, validationRows) = split(x.rows)
      if configuration.unitNormDecoder && epoch == 0 && optimizer.steps == 0 {
        // The decoder bias starts at the mean training row (scaled), so the codes start out
        // describing how a document differs from the average one rather than the average.
        startDecoderBiasAtTheMean(x, rows: trainRows)
      }
      let batchSize = configuration.batchSize(rows: x.rows)
      if let classes = head?.classes {
        head!.weight = LabelHead.scaledWeight(
          configuration.labelWeight, x: x, rows: trainRows, scale: configuration.scale,
          classes: classes)
      }
      let headDecay = Float(configuration.weightDecay)
      var gradient = trainsInBlocks ? [] : [Float](repeating: 0, count: layout.count)
      // Weight decay is added inside the optimizer's pass (same result, one pass fewer).
      let decay =
        configuration.weightDecay > 0
        ? Optimizer.Decay(
          lambda: Float(configuration.weightDecay) * (layout.tied ? 2 : 1), ranges: layout.weights)
        : nil
      while epoch < configuration.epochs {
        if !validationRows.isEmpty && stale >= configuration.patience { break }
        try checkCancellation(isCancelled)
        epoch += 1
        let started = Date()
        denseSeconds = 0
        denseOperations = 0
        var weightSquares =
          decay.map { Optimizer.sumOfSquares(theta, in: [0..<theta.count], ranges: $0.ranges) } ?? 0
        var order = trainRows
        order.shuffle(using: &generator)
        let batches = (order.count + batchSize - 1) / batchSize
        func batchRows(_ b: Int) -> [Int] {
          Array(order[(b * batchSize)..<min(order.count, (b + 1) * batchSize)])
        }
        var steps: [Terms] = []
        if trainsInBlocks {
          // Each step also computes the next batch's codes; the weight-decay terms
          // are known once the epoch's deferred updates are settled. Until then the progress
          // line counts the weights' Σθ² as of the epoch's start.
          var batch = prepare(x, rows: batchRows(0))
          for b in 0..<batches {
            let next = b + 1 < batches ? prepare(x, rows: batchRows(b + 1)) : nil
            let step = blockedStep(x, batch: batch, next: next, decay: decay)
            head?.step(weightDecay: headDecay)
            if configuration.unitNormDecoder {
              Self.normalizeDecoderColumns(&theta, layout: layout)
            }
            var shown = step.terms
            shown.weightDecay = 0.5 * Double(decay?.lambda ?? 0) * weightSquares
            progress?(.batch(epoch: epoch, batch: b + 1, batches: batches, loss: shown.total))
            try checkCancellation(isCancelled)
            steps.append(step.terms)
            if let next = step.next { batch = next }
          }
          for (b, squares) in settle(decay: decay).enumerated() {
            steps[b].weightDecay = 0.5 * Double(decay?.lambda ?? 0) * squares
          }
        } else {
          for b in 0..<batches {
            var terms: Terms
            do {
              // Scoped, so the copy is released before the update writes `theta`.
              let parameters = theta
              terms = lossAndGradient(
                x, rows: batchRows(b), theta: parameters, gradient: &gradient,
                foldWeightDecay: true)
            }
            if let ranges = updateRanges {
              // Lazy update: Σθ² over all weights is kept current from the touched rows.
              let squares = optimizer.step(&theta, gradient: gradient, decay: decay, only: ranges)
              if let decay {
                terms.weightDecay = 0.5 * Double(decay.lambda) * weightSquares
                weightSquares +=
                  Optimizer.sumOfSquares(theta, in: ranges, ranges: decay.ranges) - squares
              }
            } else {
              let squares = optimizer.step(&theta, gradient: gradient, decay: decay)
              if let decay {
                terms.weightDecay = 0.5 * Double(decay.lambda) * squares
                weightSquares = squares
              }
            }
            head?.step(weightDecay: headDecay)
            if configuration.unitNormDecoder {
              Self.normalizeDecoderColumns(&theta, layout: layout)
            }
            progress?(.batch(epoch: epoch, batch: b + 1, batches: batches, loss: terms.total))
            try checkCancellation(isCancelled)
            steps.append(terms)
          }
        }
        var sums = Terms()
        for terms in steps {
          sums.reconstruction += terms.reconstruction
          sums.sparsity += terms.sparsity
          sums.weightDecay += terms.weightDecay
          sums.l1 += terms.l1
          sums.meanActivation += terms.meanActivation
          sums.label += terms.label
        }
        guard sums.total.isFinite else {
          throw TrainingError.diverged(epoch: epoch)
        }
        let n = Double(max(1, batches))
        var summary = EpochSummary(
          epoch: epoch, loss: sums.total / n, reconstruction: sums.reconstruction / n,
          sparsity: sums.sparsity / n, weightDecay: sums.weightDecay / n, l1: sums.l1 / n,
          meanActivation: sums.meanActivation / n, validationLoss: nil, seconds: 0,
          denseGigaflopsPerSecond: nil, labelLoss: head == nil ? nil : sums.label / n)
        if !validationRows.isEmpty {
          let loss = validationLoss(x, rows: validationRows)
          summary.validationLoss = loss
          // The lowest loss keeps its parameters; an epoch counts as progress only when it
          // lowers the loss by a relative `stoppingTolerance`.
          if let previous = best?.loss {
            if loss < previous { best = (loss, theta) }
            stale = loss < previous - Self.stoppingTolerance * abs(previous) ? 0 : stale + 1
          } else {
            best = (loss, theta)
          }
        }
        summary.seconds = Date().timeIntervalSince(started)
        if denseSeconds > 0 {
          summary.denseGigaflopsPerSecond = denseOperations / denseSeconds / 1e9
        }
        history.append(summary)
        progress?(.epoch(summary))
        progress?(.checkpoint(checkpoint))
      }
    }

    /// Sets the decoder bias to the scaled mean of `rows` of `x`.
    mutating func startDecoderBiasAtTheMean(_ x: SparseMatrix, rows: [Int]) {
      var sums = [Double](repeating: 0, count: layout.inputs)
      for r in rows {
        for p in x.storageRange(ofRow: r) { sums[Int(x.columnIndices[p])] += Double(x.values[p]) }
      }
      let factor = configuration.scale / Double(max(1, rows.count))
      let start = layout.decoderBias.lowerBound
      for c in 0..<layout.inputs { theta[start + c] = Float(sums[c] * factor) }
    }

    /// Scales each decoder column (one latent's weights over the terms, strided by `hidden` in
    /// the `[inputs, hidden]` layout) to unit l2 norm; a column of zeros stays as it is.
    static func normalizeDecoderColumns(_ theta: inout [Float], layout: Layout) {
      let h = layout.hidden
      let n = layout.inputs
      let start = layout.decoderWeight.lowerBound
      var squares = [Double](repeating: 0, count: h)
      theta.withUnsafeMutableBufferPointer { t in
        let w = t.baseAddress! + start
        for c in 0..<n {
          let row = w + c * h
          for j in 0..<h { squares[j] += Double(row[j]) * Double(row[j]) }
        }
        let inverse = squares.map { $0 > 0 ? Float(1 / $0.squareRoot()) : 1 }
        for c in 0..<n {
          let row = w + c * h
          for j in 0..<h { row[j] *= inverse[j] }
        }
      }
    }

    /// The loss (without weight decay, and without the label term: the stopping rule follows
    /// the reconstruction, which the label term's fast fit to the training labels would
    /// otherwise cut short) per held-out row: in Gram form for squared error with
    /// identity outputs, else decoded.
    func validationLoss(_ x: SparseMatrix, rows: [Int]) -> Double {
      if configuration.loss == .mse && configuration.output == .identity {
        return gramValidationLoss(x, rows: rows)
      }
      return decodedValidationLoss(x, rows: rows)
    }

    /// ``validationLoss(_:rows:)`` with every column decoded, in chunks of 256 rows as batches.
    func decodedValidationLoss(_ x: SparseMatrix, rows: [Int]) -> Double {
      var scratch = [Float](repeating: 0, count: layout.count)
      var total = 0.0
      var weight = 0.0
      var start = 0
      var copy = self
      copy.generator = SeededGenerator(seed: 0)
      let unsampled = Configuration.withoutSampling(configuration)
      while start < rows.count {
        let batch = Array(rows[start..<min(rows.count, start + 256)])
        let terms = copy.lossAndGradient(
          x, rows: batch, theta: theta, gradient: &scratch, configurationOverride: unsampled)
        total += (terms.reconstruction + terms.sparsity + terms.l1) * Double(batch.count)
        weight += Double(batch.count)
        start += 256
      }
      return total / max(weight, 1)
    }

    /// The loss of one batch and its gradient with respect to every parameter, in the order of
    /// the algorithm: encode the batch, choose the columns to reconstruct, decode them, measure
    /// the reconstruction, back-propagate through the decoder, the code terms and the encoder,
    /// and add weight decay.
    ///
    /// With `foldWeightDecay`, the weight-decay term and its gradient are left to the optimizer
    /// (``Optimizer/step(_:gradient:decay:)``).
    mutating func lossAndGradient(
      _ x: SparseMatrix, rows: [Int], theta: [Float], gradient: inout [Float],
      configurationOverride: Configuration? = nil, foldWeightDecay: Bool = false
    ) -> Terms {
      let c = configurationOverride ?? configuration
      let h = layout.hidden
      let batch = rows.count
      var terms = Terms()
      let sampling = c.sampledColumns.map { $0 < layout.inputs } ?? false
      updateRanges = nil
      if !sampling {
        gradient.withUnsafeMutableBufferPointer { g in
          g.baseAddress!.initialize(repeating: 0, count: g.count)
        }
      }
      let codes = forward(x, rows: rows, theta: theta, configuration: c)
      let columns = chooseColumns(x, rows: rows, configuration: c, gradient: &gradient)

      // The output and target buffers are reused from batch to batch.
      var z = scratchOutput
      var target = scratchTarget
      scratchOutput = []
      scratchTarget = []
      defer {
        scratchOutput = z
        scratchTarget = target
      }
      let gathered = decode(
        codes, theta: theta, columns: columns, batch: batch, configuration: c, into: &z)
      targets(x, rows: rows, columns: columns, scale: Float(c.scale), into: &target)
      terms.reconstruction =
        reconstructionLoss(&z, target: target, columns: columns, batch: batch, configuration: c)
        / Double(batch)
      var dh = decoderBackward(
        dz: z, codes: codes, theta: theta, gathered: gathered, columns: columns, batch: batch,
        gradient: &gradient)
      if head != nil {
        let label = head!.term(rows: rows, codes: codes)
        terms.label = label.loss
        if let extra = label.dh { for i in dh.indices { dh[i] += extra[i] } }
      }
      // The sparsity and L1 terms, and dL/dA from dL/dH.
      Kernels.backThroughCodes(
        &dh, codes: codes, batch: batch, hidden: h, configuration: c, terms: &terms)
      encoderBackward(x, rows: rows, da: dh, scale: Float(c.scale), gradient: &gradient)
      if c.weightDecay > 0 && !foldWeightDecay {
        terms.weightDecay = addWeightDecay(
          theta: theta, gradient: &gradient, weightDecay: c.weightDecay)
      }
      return terms
    }

    /// The columns one batch reconstructs: every column, or (with sampled columns) the
    /// batch's own terms plus a uniform sample of the others, each with its importance weight.
    struct ReconstructedColumns {
      /// Whether every column is reconstructed (then the fields below are empty).
      var everyColumn: Bool
      /// The chosen columns, the batch's terms first.
      var columns: [Int] = []
      /// The importance weight of each chosen column.
      var weights: [Float] = []
      /// Each column's position in ``columns``, or -1 (empty when every column is chosen).
      var positionOf: [Int32] = []
      /// How many columns are reconstructed.
      var count: Int
    }

    /// Forward through the encoder: the codes `f(b₁ + W₁·(s·x))` of `rows`, [rows, hidden].
    func forward(_ x: SparseMatrix, rows: [Int], theta: [Float], configuration c: Configuration)
      -> [Float]
    {
      var codes = [Float](repeating: 0, count: rows.count * layout.hidden)
      Kernels.encode(
        x, rows: rows, theta: theta, layout: layout, configuration: c, preactivation: &codes)
      Kernels.activate(&codes, rows: rows.count, hidden: layout.hidden, configuration: c)
      return codes
    }

    /// The columns to reconstruct (see ``ReconstructedColumns``). When sampling, it draws the
    /// sample from ``generator``, records the parameters that get a gradient in
    /// ``updateRanges`` and zeroes the gradient there.
    mutating func chooseColumns(
      _ x: SparseMatrix, rows: [Int], configuration c: Configuration, gradient: inout [Float]
    ) -> ReconstructedColumns {
      let n = layout.inputs
      guard let sampled = c.sampledColumns, sampled < n else {
        return ReconstructedColumns(everyColumn: true, count: n)
      }
      var columns: [Int] = []
      var positionOf = [Int32](repeating: -1, count: n)
      for r in rows {
        for p in x.storageRange(ofRow: r) {
          let column = Int(x.columnIndices[p])
          if positionOf[column] < 0 {
            positionOf[column] = Int32(columns.count)
            columns.append(column)
          }
        }
      }
      let present = columns.count
      let others = n - present
      let draws = min(sampled, others)
      var columnWeight = [Float](repeating: 1, count: present)
      if draws > 0 {
        // Uniform sample of the other columns without replacement (rejection; draws ≪ n).
        var chosen = 0
        let weight = Float(others) / Float(draws)
        while chosen < draws {
          let column = Int(generator.next() % UInt64(n))
          if positionOf[column] >= 0 { continue }
          positionOf[column] = Int32(columns.count)
          columns.append(column)
          columnWeight.append(weight)
          chosen += 1
        }
      }
      updateRanges = layout.rows(encoder: columns[..<present], decoder: columns)
      gradient.withUnsafeMutableBufferPointer { g in
        for range in updateRanges! {
          (g.baseAddress! + range.lowerBound).initialize(repeating: 0, count: range.count)
        }
      }
      return ReconstructedColumns(
        everyColumn: false, columns: columns, weights: columnWeight, positionOf: positionOf,
        count: columns.count)
    }

    /// Decoder: `x̂ = g(H·W₂[C]ᵀ + b₂[C])` into `z`, [batch, columns]. W₂ is used in place when
    /// every column is reconstructed; when sampling, its rows are gathered into [m, h], which
    /// is returned for the backward pass (empty otherwise).
    mutating func decode(
      _ codes: [Float], theta: [Float], columns: ReconstructedColumns, batch: Int,
      configuration c: Configuration, into z: inout [Float]
    ) -> [Float] {
      let h = layout.hidden
      let m = columns.count
      let decoderStart = layout.decoderWeight.lowerBound
      let biasStart = layout.decoderBias.lowerBound
      var gathered: [Float] = []
      if !columns.everyColumn {
        gathered = [Float](repeating: 0, count: m * h)
        for (k, column) in columns.columns.enumerated() {
          for j in 0..<h { gathered[k * h + j] = theta[decoderStart + column * h + j] }
        }
      }
      z.removeAll(keepingCapacity: true)
      z.reserveCapacity(batch * m)
      for _ in 0..<batch {
        if columns.everyColumn {
          z.append(contentsOf: theta[layout.decoderBias])
        } else {
          for k in 0..<m { z.append(theta[biasStart + columns.columns[k]]) }
        }
      }
      let clock = DispatchTime.now().uptimeNanoseconds
      theta.withUnsafeBufferPointer { t in
        gathered.withUnsafeBufferPointer { g in
          let w2 = columns.everyColumn ? t.baseAddress! + decoderStart : g.baseAddress!
          BLAS.splitSgemm(
            .none, .transpose, m: batch, n: m, k: h, alpha: 1, a: codes, lda: h, b: w2, ldb: h,
            beta: 1, c: &z, ldc: m)
        }
      }
      denseSeconds += Double(DispatchTime.now().uptimeNanoseconds - clock) / 1e9
      if c.output == .sigmoid { for i in z.indices { z[i] = 1 / (1 + exp(-z[i])) } }
      return gathered
    }

    /// The targets `s·x` of `rows` at the chosen columns, into `target`, [batch, columns].
    func targets(
      _ x: SparseMatrix, rows: [Int], columns: ReconstructedColumns, scale: Float,
      into target: inout [Float]
    ) {
      let m = columns.count
      target.removeAll(keepingCapacity: true)
      target.append(contentsOf: repeatElement(0, count: rows.count * m))
      for (local, r) in rows.enumerated() {
        for p in x.storageRange(ofRow: r) {
          let column = Int(x.columnIndices[p])
          let k = columns.everyColumn ? column : Int(columns.positionOf[column])
          target[local * m + k] = scale * x.values[p]
        }
      }
    }

    /// The batch's summed reconstruction loss, with dL/dz left in place of `z`.
    func reconstructionLoss(
      _ z: inout [Float], target: [Float], columns: ReconstructedColumns, batch: Int,
      configuration c: Configuration
    ) -> Double {
      let m = columns.count
      let inverseBatch = 1 / Float(batch)
      var reconstruction = 0.0
      z.withUnsafeMutableBufferPointer { z in
        target.withUnsafeBufferPointer { target in
          columns.weights.withUnsafeBufferPointer { weights in
            for r in 0..<batch {
              reconstruction += Double(
                Kernels.reconstruction(
                  z.baseAddress! + r * m, target: target.baseAddress! + r * m,
                  weights: columns.everyColumn ? nil : weights.baseAddress, count: m,
                  inverseBatch: inverseBatch, configuration: c))
            }
          }
        }
      }
      return reconstruction
    }

    /// Back through the decoder: dW₂[C] += dzᵀ·H and db₂[C] += Σ_r dz into `gradient`; returns
    /// dL/dH = dz·W₂[C], [batch, hidden].
    mutating func decoderBackward(
      dz z: [Float], codes: [Float], theta: [Float], gathered: [Float],
      columns: ReconstructedColumns, batch: Int, gradient: inout [Float]
    ) -> [Float] {
      let h = layout.hidden
      let m = columns.count
      let decoderStart = layout.decoderWeight.lowerBound
      let biasStart = layout.decoderBias.lowerBound
      var dh = [Float](repeating: 0, count: batch * h)
      let clock = DispatchTime.now().uptimeNanoseconds
      gradient.withUnsafeMutableBufferPointer { gradientBuffer in
        let grad = gradientBuffer.baseAddress!
        if columns.everyColumn {
          BLAS.splitSgemm(
            .transpose, .none, m: m, n: h, k: batch, alpha: 1, a: z, lda: m, b: codes, ldb: h,
            beta: 1, c: grad + decoderStart, ldc: h)
          z.withUnsafeBufferPointer { dz in
            for r in 0..<batch {
              BLAS.saxpy(count: m, alpha: 1, x: dz.baseAddress! + r * m, y: grad + biasStart)
            }
          }
        } else {
          var dw2 = [Float](repeating: 0, count: m * h)
          BLAS.splitSgemm(
            .transpose, .none, m: m, n: h, k: batch, alpha: 1, a: z, lda: m, b: codes, ldb: h,
            beta: 0, c: &dw2, ldc: h)
          for k in 0..<m {
            let column = columns.columns[k]
            var sum: Float = 0
            for r in 0..<batch { sum += z[r * m + k] }
            grad[biasStart + column] += sum
            for j in 0..<h { grad[decoderStart + column * h + j] += dw2[k * h + j] }
          }
        }
      }
      theta.withUnsafeBufferPointer { t in
        gathered.withUnsafeBufferPointer { g in
          let w2 = columns.everyColumn ? t.baseAddress! + decoderStart : g.baseAddress!
          BLAS.splitSgemm(
            .none, .none, m: batch, n: h, k: m, alpha: 1, a: z, lda: m, b: w2, ldb: h, beta: 0,
            c: &dh, ldc: h)
        }
      }
      // Three products of 2·batch·m·h operations each (the bias and sampling bookkeeping between
      // them is included in the time, so the rate is a lower bound).
      denseSeconds += Double(DispatchTime.now().uptimeNanoseconds - clock) / 1e9
      denseOperations += 6 * Double(batch) * Double(m) * Double(h)
      return dh
    }

    /// Back through the encoder: dW₁ᵀ[c, :] += (s·x_c)·dA[r, :] and db₁ += Σ_r dA into
    /// `gradient`.
    func encoderBackward(
      _ x: SparseMatrix, rows: [Int], da dh: [Float], scale: Float, gradient: inout [Float]
    ) {
      let h = layout.hidden
      let encoderBias = layout.encoderBias.lowerBound
      gradient.withUnsafeMutableBufferPointer { g in
        dh.withUnsafeBufferPointer { da in
          for (local, r) in rows.enumerated() {
            for p in x.storageRange(ofRow: r) {
              let column = Int(x.columnIndices[p])
              BLAS.saxpy(
                count: h, alpha: scale * x.values[p], x: da.baseAddress! + local * h,
                y: g.baseAddress! + column * h)
            }
            for j in 0..<h { g[encoderBias + j] += da[local * h + j] }
          }
        }
      }
    }

    /// Weight decay λ/2·(‖W₁‖² + ‖W₂‖²) (tied weights count twice): adds its gradient to
    /// `gradient` and returns the term.
    func addWeightDecay(theta: [Float], gradient: inout [Float], weightDecay: Double) -> Double {
      let lambda = Float(weightDecay) * (layout.tied ? 2 : 1)
      var squares = 0.0
      theta.withUnsafeBufferPointer { t in
        gradient.withUnsafeMutableBufferPointer { g in
          for range in layout.weights {
            squares += Double(
              BLAS.sdot(
                count: range.count, t.baseAddress! + range.lowerBound,
                t.baseAddress! + range.lowerBound))
            BLAS.saxpy(
              count: range.count, alpha: lambda, x: t.baseAddress! + range.lowerBound,
              y: g.baseAddress! + range.lowerBound)
          }
        }
      }
      return 0.5 * Double(lambda) * squares
    }
  }
}

extension SparseAutoencoder.Configuration {
  static func withoutSampling(_ c: Self) -> Self {
    var copy = c
    copy.sampledColumns = nil
    return copy
  }
}
