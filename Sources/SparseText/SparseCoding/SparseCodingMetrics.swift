/// How well a sparse autoencoder reconstructs a matrix and how sparse its codes are.
package struct SparseCodingMetrics: Sendable, Equatable, Codable {
  /// Mean squared error over every entry (in the input's scale).
  package var meanSquaredError: Double
  /// `½‖x̂ − x‖²` per document, averaged (in the input's scale).
  package var halfSquaredErrorPerDocument: Double
  /// Fraction of variance unexplained: `Σ(x̂ − x)² / Σ(x − x̄)²`, x̄ the column means of the
  /// reference rows (the training rows for held-out metrics; otherwise these rows).
  package var fractionOfVarianceUnexplained: Double
  /// Mean activation over documents and units (ρ̂).
  package var meanActivation: Double
  /// The target ρ (used by the KL term only).
  package var sparsityTarget: Double
  /// Units never active on these documents.
  package var deadUnits: Int
  /// Hidden units in all.
  package var hiddenUnits: Int
  /// Mean number of active units per document (L0): above `activeThreshold` for sigmoid
  /// codes, above 0 for ReLU and TopK codes.
  package var activeUnitsPerDocument: Double

  /// Measures `model` on `x`, reconstructing row blocks with one BLAS product each (the cost of
  /// one forward pass). `referenceMeans` are the column means x̄ of the FVU's denominator; the
  /// column means of `x` when `nil`.
  init(model: SparseAutoencoder, x: SparseMatrix, referenceMeans: [Double]? = nil) {
    let n = x.columns
    let h = model.configuration.hiddenUnits
    let rows = Double(max(1, x.rows))
    // Σ(x − x̄)² = Σx² − 2Σ x̄_c·Σ_r x_rc + R·Σ x̄_c², from the column sums of the sparse rows.
    var columnSums = [Double](repeating: 0, count: n)
    var sumOfSquares = 0.0
    for p in 0..<x.values.count {
      let v = Double(x.values[p])
      columnSums[Int(x.columnIndices[p])] += v
      sumOfSquares += v * v
    }
    let means = referenceMeans ?? columnSums.map { $0 / rows }
    var variance = sumOfSquares
    for c in 0..<n { variance += -2 * means[c] * columnSums[c] + rows * means[c] * means[c] }
    // ‖x̂ − x‖² per block: Σx̂² − 2Σ x̂·x + Σx², with Σx̂² from the decoder's Gram matrix
    // and x̂ at the row's terms only when outputs are linear (x̂ = (W₂h + b₂)/s), else with x̂
    // decoded and read once.
    let gram = model.configuration.output == .identity ? model.decoderGram() : nil
    let block =
      gram != nil ? min(x.rows, 4096) : max(1, min(x.rows, (1 << 22) / max(1, n)))
    var squaredError = 0.0
    var start = 0
    let threshold = model.activityThreshold
    var fired = [Bool](repeating: false, count: h)
    var active = 0
    var total = 0.0
    while start < x.rows {
      let end = min(x.rows, start + block)
      let part = x.selectingRows(start..<end)
      let codes = model.encodeUnchecked(part)
      for r in 0..<codes.rows {
        for j in 0..<h {
          let value = codes.values[r * h + j]
          total += Double(value)
          if value > threshold {
            active += 1
            fired[j] = true
          }
        }
      }
      if let gram {
        squaredError += Self.squaredError(part, codes: codes, model: model, gram: gram)
        start = end
        continue
      }
      let reconstruction = model.decodeUnchecked(codes)
      for r in 0..<part.rows {
        var rowError = 0.0
        let base = r * n
        for c in 0..<n {
          let v = Double(reconstruction.values[base + c])
          rowError += v * v
        }
        for p in part.storageRange(ofRow: r) {
          let v = Double(part.values[p])
          let xhat = Double(reconstruction.values[base + Int(part.columnIndices[p])])
          rowError += v * v - 2 * v * xhat
        }
        squaredError += rowError
      }
      start = end
    }
    squaredError = max(0, squaredError)
    meanSquaredError = squaredError / (rows * Double(max(1, n)))
    halfSquaredErrorPerDocument = 0.5 * squaredError / rows
    fractionOfVarianceUnexplained = variance > 0 ? squaredError / variance : 0
    meanActivation = total / (rows * Double(max(1, h)))
    sparsityTarget = model.configuration.sparsityTarget
    deadUnits = fired.filter { !$0 }.count
    hiddenUnits = h
    activeUnitsPerDocument = Double(active) / rows
  }

  /// `Σ_r ‖x̂_r − x_r‖²` of linear outputs `x̂ = (W₂h + b₂)/s` (s the input scale) without
  /// decoding: `‖W₂h + b₂‖² = hᵀGh + 2h·W₂ᵀb₂ + ‖b₂‖²` from the Gram matrix, and `x̂` at each
  /// row's own terms.
  static func squaredError(
    _ x: SparseMatrix, codes: DenseMatrix, model: SparseAutoencoder, gram: SparseAutoencoder.Gram
  ) -> Double {
    let h = codes.columns
    let scale = model.configuration.scale
    var product = [Float](repeating: 0, count: x.rows * h)
    codes.values.withUnsafeBufferPointer { a in
      gram.matrix.withUnsafeBufferPointer { g in
        BLAS.sgemm(
          .none, .none, m: x.rows, n: h, k: h, alpha: 1, a: a.baseAddress!, lda: h,
          b: g.baseAddress!, ldb: h, beta: 0, c: &product, ldc: h)
      }
    }
    let layout = model.layout
    let gh = product
    let parts = Parallel.map(count: x.rows, minimumChunk: 256) { range -> Double in
      var total = 0.0
      model.theta.withUnsafeBufferPointer { t in
        let weight = t.baseAddress! + layout.decoderWeight.lowerBound
        let bias = t.baseAddress! + layout.decoderBias.lowerBound
        codes.values.withUnsafeBufferPointer { codes in
          for r in range {
            let code = codes.baseAddress! + r * h
            var decodedSquares = gram.biasSquares
            for j in 0..<h {
              decodedSquares +=
                Double(code[j]) * (Double(gh[r * h + j]) + 2 * Double(gram.biasProjection[j]))
            }
            var row = max(0, decodedSquares) / (scale * scale)
            for p in x.storageRange(ofRow: r) {
              let c = Int(x.columnIndices[p])
              let xhat = Double(BLAS.sdot(count: h, weight + c * h, code) + bias[c]) / scale
              let v = Double(x.values[p])
              row += v * v - 2 * v * xhat
            }
            total += row
          }
        }
      }
      return total
    }
    return parts.reduce(0, +)
  }

  enum CodingKeys: String, CodingKey {
    case meanSquaredError = "mean_squared_error"
    case halfSquaredErrorPerDocument = "half_squared_error_per_document"
    case fractionOfVarianceUnexplained = "fraction_of_variance_unexplained"
    case meanActivation = "mean_activation"
    case sparsityTarget = "sparsity_target"
    case deadUnits = "dead_units"
    case hiddenUnits = "hidden_units"
    case activeUnitsPerDocument = "active_units_per_document"
  }
}
