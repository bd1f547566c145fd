import Foundation

/// Scores documents by how badly a fitted pipeline's autoencoder reconstructs them (see
/// ``AnomalyScores``). Make one with ``TextFeaturePipeline/anomalyScorer(outlierQuantile:threshold:)``
/// and reuse it for every block of a stream: it holds what is computed once per model.
///
/// A block costs one encode plus work proportional to the codes and the documents' own terms:
/// with a linear decoder, `‖x̂‖²` is `hᵀ(W₂ᵀW₂)h + 2(W₂ᵀb)·h + ‖b‖²` (one `h × h` product per
/// block) and `x̂` is needed only at the document's terms, so the dense reconstruction over the
/// whole vocabulary is never formed. A sigmoid decoder output is decoded densely instead.
public struct AnomalyScorer: Sendable {
  /// The pipeline scored with.
  package let pipeline: TextFeaturePipeline
  /// The score's method (the pipeline's ``TextFeaturePipeline/Configuration/anomalyScore``).
  public let method: AnomalyScores.Method
  /// The outlier threshold, if any.
  public let threshold: Double?
  /// Whether documents without a known term are outliers (see
  /// ``AnomalyScores/flagsDocumentsWithoutKnownTerms``).
  package let flagsDocumentsWithoutKnownTerms: Bool?
  let autoencoder: SparseAutoencoder
  /// `W₂ᵀW₂` (hidden × hidden), `W₂ᵀb` and `‖b‖²` in the decoder's (scaled) units; `nil` for a
  /// sigmoid output, which is decoded densely.
  let gram: [Float]?
  let biasProjection: [Float]
  let biasSquaredNorm: Double

  init(
    pipeline: TextFeaturePipeline, autoencoder: SparseAutoencoder, threshold: Double?,
    flagsDocumentsWithoutKnownTerms: Bool? = nil, dense: Bool = false
  ) {
    self.flagsDocumentsWithoutKnownTerms = flagsDocumentsWithoutKnownTerms
    self.pipeline = pipeline
    self.method = pipeline.configuration.anomalyScore
    self.threshold = threshold
    self.autoencoder = autoencoder
    let layout = autoencoder.layout
    let n = layout.inputs
    let h = layout.hidden
    let theta = autoencoder.theta
    let bias = Array(theta[layout.decoderBias])
    var projection = [Float](repeating: 0, count: h)
    theta.withUnsafeBufferPointer { w in
      let weight = w.baseAddress! + layout.decoderWeight.lowerBound
      bias.withUnsafeBufferPointer { b in
        BLAS.sgemm(
          .transpose, .none, m: h, n: 1, k: n, alpha: 1, a: weight, lda: h, b: b.baseAddress!,
          ldb: 1, beta: 0, c: &projection, ldc: 1)
      }
    }
    biasProjection = projection
    biasSquaredNorm = bias.reduce(0.0) { $0 + Double($1) * Double($1) }
    if dense || autoencoder.configuration.output != .identity {
      gram = nil
    } else {
      var g = [Float](repeating: 0, count: h * h)
      theta.withUnsafeBufferPointer { w in
        let weight = w.baseAddress! + layout.decoderWeight.lowerBound
        BLAS.sgemm(
          .transpose, .none, m: h, n: h, k: n, alpha: 1, a: weight, lda: h, b: weight, ldb: h,
          beta: 0, c: &g, ldc: h)
      }
      gram = g
    }
  }

  /// Scores `documents`.
  ///
  /// - Throws: as ``TextFeaturePipeline/features(for:)``.
  public func scores(for documents: [String]) throws -> AnomalyScores {
    uncheckedScores(for: try pipeline.features(for: documents))
  }

  /// Scores TF-IDF rows (the pipeline's features), block by block.
  ///
  /// - Throws: ``DataError/shapeMismatch(what:expected:actual:)`` when `x` does not have one
  ///   column per vocabulary term.
  package func scores(for x: SparseMatrix) throws -> AnomalyScores {
    guard x.columns == autoencoder.inputColumns else {
      throw DataError.shapeMismatch(
        what: "columns of the matrix to score", expected: autoencoder.inputColumns,
        actual: x.columns)
    }
    return uncheckedScores(for: x)
  }

  /// ``scores(for:)-(SparseMatrix)`` for rows known to have the model's width.
  package func uncheckedScores(for x: SparseMatrix) -> AnomalyScores {
    let rows = x.rows
    var squaredError = [Double](repeating: 0, count: rows)
    var squaredNorm = [Double](repeating: 0, count: rows)
    var ownTerms = [Double](repeating: 0, count: rows)
    var cosine = [Double](repeating: 0, count: rows)
    var ownCosine = [Double](repeating: 0, count: rows)
    var mass = [Double](repeating: 0, count: rows)
    var terms = [Int](repeating: 0, count: rows)
    let n = x.columns
    let block = gram == nil ? max(64, min(4096, (1 << 22) / max(1, n))) : 4096
    var start = 0
    while start < rows {
      let end = min(rows, start + block)
      let part = x.selectingRows(start..<end)
      let codes = autoencoder.encodeUnchecked(part)
      let parts = score(part, codes: codes)
      for r in 0..<part.rows {
        let row = parts[r]
        squaredError[start + r] = row.squaredError
        squaredNorm[start + r] = row.squaredNorm
        ownTerms[start + r] = row.ownTermsError
        cosine[start + r] = row.cosineDistance
        ownCosine[start + r] = row.ownTermsCosineDistance
        mass[start + r] = row.codeMass
        terms[start + r] = part.storageRange(ofRow: r).count
      }
      start = end
    }
    return AnomalyScores(
      method: method, squaredError: squaredError, squaredNorm: squaredNorm,
      ownTermsError: ownTerms, cosineDistance: cosine, ownTermsCosineDistance: ownCosine,
      codeMass: mass, termCounts: terms, threshold: threshold,
      flagsDocumentsWithoutKnownTerms: flagsDocumentsWithoutKnownTerms)
  }

  /// The parts of one document's scores.
  private struct Parts: Sendable {
    var squaredError: Double
    var squaredNorm: Double
    var ownTermsError: Double
    var cosineDistance: Double
    var ownTermsCosineDistance: Double
    var codeMass: Double
  }

  /// The parts of each row of one block.
  private func score(_ x: SparseMatrix, codes: DenseMatrix) -> [Parts] {
    let h = codes.columns
    let n = x.columns
    let rows = x.rows
    let scale = autoencoder.inputScale
    let layout = autoencoder.layout
    let theta = autoencoder.theta
    // ‖z‖² per row (z = W₂h + b, the decoder's output before dividing by the input scale), and
    // z at a row's terms: from the Gram matrix, or from a dense decode.
    var zSquared = [Double](repeating: 0, count: rows)
    var decoded: DenseMatrix?
    if let gram {
      var product = [Float](repeating: 0, count: rows * h)
      codes.values.withUnsafeBufferPointer { a in
        gram.withUnsafeBufferPointer { g in
          BLAS.sgemm(
            .none, .none, m: rows, n: h, k: h, alpha: 1, a: a.baseAddress!, lda: h,
            b: g.baseAddress!, ldb: h, beta: 0, c: &product, ldc: h)
        }
      }
      for r in 0..<rows {
        var quadratic = 0.0
        var linear = 0.0
        for j in 0..<h {
          let code = Double(codes.values[r * h + j])
          quadratic += code * Double(product[r * h + j])
          linear += code * Double(biasProjection[j])
        }
        zSquared[r] = max(0, quadratic + 2 * linear + biasSquaredNorm)
      }
    } else {
      // Dense path: decode() divides by the input scale; bring it back to z's units.
      var out = autoencoder.decodeUnchecked(codes)
      for k in out.values.indices { out.values[k] *= Float(scale) }
      for r in 0..<rows {
        var sum = 0.0
        for c in 0..<n {
          let v = Double(out.values[r * n + c])
          sum += v * v
        }
        zSquared[r] = sum
      }
      decoded = out
    }
    let sigmoid = autoencoder.configuration.output == .sigmoid
    let zs = zSquared
    let dense = decoded
    // Rows are independent: split over cores like the encode before.
    let chunks = Parallel.map(count: rows, minimumChunk: 128) { range -> [Parts] in
      var results: [Parts] = []
      results.reserveCapacity(range.count)
      theta.withUnsafeBufferPointer { w in
        let weight = w.baseAddress! + layout.decoderWeight.lowerBound
        let bias = w.baseAddress! + layout.decoderBias.lowerBound
        codes.values.withUnsafeBufferPointer { hBuffer in
          for r in range {
            let code = hBuffer.baseAddress! + r * h
            var dot = 0.0
            var norm = 0.0
            var own = 0.0
            var ownSquared = 0.0
            for p in x.storageRange(ofRow: r) {
              let c = Int(x.columnIndices[p])
              let z: Float
              if let dense {
                z = dense.values[r * n + c]
              } else {
                let raw = BLAS.sdot(count: h, weight + c * h, code) + bias[c]
                z = sigmoid ? 1 / (1 + exp(-raw)) : raw
              }
              let xhat = Double(z) / scale
              let v = Double(x.values[p])
              dot += v * xhat
              norm += v * v
              own += (xhat - v) * (xhat - v)
              ownSquared += xhat * xhat
            }
            let xhatSquared = zs[r] / (scale * scale)
            let error = max(0, xhatSquared - 2 * dot + norm)
            let cosine =
              norm > 0 && xhatSquared > 0 ? 1 - dot / (norm * xhatSquared).squareRoot() : 1
            let ownCosine =
              norm > 0 && ownSquared > 0 ? 1 - dot / (norm * ownSquared).squareRoot() : 1
            var codeMass = 0.0
            for j in 0..<h { codeMass += Double(code[j]) }
            results.append(
              Parts(
                squaredError: error, squaredNorm: norm, ownTermsError: own,
                cosineDistance: cosine, ownTermsCosineDistance: ownCosine, codeMass: codeMass))
          }
        }
      }
      return results
    }
    return chunks.flatMap { $0 }
  }
}

extension TextFeaturePipeline {
  /// A scorer for documents unlike the training text: the pipeline's autoencoder, the score of
  /// ``Configuration/anomalyScore`` and a threshold.
  ///
  /// - Parameters:
  ///   - outlierQuantile: the quantile of the reference scores the bundle stores (the held-out
  ///     training documents') used as the threshold; ``Configuration/outlierQuantile`` when
  ///     `nil`.
  ///   - threshold: an explicit threshold, which wins over the quantile.
  /// - Returns: a scorer; its threshold is `nil` when none is given and the pipeline stores no
  ///   training scores (bundles written before they existed).
  /// - Throws: ``ConfigurationError`` without an autoencoder or for a quantile outside (0, 1].
  public func anomalyScorer(outlierQuantile: Double? = nil, threshold: Double? = nil) throws
    -> AnomalyScorer
  {
    guard let autoencoder else {
      throw ConfigurationError.conflict(
        reason: "this model has no autoencoder, so there is no reconstruction error to score",
        suggestion: "Fit the pipeline with an autoencoder to score documents.")
    }
    let q = outlierQuantile ?? configuration.outlierQuantile
    try Configuration.validateOutlierQuantile(q)
    if let threshold, !threshold.isFinite {
      throw ConfigurationError.outOfRange(
        field: .threshold, value: "\(threshold)", allowed: "a finite number")
    }
    return AnomalyScorer(
      pipeline: self, autoencoder: autoencoder,
      threshold: threshold ?? trainingScores?.quantile(q),
      flagsDocumentsWithoutKnownTerms: threshold == nil
        ? trainingScores?.flagsDocumentsWithoutKnownTerms(at: q) : nil)
  }

  /// How unusual each document is to the training text; see ``AnomalyScores`` and
  /// ``anomalyScorer(outlierQuantile:threshold:)``.
  public func anomalyScores(
    for documents: [String], outlierQuantile: Double? = nil, threshold: Double? = nil
  ) throws -> AnomalyScores {
    try anomalyScorer(outlierQuantile: outlierQuantile, threshold: threshold).scores(
      for: documents)
  }
}
