import Foundation
import Testing

@testable import SparseText

// Gradient check of the sparse autoencoder against an independent Double-precision reference.
//
// The reference below recomputes the loss J(θ) that `SparseAutoencoder.Trainer.lossAndGradient`
// returns (every column reconstructed, no column sampling) with plain loops over Double, no BLAS
// and no shared code with the library apart from `Layout`'s index ranges. Its central finite
// differences (step 1e-6, in Double) are the "numeric" gradient; the library's Float gradient is
// the "analytic" one.
//
// Agreement criterion, per parameter:
//
//     |numeric − analytic| ≤ 1e-4·max(|numeric|, |analytic|) + floor,   floor = 1e-6
//
// i.e. a relative error below 1e-4, with a small absolute floor for entries that are zero or
// nearly so (the Float gradient carries rounding of about 1e-7 of its summands, the Double
// differences about 1e-10 absolute, so neither comes near the floor). The entries whose
// max(|numeric|, |analytic|) exceeds 1e-4 of the largest gradient entry are "significant": they
// are counted, and more than half of the parameters must be significant so that no variant can
// pass vacuously. ReLU/TopK kinks are skipped: a parameter is left out when the reference sees a
// different active set, TopK selection or clamp between θ − step and θ + step.

/// `randomSparse` (SparseAutoencoderTests.swift), together with the same entries as dense
/// Double rows for the reference path.
private func referenceSparse(
  rows: Int, columns: Int, density: Double, seed: UInt64
) -> (matrix: SparseMatrix, dense: [[Double]]) {
  let matrix = randomSparse(rows: rows, columns: columns, density: density, seed: seed)
  var dense = [[Double]](repeating: [Double](repeating: 0, count: columns), count: rows)
  for r in 0..<rows {
    for p in matrix.storageRange(ofRow: r) {
      dense[r][Int(matrix.columnIndices[p])] = Double(matrix.values[p])
    }
  }
  return (matrix, dense)
}

/// The loss terms of the reference path (the same split as `SparseAutoencoder.Terms`).
private struct ReferenceTerms {
  var reconstruction = 0.0
  var sparsity = 0.0
  var weightDecay = 0.0
  var l1 = 0.0
  var total: Double { reconstruction + sparsity + weightDecay + l1 }
}

/// An independent Double-precision implementation of the sparse autoencoder's batch loss.
private struct ReferenceAutoencoder {
  /// The loss at one θ, with the discrete state its derivative takes as locally constant.
  struct Evaluation {
    var terms: ReferenceTerms
    /// ReLU/TopK active sets, TopK selections and the clamps of ρ̂ and of the BCE's p.
    var pattern: [Bool]
    /// The distance (in pre-activation units) to the nearest ReLU/TopK kink; infinite when
    /// the encoder is smooth.
    var margin: Double
  }

  static let step = 1e-6

  let configuration: SparseAutoencoder.Configuration
  let layout: SparseAutoencoder.Layout
  /// The batch rows, dense and unscaled.
  let x: [[Double]]

  func evaluate(_ theta: [Double]) -> Evaluation {
    let c = configuration
    let n = layout.inputs
    let h = layout.hidden
    let batch = x.count
    let s = c.scale
    let encoderWeight = layout.encoderWeight.lowerBound
    let encoderBias = layout.encoderBias.lowerBound
    let decoderWeight = layout.decoderWeight.lowerBound
    let decoderBias = layout.decoderBias.lowerBound
    var pattern: [Bool] = []
    var margin = Double.infinity
    var terms = ReferenceTerms()

    // Encoder: a = b₁ + Σ_c (s·x_c)·W₁[:, c], with W₁[j, c] = θ[encoderWeight + c·h + j].
    var codes: [[Double]] = []
    for row in x {
      var a = [Double](repeating: 0, count: h)
      for j in 0..<h {
        var sum = theta[encoderBias + j]
        for column in 0..<n { sum += s * row[column] * theta[encoderWeight + column * h + j] }
        a[j] = sum
      }
      var code = [Double](repeating: 0, count: h)
      if let k = c.topK {
        // The k largest pre-activations, ties to the lower index, then max(0, ·).
        let order = (0..<h).sorted { a[$0] != a[$1] ? a[$0] > a[$1] : $0 < $1 }
        var kept = [Bool](repeating: false, count: h)
        for j in order.prefix(k) { kept[j] = true }
        for j in 0..<h {
          code[j] = kept[j] ? max(0, a[j]) : 0
          pattern.append(kept[j])
          pattern.append(a[j] > 0)
          if kept[j] { margin = min(margin, abs(a[j])) }
        }
        if k < h { margin = min(margin, a[order[k - 1]] - a[order[k]]) }
      } else {
        for j in 0..<h {
          switch c.activation {
          case .sigmoid:
            code[j] = 1 / (1 + exp(-a[j]))
          case .relu:
            code[j] = max(0, a[j])
            pattern.append(a[j] > 0)
            margin = min(margin, abs(a[j]))
          }
        }
      }
      codes.append(code)
    }

    // Decoder and reconstruction: x̂ = g(W₂·code + b₂), W₂[c, j] = θ[decoderWeight + c·h + j].
    var reconstruction = 0.0
    for (r, row) in x.enumerated() {
      var rowLoss = 0.0
      for column in 0..<n {
        var z = theta[decoderBias + column]
        for j in 0..<h { z += theta[decoderWeight + column * h + j] * codes[r][j] }
        let xhat = c.output == .sigmoid ? 1 / (1 + exp(-z)) : z
        let t = s * row[column]
        switch c.loss {
        case .mse:
          rowLoss += 0.5 * (xhat - t) * (xhat - t)
        case .bce:
          let y = min(max(t, 0), 1)
          let p = min(max(xhat, 1e-7), 1 - 1e-7)
          pattern.append(p != xhat)
          rowLoss -= y * log(p) + (1 - y) * log(1 - p)
        }
      }
      reconstruction += rowLoss
    }
    terms.reconstruction = reconstruction / Double(batch)

    // Sparsity: β·Σⱼ KL(ρ‖ρ̂ⱼ), ρ̂ⱼ the batch mean of code j clamped to [1e-6, 1 − 1e-6].
    if c.usesKL {
      let rho = c.sparsityTarget
      var kl = 0.0
      for j in 0..<h {
        var mean = 0.0
        for r in 0..<batch { mean += codes[r][j] }
        mean /= Double(batch)
        let q = min(max(mean, 1e-6), 1 - 1e-6)
        pattern.append(q != mean)
        kl += rho * log(rho / q) + (1 - rho) * log((1 - rho) / (1 - q))
      }
      terms.sparsity = c.sparsityWeight * kl
    }

    // L1: α·mean over rows of Σⱼ |codeⱼ|.
    if c.l1Weight > 0 {
      var sum = 0.0
      for r in 0..<batch { for j in 0..<h { sum += abs(codes[r][j]) } }
      terms.l1 = c.l1Weight * sum / Double(batch)
    }

    // Weight decay: ½·λ·Σθ² over the weights; tied weights count twice.
    if c.weightDecay > 0 {
      let lambda = c.weightDecay * (layout.tied ? 2 : 1)
      var squares = 0.0
      for range in layout.weights { for i in range { squares += theta[i] * theta[i] } }
      terms.weightDecay = 0.5 * lambda * squares
    }
    return Evaluation(terms: terms, pattern: pattern, margin: margin)
  }

  /// Central differences of `term` with step 1e-6; `smooth` is false when θ − step and θ + step
  /// see different active sets, selections or clamps (a kink lies in between).
  func numericGradient(
    _ theta: [Double], term: (ReferenceTerms) -> Double = { $0.total }
  ) -> [(value: Double, smooth: Bool)] {
    theta.indices.map { i in
      var plus = theta
      var minus = theta
      plus[i] += Self.step
      minus[i] -= Self.step
      let up = evaluate(plus)
      let down = evaluate(minus)
      let value = (term(up.terms) - term(down.terms)) / (plus[i] - minus[i])
      return (value, up.pattern == down.pattern)
    }
  }
}

/// What a comparison of a numeric and an analytic gradient found.
private struct Agreement {
  /// Significant entries compared (see the criterion at the top of the file).
  var checked = 0
  /// Entries left out because a kink lies within the step.
  var kinks = 0
  /// The largest relative error among the significant entries.
  var maxRelative = 0.0
  /// The entries that break the criterion.
  var failures: [String] = []
}

/// Compares `numeric` with `analytic` entry by entry: |num − ana| ≤ 1e-4·max(|num|, |ana|) +
/// floor(i) on every smooth entry.
private func compare(
  numeric: [(value: Double, smooth: Bool)], analytic: [Double],
  floor: (Int) -> Double = { _ in 1e-6 }
) -> Agreement {
  var agreement = Agreement()
  var largest = 0.0
  for i in analytic.indices where numeric[i].smooth {
    largest = max(largest, abs(numeric[i].value), abs(analytic[i]))
  }
  for i in analytic.indices {
    guard numeric[i].smooth else {
      agreement.kinks += 1
      continue
    }
    let num = numeric[i].value
    let ana = analytic[i]
    let size = max(abs(num), abs(ana))
    if abs(num - ana) > 1e-4 * size + floor(i) {
      agreement.failures.append("θ[\(i)]: numeric \(num), analytic \(ana)")
    }
    if size > 1e-4 * largest {
      agreement.checked += 1
      agreement.maxRelative = max(agreement.maxRelative, abs(num - ana) / size)
    }
  }
  return agreement
}

/// The library's loss and Float gradient (weight decay not folded into the optimizer).
private func analytic(
  _ configuration: SparseAutoencoder.Configuration, layout: SparseAutoencoder.Layout,
  x: SparseMatrix, rows: [Int], theta: [Float]
) -> (terms: SparseAutoencoder.Terms, gradient: [Float]) {
  var trainer = SparseAutoencoder.Trainer(configuration: configuration, layout: layout)
  var gradient = [Float](repeating: 0, count: layout.count)
  let terms = trainer.lossAndGradient(x, rows: rows, theta: theta, gradient: &gradient)
  return (terms, gradient)
}

/// Relative difference of two loss values.
private func relativeDifference(_ a: Double, _ b: Double) -> Double {
  abs(a - b) / max(abs(a), abs(b), 1e-12)
}

@Suite struct SparseAutoencoderReferenceGradientTests {
  /// The variants of `SparseAutoencoderGradientTests`, plus ReLU (untied) with sigmoid outputs.
  static let variants =
    SparseAutoencoderGradientTests.variants + [
      .init(
        hiddenUnits: 4, activation: .relu, output: .sigmoid, topK: nil, sparsityWeight: 0.5,
        weightDecay: 1e-2, l1Weight: 0.05, inputScale: 3, unitNormDecoder: false)
    ]

  static let columns = 9

  static func layout(_ configuration: SparseAutoencoder.Configuration) -> SparseAutoencoder.Layout {
    SparseAutoencoder.Layout(
      inputs: columns, hidden: configuration.hiddenUnits, tied: configuration.tiedWeights)
  }

  /// The trainer's initialization, moved off it by a seeded perturbation (as the Float test).
  static func parameters(
    _ configuration: SparseAutoencoder.Configuration, layout: SparseAutoencoder.Layout
  ) -> [Float] {
    var theta = SparseAutoencoder.Trainer(configuration: configuration, layout: layout).theta
    var generator = SeededGenerator(seed: 99)
    for i in theta.indices { theta[i] += (generator.nextFloat() - 0.5) * 0.5 }
    return theta
  }

  @Test(arguments: Array(variants.indices))
  func floatGradientMatchesDoubleReference(_ index: Int) throws {
    let configuration = Self.variants[index]
    let layout = Self.layout(configuration)
    let data = referenceSparse(rows: 6, columns: Self.columns, density: 0.4, seed: 5)
    let rows = Array(0..<6)
    let theta = Self.parameters(configuration, layout: layout)
    let (terms, gradient) = analytic(
      configuration, layout: layout, x: data.matrix, rows: rows, theta: theta)

    let reference = ReferenceAutoencoder(
      configuration: configuration, layout: layout, x: rows.map { data.dense[$0] })
    let thetaDouble = theta.map(Double.init)
    let evaluation = reference.evaluate(thetaDouble)
    // Far enough from every kink that the Float forward pass sees the same active set.
    #expect(evaluation.margin > 1e-5)
    let expected = evaluation.terms
    #expect(relativeDifference(terms.total, expected.total) < 1e-5)
    #expect(relativeDifference(terms.reconstruction, expected.reconstruction) < 1e-5)
    #expect(abs(terms.sparsity - expected.sparsity) <= 1e-5 * max(expected.sparsity, 1e-3))
    #expect(abs(terms.l1 - expected.l1) <= 1e-5 * max(expected.l1, 1e-3))
    #expect(abs(terms.weightDecay - expected.weightDecay) <= 1e-5 * max(expected.weightDecay, 1e-3))

    let agreement = compare(
      numeric: reference.numericGradient(thetaDouble), analytic: gradient.map(Double.init))
    #expect(agreement.failures.isEmpty, "\(agreement.failures)")
    #expect(agreement.checked > layout.count / 2, "only \(agreement.checked) of \(layout.count)")
    #expect(agreement.maxRelative < 1e-4)
  }

  /// The gradient of each loss term on its own: the reconstruction term with every penalty off,
  /// and each penalty (KL, L1, weight decay) as the difference of the library's gradients with
  /// and without it, on a batch that is a shuffled subset of the rows. The difference of two
  /// Float gradients keeps the rounding of both, so the floor grows by 1e-6 of their size.
  @Test(arguments: Array(variants.indices))
  func eachLossTermGradientMatchesDoubleReference(_ index: Int) throws {
    let variant = Self.variants[index]
    let layout = Self.layout(variant)
    let data = referenceSparse(rows: 8, columns: Self.columns, density: 0.4, seed: 5)
    let rows = [6, 1, 3, 7, 0, 4]
    let theta = Self.parameters(variant, layout: layout)
    let thetaDouble = theta.map(Double.init)
    let batch = rows.map { data.dense[$0] }

    var bare = variant
    bare.sparsityWeight = 0
    bare.l1Weight = 0
    bare.weightDecay = 0
    let base = analytic(bare, layout: layout, x: data.matrix, rows: rows, theta: theta)
    let baseReference = ReferenceAutoencoder(configuration: bare, layout: layout, x: batch)
    #expect(baseReference.evaluate(thetaDouble).margin > 1e-5)
    let reconstruction = compare(
      numeric: baseReference.numericGradient(thetaDouble) { $0.reconstruction },
      analytic: base.gradient.map(Double.init))
    #expect(reconstruction.failures.isEmpty, "reconstruction: \(reconstruction.failures)")
    #expect(reconstruction.checked > layout.count / 2)

    var penalties: [(name: String, configuration: SparseAutoencoder.Configuration)] = []
    if variant.usesKL {
      var kl = bare
      kl.sparsityWeight = variant.sparsityWeight
      penalties.append(("KL", kl))
    }
    if variant.l1Weight > 0 {
      var l1 = bare
      l1.l1Weight = variant.l1Weight
      penalties.append(("L1", l1))
    }
    if variant.weightDecay > 0 {
      var decay = bare
      decay.weightDecay = variant.weightDecay
      penalties.append(("weight decay", decay))
    }
    #expect(!penalties.isEmpty)
    for (name, configuration) in penalties {
      let full = analytic(configuration, layout: layout, x: data.matrix, rows: rows, theta: theta)
      let difference = theta.indices.map { Double(full.gradient[$0]) - Double(base.gradient[$0]) }
      let reference = ReferenceAutoencoder(configuration: configuration, layout: layout, x: batch)
      let numeric = reference.numericGradient(thetaDouble) {
        $0.sparsity + $0.l1 + $0.weightDecay
      }
      let agreement = compare(numeric: numeric, analytic: difference) { i in
        1e-6 + 1e-6 * max(abs(Double(full.gradient[i])), abs(Double(base.gradient[i])))
      }
      #expect(agreement.failures.isEmpty, "\(name): \(agreement.failures)")
      #expect(agreement.checked > 0, "\(name): nothing checked")
    }
  }

  /// The reference itself is not trivially right: at θ = 0 its loss and gradient have a closed
  /// form, and at the test's θ its gradient is far from zero in every parameter block.
  @Test(arguments: Array(variants.indices))
  func referenceGradientIsNotTriviallyZero(_ index: Int) throws {
    let configuration = Self.variants[index]
    let layout = Self.layout(configuration)
    let data = referenceSparse(rows: 6, columns: Self.columns, density: 0.4, seed: 5)
    let reference = ReferenceAutoencoder(
      configuration: configuration, layout: layout, x: data.dense)
    let theta = Self.parameters(configuration, layout: layout).map(Double.init)
    let gradient = reference.numericGradient(theta)
    var blocks = [layout.encoderWeight, layout.encoderBias, layout.decoderBias]
    if !layout.tied { blocks.append(layout.decoderWeight) }
    for block in blocks {
      let largest = block.map { abs(gradient[$0].value) }.max() ?? 0
      #expect(largest > 1e-3, "block \(block): largest |gradient| \(largest)")
    }
    #expect(reference.evaluate(theta).terms.total > 0)
  }

  /// At θ = 0 with sigmoid codes and identity outputs, every code is ½ and x̂ = 0, so
  /// J = mean_r Σ_c ½(s·x_rc)² + β·h·KL(ρ‖½) + α·h/2, ∂J/∂b₂[c] = −s·mean_r x_rc and
  /// ∂J/∂W₂[c, j] = −s·mean_r x_rc / 2; the library agrees on the loss.
  @Test func referenceHasTheClosedFormAtZero() throws {
    let configuration = Self.variants[0]
    let layout = Self.layout(configuration)
    let data = referenceSparse(rows: 6, columns: Self.columns, density: 0.4, seed: 5)
    let reference = ReferenceAutoencoder(
      configuration: configuration, layout: layout, x: data.dense)
    let zero = [Double](repeating: 0, count: layout.count)
    let s = configuration.scale
    let h = Double(layout.hidden)
    let rho = configuration.sparsityTarget
    var reconstruction = 0.0
    for row in data.dense { for value in row { reconstruction += 0.5 * (s * value) * (s * value) } }
    reconstruction /= Double(data.dense.count)
    let kl = rho * log(rho / 0.5) + (1 - rho) * log((1 - rho) / 0.5)
    let expected =
      reconstruction + configuration.sparsityWeight * h * kl + configuration.l1Weight * h / 2
    let total = reference.evaluate(zero).terms.total
    #expect(relativeDifference(total, expected) < 1e-12)
    let library = analytic(
      configuration, layout: layout, x: data.matrix, rows: Array(0..<6),
      theta: [Float](repeating: 0, count: layout.count))
    #expect(relativeDifference(library.terms.total, expected) < 1e-5)

    let gradient = reference.numericGradient(zero)
    for c in 0..<layout.inputs {
      let mean = data.dense.map { $0[c] }.reduce(0, +) / Double(data.dense.count)
      #expect(abs(gradient[layout.decoderBias.lowerBound + c].value + s * mean) < 1e-7)
      for j in 0..<layout.hidden {
        let entry = gradient[layout.decoderWeight.lowerBound + c * layout.hidden + j].value
        #expect(abs(entry + s * mean / 2) < 1e-7)
      }
    }
  }
}
