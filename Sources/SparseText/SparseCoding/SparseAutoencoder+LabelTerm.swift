import Foundation

extension SparseAutoencoder {
  /// The labels a training with labels reads: each label's index among `classes` (sorted, as
  /// the classifier orders them), then −1 for each of `unlabelled` rows of text without one.
  /// Every label must be one of `classes`.
  package static func classIndices(_ labels: [String], of classes: [String], unlabelled: Int)
    -> [Int]
  {
    let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
    return labels.map { index[$0]! } + Array(repeating: -1, count: unlabelled)
  }

  /// The label term's training-only state: a softmax head `softmax(V·h + c)` on the codes,
  /// trained with the autoencoder on `λ'·CE` over the labelled rows of each batch (see
  /// ``Configuration/labelWeight``), with an optimizer of its own (the model's kind and learning
  /// rate, weight decay on `V` as on the encoder). It is not part of a trained model; a
  /// checkpoint holds it so that a resumed training continues bit for bit.
  struct LabelHead: Sendable {
    /// The class of each row of the training matrix, −1 for an unlabelled row.
    let labels: [Int32]
    let classes: Int
    let hidden: Int
    /// `V` ([classes, hidden]) then `c` ([classes]); zero at the start (no randomness, so the
    /// model's own random draws are those of a training without labels).
    var parameters: [Float]
    var optimizer: Optimizer
    /// The gradient of the last batch's label term with respect to ``parameters``.
    var gradient: [Float]
    /// λ' (``Configuration/labelWeight`` scaled; see ``scaledWeight(_:x:rows:scale:classes:)``),
    /// set when training starts.
    var weight: Float = 0

    init(labels: [Int32], classes: Int, configuration: Configuration) {
      self.labels = labels
      self.classes = classes
      self.hidden = configuration.hiddenUnits
      let count = classes * configuration.hiddenUnits + classes
      parameters = [Float](repeating: 0, count: count)
      gradient = [Float](repeating: 0, count: count)
      optimizer = Optimizer(
        kind: configuration.optimizer, learningRate: configuration.effectiveLearningRate,
        momentum: configuration.momentum, count: count)
    }

    /// `V`'s place in ``parameters`` (weight decay applies to it, not to `c`).
    var weights: Range<Int> { 0..<(classes * hidden) }

    /// λ' = λ · ½·mean‖s·x_r‖² / ln K over `rows`: λ = 1 gives the label term of a row, ln K at
    /// the start (a zero head), the weight of its reconstruction error at the start (½‖s·x‖²
    /// with a decoder near zero).
    static func scaledWeight(
      _ lambda: Double, x: SparseMatrix, rows: [Int], scale: Double, classes: Int
    ) -> Float {
      var squares = 0.0
      for r in rows {
        for p in x.storageRange(ofRow: r) { squares += Double(x.values[p]) * Double(x.values[p]) }
      }
      let mean = scale * scale * squares / Double(max(1, rows.count))
      return Float(lambda * 0.5 * mean / log(Double(max(classes, 2))))
    }

    /// The label term of a batch, `weight/B · Σ_{labelled r} −log softmax(V·h_r + c)[y_r]`
    /// over the `batch` rows of `codes` ([batch, hidden]) with classes `labels` (−1 =
    /// unlabelled; `B` counts every row). Writes its gradient with respect to `head`
    /// ([classes·hidden + classes]) into `gradient` and returns dL/dH ([batch, hidden]), or
    /// `nil` when no row is labelled (then `gradient` is zero).
    static func term(
      codes: [Float], labels: [Int32], batch: Int, hidden h: Int, classes k: Int, head: [Float],
      weight: Float, gradient: inout [Float]
    ) -> (loss: Double, dh: [Float]?) {
      for i in gradient.indices { gradient[i] = 0 }
      guard labels.contains(where: { $0 >= 0 }) else { return (0, nil) }
      precondition(codes.count >= batch * h && head.count == k * h + k)
      // Three small products on the caller's thread: the logits H·Vᵀ, then, from the
      // softmax's error D ([batch, classes], zero on unlabelled rows), Dᵀ·H for V and D·V for
      // the codes. A row-by-row loop over the head cost a tenth of a Gram-form step on Twitter.
      var logits = [Float](repeating: 0, count: batch * k)
      codes.withUnsafeBufferPointer { c in
        head.withUnsafeBufferPointer { v in
          logits.withUnsafeMutableBufferPointer { z in
            BLAS.sgemm(
              .none, .transpose, m: batch, n: k, k: h, alpha: 1, a: c.baseAddress!, lda: h,
              b: v.baseAddress!, ldb: h, beta: 0, c: z.baseAddress!, ldc: k)
          }
        }
      }
      var loss = 0.0
      let factor = weight / Float(batch)
      let biasStart = k * h
      var error = [Float](repeating: 0, count: batch * k)
      // A row's logits with the biases, in double precision.
      var z = [Double](repeating: 0, count: k)
      for r in 0..<batch where labels[r] >= 0 {
        let y = Int(labels[r])
        let row = r * k
        for c in 0..<k { z[c] = Double(logits[row + c]) + Double(head[biasStart + c]) }
        let top = z.max()!
        var total = 0.0
        for c in 0..<k { total += exp(z[c] - top) }
        loss += log(total) + top - z[y]
        for c in 0..<k {
          let p = exp(z[c] - top) / total
          let d = factor * Float(c == y ? p - 1 : p)
          error[row + c] = d
          gradient[biasStart + c] += d
        }
      }
      var dh = [Float](repeating: 0, count: batch * h)
      codes.withUnsafeBufferPointer { c in
        head.withUnsafeBufferPointer { v in
          error.withUnsafeBufferPointer { e in
            gradient.withUnsafeMutableBufferPointer { g in
              BLAS.sgemm(
                .transpose, .none, m: k, n: h, k: batch, alpha: 1, a: e.baseAddress!, lda: k,
                b: c.baseAddress!, ldb: h, beta: 0, c: g.baseAddress!, ldc: h)
            }
            dh.withUnsafeMutableBufferPointer { d in
              BLAS.sgemm(
                .none, .none, m: batch, n: h, k: k, alpha: 1, a: e.baseAddress!, lda: k,
                b: v.baseAddress!, ldb: h, beta: 0, c: d.baseAddress!, ldc: h)
            }
          }
        }
      }
      return (Double(weight) * loss / Double(batch), dh)
    }

    /// The label term of the batch of `rows` (of the training matrix) with codes `codes`, from
    /// the current head: its loss, and dL/dH; the head's gradient goes to ``gradient``.
    mutating func term(rows: [Int], codes: [Float]) -> (loss: Double, dh: [Float]?) {
      let batchLabels = rows.map { labels[$0] }
      return Self.term(
        codes: codes, labels: batchLabels, batch: rows.count, hidden: hidden, classes: classes,
        head: parameters, weight: weight, gradient: &gradient)
    }

    /// The optimizer's update of the head from ``gradient``, with weight decay `lambda` on `V`.
    mutating func step(weightDecay lambda: Float) {
      let decay = lambda > 0 ? Optimizer.Decay(lambda: lambda, ranges: [weights]) : nil
      optimizer.step(&parameters, gradient: gradient, decay: decay)
    }
  }
}
