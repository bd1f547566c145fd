import Foundation
import Testing

@testable import SparseText

/// A small random nonnegative sparse matrix.
func randomSparse(rows: Int, columns: Int, density: Double, seed: UInt64) -> SparseMatrix {
  var generator = SeededGenerator(seed: seed)
  var entries: [[(column: Int, value: Float)]] = []
  for _ in 0..<rows {
    var row: [(column: Int, value: Float)] = []
    for c in 0..<columns where generator.nextDouble() < density {
      row.append((c, 0.05 + generator.nextFloat() * 0.2))
    }
    if row.isEmpty { row.append((Int(generator.next() % UInt64(columns)), 0.1)) }
    entries.append(row)
  }
  // swift-format-ignore: NeverUseForceTry
  return try! SparseMatrix(rows: entries, columns: columns)
}

@Suite struct SparseAutoencoderGradientTests {
  static let variants: [SparseAutoencoder.Configuration] = [
    .init(
      hiddenUnits: 4, activation: .sigmoid, output: .identity, topK: nil, sparsityWeight: 3,
      weightDecay: 1e-2, l1Weight: 0.1, inputScale: 3, unitNormDecoder: false),
    .init(
      hiddenUnits: 4, activation: .sigmoid, output: .sigmoid, topK: nil, sparsityWeight: 0.5,
      weightDecay: 1e-2, loss: .bce, inputScale: 3, unitNormDecoder: false),
    .init(
      hiddenUnits: 4, activation: .relu, output: .identity, tiedWeights: true, topK: nil,
      sparsityWeight: 0.5, weightDecay: 1e-2, l1Weight: 0.05, inputScale: 3, unitNormDecoder: false),
    .init(
      hiddenUnits: 4, activation: .sigmoid, output: .identity, tiedWeights: true, topK: nil,
      sparsityWeight: 1, weightDecay: 1e-3, loss: .mse, inputScale: 3, unitNormDecoder: false),
    .init(
      hiddenUnits: 5, output: .identity, topK: 2, weightDecay: 1e-2, inputScale: 3,
      unitNormDecoder: false),
  ]

  /// Central differences in Float with step 1e-3 against the analytic gradient. Float rounding of
  /// the activations limits the agreement, so the tolerance is a relative error of 2e-2 on
  /// entries whose gradient is not tiny (documented in the SparseAutoencoder docs).
  @Test(arguments: Array(variants.indices))
  func analyticGradientMatchesFiniteDifferences(_ index: Int) throws {
    let configuration = Self.variants[index]
    let x = randomSparse(rows: 6, columns: 9, density: 0.4, seed: 5)
    let layout = SparseAutoencoder.Layout(
      inputs: 9, hidden: configuration.hiddenUnits, tied: configuration.tiedWeights)
    var trainer = SparseAutoencoder.Trainer(configuration: configuration, layout: layout)
    var generator = SeededGenerator(seed: 99)
    for i in trainer.theta.indices { trainer.theta[i] += (generator.nextFloat() - 0.5) * 0.5 }
    let rows = Array(0..<6)
    var gradient = [Float](repeating: 0, count: layout.count)
    let theta = trainer.theta
    _ = trainer.lossAndGradient(x, rows: rows, theta: theta, gradient: &gradient)
    var checked = 0
    for i in theta.indices {
      var plus = theta
      var minus = theta
      let step: Float = 1e-3
      plus[i] += step
      minus[i] -= step
      var scratch = [Float](repeating: 0, count: layout.count)
      let up = trainer.lossAndGradient(x, rows: rows, theta: plus, gradient: &scratch).total
      let down = trainer.lossAndGradient(x, rows: rows, theta: minus, gradient: &scratch).total
      let numeric = (up - down) / Double(2 * step)
      let analytic = Double(gradient[i])
      if abs(numeric) < 1e-3 && abs(analytic) < 1e-3 { continue }
      // TopK: the loss has a kink where the kept set changes. Leave out exactly the parameters
      // whose perturbation crosses one (the kept set differs between θ − step and θ + step);
      // every other entry must match, however large its error.
      if configuration.topK != nil,
        Self.keptUnits(x, theta: plus, configuration, layout)
          != Self.keptUnits(x, theta: minus, configuration, layout)
      {
        continue
      }
      let relative = abs(numeric - analytic) / max(abs(numeric), abs(analytic))
      #expect(relative < 2e-2, "parameter \(i): numeric \(numeric), analytic \(analytic)")
      checked += 1
    }
    #expect(checked > layout.count / 4)
  }

  /// For each row, which units TopK keeps with a positive activation (ties to the lower index),
  /// computed in Double from θ's encoder: the discrete state TopK's gradient holds constant.
  static func keptUnits(
    _ x: SparseMatrix, theta: [Float], _ configuration: SparseAutoencoder.Configuration,
    _ layout: SparseAutoencoder.Layout
  ) -> [[Bool]] {
    let h = layout.hidden
    let k = configuration.topK ?? h
    let scale = configuration.scale
    return (0..<x.rows).map { r in
      var a = (0..<h).map { Double(theta[layout.encoderBias.lowerBound + $0]) }
      let (columns, values) = x.row(r)
      for (c, v) in zip(columns, values) {
        for j in 0..<h {
          a[j] +=
            scale * Double(v) * Double(theta[layout.encoderWeight.lowerBound + Int(c) * h + j])
        }
      }
      let order = (0..<h).sorted { a[$0] != a[$1] ? a[$0] > a[$1] : $0 < $1 }
      var kept = [Bool](repeating: false, count: h)
      for j in order.prefix(k) where a[j] > 0 { kept[j] = true }
      return kept
    }
  }
}

@Suite struct SparseAutoencoderTrainingTests {
  @Test func sameSeedSameModelAndLossDecreases() throws {
    let x = randomSparse(rows: 40, columns: 30, density: 0.15, seed: 1)
    let configuration = SparseAutoencoder.Configuration(
      hiddenUnits: 8, topK: nil, inputScale: 5, unitNormDecoder: false, epochs: 12, batchSize: 8,
      seed: 7, validationFraction: 0)
    let a = try SparseAutoencoder(training: x, configuration: configuration)
    let b = try SparseAutoencoder(training: x, configuration: configuration)
    #expect(a.theta == b.theta)
    #expect(a.history.count == 12)
    #expect(a.history.last!.loss < a.history.first!.loss)
    var other = configuration
    other.seed = 8
    #expect(try SparseAutoencoder(training: x, configuration: other).theta != a.theta)
  }

  /// A unit's top terms are its own decoder column; a unit that does not exist is an error
  /// naming the field, not a neighbour's weights (or the decoder bias) read silently.
  @Test func topTermsReadOnlyUnitsThatExist() throws {
    let x = randomSparse(rows: 20, columns: 12, density: 0.3, seed: 2)
    let model = try SparseAutoencoder(
      training: x, configuration: .init(hiddenUnits: 4, epochs: 2, batchSize: 8))
    let top = try model.topTerms(latent: 3, count: 12)
    #expect(top.count == 12)
    #expect(zip(top, top.dropFirst()).allSatisfy { $0.weight >= $1.weight })
    for latent in [-1, 4, 1_000] {
      #expect {
        try model.topTerms(latent: latent, count: 3)
      } throws: { error in
        guard case ConfigurationError.outOfRange(.latent, _, _) = error else { return false }
        return true
      }
    }
  }

  /// With reconstruction sampling (the reference step) and without (the blocked step).
  @Test(arguments: [4, nil] as [Int?])
  func resumingFromACheckpointGivesTheUninterruptedResult(sampledColumns: Int?) throws {
    let x = randomSparse(rows: 30, columns: 20, density: 0.2, seed: 2)
    var configuration = SparseAutoencoder.Configuration(
      hiddenUnits: 6, topK: nil, inputScale: 5, unitNormDecoder: false, epochs: 6, batchSize: 7,
      seed: 3, sampledColumns: sampledColumns)
    let full = try SparseAutoencoder(training: x, configuration: configuration)
    let saved = CheckpointBox()
    configuration.epochs = 6
    _ = try SparseAutoencoder(training: x, configuration: configuration) { event in
      if case .checkpoint(let checkpoint) = event, checkpoint.epoch == 3 { saved.set(checkpoint) }
    }
    let checkpoint = try #require(saved.value)
    let resumed = try SparseAutoencoder(
      training: x, configuration: configuration, resumingFrom: checkpoint)
    #expect(resumed.theta == full.theta)
    #expect(resumed.history.count == 6)
  }

  /// Under reconstruction sampling the update is lazy: encoder rows of terms absent from the
  /// batch keep their weights, only the sampled decoder rows move, and the weight-decay term
  /// kept from the touched rows equals a full recount.
  @Test func samplingUpdatesOnlyTheRowsOfTheBatch() throws {
    var rows: [[(column: Int, value: Float)]] = []
    for r in 0..<10 { rows.append([(r, 0.5), ((r * 3 + 1) % 10, 0.25)]) }
    let x = try SparseMatrix(rows: rows, columns: 20)  // columns 10..<20 never occur
    let configuration = SparseAutoencoder.Configuration(
      hiddenUnits: 3, topK: nil, inputScale: 5, unitNormDecoder: false, epochs: 1, batchSize: 10,
      seed: 9, sampledColumns: 2)
    let layout = SparseAutoencoder.Layout(inputs: 20, hidden: 3, tied: false)
    var trainer = SparseAutoencoder.Trainer(configuration: configuration, layout: layout)
    let before = trainer.theta
    try trainer.train(x, progress: nil)
    func changed(_ range: Range<Int>) -> Bool { trainer.theta[range] != before[range] }
    for column in 0..<20 {
      let encoder = (column * 3)..<(column * 3 + 3)
      #expect(changed(encoder) == (column < 10), "encoder row \(column)")
    }
    let decoderStart = layout.decoderWeight.lowerBound
    let movedAbsent = (10..<20).filter {
      changed((decoderStart + $0 * 3)..<(decoderStart + $0 * 3 + 3))
    }
    #expect(movedAbsent.count == 2, "sampled decoder rows: \(movedAbsent)")
    let bias = layout.encoderBias
    #expect(trainer.updateRanges?.contains { $0.clamped(to: bias) == bias } == true)
    // The reported weight-decay term of the only batch is ½λ·Σθ² of the initial weights.
    let squares = layout.weights.flatMap { Array(before[$0]) }.reduce(0.0) { $0 + Double($1 * $1) }
    let reported = trainer.history[0].weightDecay
    let expected = 0.5 * configuration.weightDecay * squares
    #expect(expected > 0)
    #expect(abs(reported - expected) < 1e-6 * max(1, reported))
  }

  static let blockedVariants: [SparseAutoencoder.Configuration] = [
    .init(hiddenUnits: 4, topK: nil, weightDecay: 1e-2, inputScale: 3, unitNormDecoder: false),
    .init(
      hiddenUnits: 4, output: .sigmoid, topK: nil, weightDecay: 0, loss: .bce, inputScale: 3,
      unitNormDecoder: false),
    .init(
      hiddenUnits: 4, activation: .relu, topK: nil, l1Weight: 0.05, inputScale: 3,
      unitNormDecoder: false),
    .init(hiddenUnits: 5, topK: 2, weightDecay: 1e-2, inputScale: 3, unitNormDecoder: false),
    .init(
      hiddenUnits: 4, topK: nil, weightDecay: 1e-3, inputScale: 3, unitNormDecoder: false,
      optimizer: .sgd, learningRate: 0.1),
    .init(
      hiddenUnits: 4, topK: nil, weightDecay: 1e-3, inputScale: 3, unitNormDecoder: false,
      optimizer: .adadelta),
    // The Gram form (squared error, identity outputs) with each code function and optimizer.
    .init(
      hiddenUnits: 4, topK: nil, weightDecay: 1e-2, inputScale: 3, unitNormDecoder: false,
      exactStep: .gram),
    .init(
      hiddenUnits: 4, activation: .relu, topK: nil, l1Weight: 0.05, inputScale: 3,
      unitNormDecoder: false, exactStep: .gram),
    .init(
      hiddenUnits: 5, topK: 2, weightDecay: 1e-2, inputScale: 3, unitNormDecoder: false,
      exactStep: .gram),
    .init(
      hiddenUnits: 4, topK: nil, weightDecay: 1e-3, inputScale: 3, unitNormDecoder: false,
      optimizer: .sgd, learningRate: 0.1, exactStep: .gram),
  ]

  /// The blocked step (decoder in column blocks with its update, encoder rows visited for the
  /// batch and the next one, other rows' updates deferred) moves every parameter and optimizer
  /// state as the reference gradient followed by the optimizer's dense step does, up to the
  /// order of sums; blocks of 5 columns over 23 leave a short last block, and the batches miss
  /// some terms, whose updates wait for several steps.
  ///
  /// After each step the rows it brought up to date, the decoder and the biases must match the
  /// reference; after ``settle(decay:)`` every parameter and each step's `Σθ²` must. The second
  /// step is given no next batch, so the third encodes its batch itself after bringing its rows
  /// up to date.
  ///
  /// The Gram form (``SparseAutoencoder/ExactStep/gram``) must give the same steps: its loss
  /// and gradients are the decoded ones, computed without decoding the absent columns.
  ///
  /// The last cases have 600 columns, so the encoder's rows (its gradient and update) are split
  /// over workers, and batches of 64 documents with over 2,000 entries.
  @Test(
    arguments: Array(blockedVariants.indices).map { ($0, 12, 23, 0.15) } + [
      (0, 128, 600, 0.06), (6, 128, 600, 0.06),
    ],
    [5, 64])
  func blockedStepMatchesTheReferenceStep(
    _ setting: (index: Int, rows: Int, columns: Int, density: Double), blockWidth: Int
  ) {
    let configuration = Self.blockedVariants[setting.index]
    let x = randomSparse(
      rows: setting.rows, columns: setting.columns, density: setting.density, seed: 21)
    let layout = SparseAutoencoder.Layout(
      inputs: setting.columns, hidden: configuration.hiddenUnits, tied: false)
    var blocked = SparseAutoencoder.Trainer(configuration: configuration, layout: layout)
    blocked.blockWidth = blockWidth
    #expect(blocked.trainsInBlocks)
    #expect(blocked.trainsInGramForm == (configuration.exactStep == .gram))
    var reference = blocked
    let decay =
      configuration.weightDecay > 0
      ? Optimizer.Decay(lambda: Float(configuration.weightDecay), ranges: layout.weights) : nil
    func close(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>, _ what: String) {
      let worst = zip(a, b).map { abs(Double($0) - Double($1)) / max(1e-3, abs(Double($1))) }
        .max()!
      #expect(worst < 1e-4, "\(what): relative difference \(worst)")
    }
    // Every parameter range that is up to date after `step` steps.
    func current(after step: Int) -> [Range<Int>] {
      let h = layout.hidden
      let rows = (0..<layout.inputs).filter { (blocked.deferred?.current[$0] ?? step) == step }
      return rows.map {
        (layout.encoderWeight.lowerBound + $0 * h)..<(layout.encoderWeight.lowerBound + ($0 + 1) * h)
      }
        + [layout.encoderBias, layout.decoderWeight, layout.decoderBias]
    }
    func compare(_ ranges: [Range<Int>], _ what: String) {
      for range in ranges {
        close(blocked.theta[range], reference.theta[range], "parameters \(what)")
        for (a, b) in zip(blocked.optimizer.state, reference.optimizer.state) {
          close(a[range], b[range], "optimizer state \(what)")
        }
      }
    }
    let batches =
      setting.rows > 12
      ? [Array(0..<64), Array(64..<128), Array(32..<96), Array(0..<64)]
      : [[0, 3, 5, 7], [1, 2, 4], [6, 8, 9, 10, 11], [0, 11]]
    var prepared = blocked.prepare(x, rows: batches[0])
    var referenceSquares: [Double] = []
    for (step, rows) in batches.enumerated() {
      let next =
        step + 1 < batches.count && step != 1 ? blocked.prepare(x, rows: batches[step + 1]) : nil
      let result = blocked.blockedStep(x, batch: prepared, next: next, decay: decay)
      #expect((result.next?.codes != nil) == (next != nil))
      prepared =
        result.next
        ?? (step + 1 < batches.count ? blocked.prepare(x, rows: batches[step + 1]) : prepared)
      var gradient = [Float](repeating: 0, count: layout.count)
      var theta = reference.theta
      let terms = reference.lossAndGradient(
        x, rows: rows, theta: theta, gradient: &gradient, foldWeightDecay: true)
      // Through a copy: the nested functions above capture `reference` whole.
      referenceSquares.append(reference.optimizer.step(&theta, gradient: gradient, decay: decay))
      reference.theta = theta
      #expect(abs(result.terms.total - terms.total) <= 1e-5 * max(1, abs(terms.total)))
      #expect(abs(result.terms.meanActivation - terms.meanActivation) < 1e-6)
      compare(current(after: step + 1), "after step \(step)")
    }
    let squares = blocked.settle(decay: decay)
    #expect(blocked.deferred == nil)
    #expect(squares.count == batches.count)
    for (a, b) in zip(squares, referenceSquares) {
      #expect(abs(a - b) <= 1e-5 * max(1, b), "Σθ² \(a) against \(b)")
    }
    compare([0..<layout.count], "after settling")
    #expect(blocked.optimizer.steps == 4)
  }

  /// A batch's entries by column come out the same from the radix sort (few entries over many
  /// columns) and from counting (many entries), and in the order a plain sort gives.
  @Test(arguments: [(40, 30, 0.2), (6, 5000, 0.002), (64, 600, 0.06)])
  func batchEntriesByColumnAgree(_ shape: (rows: Int, columns: Int, density: Double)) {
    let x = randomSparse(
      rows: shape.rows, columns: shape.columns, density: shape.density, seed: 8)
    let rows = (0..<shape.rows).reversed().filter { $0 % 3 != 1 }
    let total = rows.reduce(0) { $0 + x.storageRange(ofRow: $1).count }
    let width = 7
    let blocks = (shape.columns + width - 1) / width
    typealias Trainer = SparseAutoencoder.Trainer
    let chosen = Trainer.entriesByColumn(
      x, rows: rows, scale: 2, blockWidth: width, blocks: blocks)
    let counted = Trainer.countedByColumn(
      x, rows: rows, total: total, scale: 2, blockWidth: width, blocks: blocks)
    var expected: [(key: UInt64, value: Float)] = []
    for (local, r) in rows.enumerated() {
      for p in x.storageRange(ofRow: r) {
        expected.append((UInt64(x.columnIndices[p]) << 32 | UInt64(local), 2 * x.values[p]))
      }
    }
    expected.sort { $0.key < $1.key }
    #expect(total > 0)
    for result in [chosen, counted] {
      #expect(result.entries.map(\.key) == expected.map(\.key))
      #expect(result.entries.map(\.value) == expected.map(\.value))
      let columns = expected.map { Int($0.key >> 32) }
      #expect(result.terms == Array(Set(columns)).sorted())
      #expect(
        result.termStart == result.terms.map { t in columns.firstIndex { $0 >= t }! } + [total])
      #expect(
        result.firstEntry
          == (0...blocks).map { b in columns.firstIndex { $0 >= b * width } ?? total })
    }
  }

  @Test func topKKeepsExactlyKUnits() throws {
    let x = randomSparse(rows: 20, columns: 25, density: 0.3, seed: 4)
    let model = try SparseAutoencoder(
      training: x,
      configuration: .init(
        hiddenUnits: 10, topK: 3, inputScale: 5, unitNormDecoder: false, epochs: 2, batchSize: 5))
    let codes = try model.encode(x)
    // The kept units are the row's 3 largest pre-activations (those above 0), recomputed in
    // Double from the model's encoder: exactly those are nonzero, and every row has 3 of them.
    let kept = SparseAutoencoderGradientTests.keptUnits(
      x, theta: model.theta, model.configuration, model.layout)
    var full = 0
    for r in 0..<codes.rows {
      let nonzero = codes.row(r).map { $0 != 0 }
      #expect(nonzero == kept[r], "row \(r)")
      #expect(nonzero.filter { $0 }.count <= 3)
      if nonzero.filter({ $0 }).count == 3 { full += 1 }
    }
    // Rows with fewer than 3 positive pre-activations are rare; most rows keep exactly 3.
    #expect(full > codes.rows / 2, "rows with 3 nonzero codes: \(full) of \(codes.rows)")
  }

  @Test func parametersRoundTripAndEncodeMatchesTheFormula() throws {
    let x = randomSparse(rows: 12, columns: 10, density: 0.3, seed: 6)
    let configuration = SparseAutoencoder.Configuration(
      hiddenUnits: 4, topK: nil, inputScale: 2, unitNormDecoder: false, epochs: 2, batchSize: 4)
    let model = try SparseAutoencoder(training: x, configuration: configuration)
    let restored = try SparseAutoencoder(parameters: model.parameters, configuration: configuration)
    #expect(try restored.encode(x) == model.encode(x))
    // h = σ(W₁·(s·x) + b₁) with W₁ = encoder.weight [hidden, inputs].
    let w = model.parameters["encoder.weight"]!.values
    let b = model.parameters["encoder.bias"]!.values
    let codes = try model.encode(x)
    let dense = x.densified()
    for j in 0..<4 {
      var a = Double(b[j])
      for c in 0..<10 { a += Double(w[j * 10 + c]) * 2 * Double(dense[0, c]) }
      #expect(abs(1 / (1 + exp(-a)) - Double(codes[0, j])) < 1e-5)
    }
    #expect(throws: ModelFormatError.self) {
      var broken = model.parameters
      broken["decoder.bias"] = Tensor(vector: [1, 2])
      _ = try SparseAutoencoder(parameters: broken, configuration: configuration)
    }
  }

  /// Encoding a range of rows gives those rows of the whole matrix's codes, bit for bit (the
  /// pipeline encodes a million rows a block at a time for their statistics).
  @Test func encodingARangeOfRowsGivesThoseRowsCodes() throws {
    let x = randomSparse(rows: 300, columns: 40, density: 0.2, seed: 8)
    let configuration = SparseAutoencoder.Configuration(
      hiddenUnits: 6, topK: nil, inputScale: 2, unitNormDecoder: false, epochs: 1, batchSize: 32)
    let model = try SparseAutoencoder(training: x, configuration: configuration)
    let all = model.encodeUnchecked(x)
    for range in [0..<300, 0..<1, 7..<200, 299..<300, 150..<150] {
      #expect(model.encodeUnchecked(x, rows: range) == all.selectingRows(range), "\(range)")
    }
  }

  @Test func learnsAKnownSparseSignal() throws {
    // Documents built from 4 disjoint "topics" of 5 terms each: a model with 4 units should
    // reconstruct them far better than predicting the mean.
    var entries: [[(column: Int, value: Float)]] = []
    var generator = SeededGenerator(seed: 11)
    for d in 0..<80 {
      let topic = d % 4
      entries.append((0..<5).map { (topic * 5 + $0, 0.3 + 0.1 * generator.nextFloat()) })
    }
    let x = try SparseMatrix(rows: entries, columns: 20)
    let model = try SparseAutoencoder(
      training: x,
      configuration: .init(
        hiddenUnits: 4, topK: nil, sparsityTarget: 0.25, sparsityWeight: 0.1, inputScale: 3,
        unitNormDecoder: false, learningRate: 0.01, epochs: 60, batchSize: 8))
    let metrics = try model.metrics(on: x)
    #expect(metrics.fractionOfVarianceUnexplained < 0.2, "\(metrics)")
  }
}

/// Holds a checkpoint captured from the progress callback (shared by the autoencoder tests).
final class CheckpointBox: @unchecked Sendable {
  private let lock = NSLock()
  private var stored: SparseAutoencoder.Checkpoint?
  func set(_ value: SparseAutoencoder.Checkpoint) {
    lock.lock()
    stored = value
    lock.unlock()
  }
  var value: SparseAutoencoder.Checkpoint? {
    lock.lock()
    defer { lock.unlock() }
    return stored
  }
}

@Suite struct SparseAutoencoderGramFormTests {
  /// The held-out loss in Gram form equals the decoded one, with KL and L1 terms, over chunks of
  /// 256 rows (the last one short), and with tied weights.
  @Test(arguments: [false, true])
  func validationLossInGramFormEqualsTheDecodedOne(tied: Bool) {
    let x = randomSparse(rows: 300, columns: 40, density: 0.1, seed: 4)
    let configuration = SparseAutoencoder.Configuration(
      hiddenUnits: 6, tiedWeights: tied, topK: nil, l1Weight: 0.1, inputScale: 3,
      unitNormDecoder: false)
    let layout = SparseAutoencoder.Layout(inputs: 40, hidden: 6, tied: tied)
    var trainer = SparseAutoencoder.Trainer(configuration: configuration, layout: layout)
    var generator = SeededGenerator(seed: 5)
    for i in trainer.theta.indices { trainer.theta[i] += (generator.nextFloat() - 0.5) * 0.5 }
    let rows = Array(stride(from: 299, through: 0, by: -1))
    let gram = trainer.gramValidationLoss(x, rows: rows)
    let decoded = trainer.decodedValidationLoss(x, rows: rows)
    #expect(abs(gram - decoded) <= 1e-5 * abs(decoded), "\(gram) against \(decoded)")
    #expect(gram > 0)
  }

  /// An unset exact step is chosen by the batch size (and kept unset through JSON), and a
  /// configuration written before the field existed reads as the dense step it was trained with.
  @Test func exactStepIsChosenAndDecodesAsTrained() throws {
    let x = randomSparse(rows: 20, columns: 10, density: 0.3, seed: 1)
    var configuration = SparseAutoencoder.Configuration(hiddenUnits: 8, batchSize: 8)
    #expect(configuration.resolved(for: x).exactStep == .gram)
    configuration.batchSize = 7
    #expect(configuration.resolved(for: x).exactStep == .dense)
    configuration.batchSize = 64
    configuration.loss = .bce
    configuration.output = .sigmoid
    #expect(configuration.resolved(for: x).exactStep == .dense)
    configuration.loss = .mse
    configuration.output = .identity
    configuration.sampledColumns = 3
    #expect(configuration.resolved(for: x).exactStep == .dense)

    let unset = SparseAutoencoder.Configuration()
    let data = try JSONEncoder().encode(unset)
    #expect(try JSONDecoder().decode(SparseAutoencoder.Configuration.self, from: data) == unset)
    var json = try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
    json.removeValue(forKey: "exact_step")
    let old = try JSONDecoder().decode(
      SparseAutoencoder.Configuration.self, from: JSONSerialization.data(withJSONObject: json))
    #expect(old.exactStep == .dense)
    var gram = unset
    gram.exactStep = .gram
    gram.loss = .bce
    gram.output = .sigmoid
    #expect(throws: ConfigurationError.self) { try gram.validate() }
  }
}

@Suite struct SparseAutoencoderEarlyStoppingTests {
  /// With a validation slice, training stops once `patience` epochs in a row improve the
  /// held-out loss by less than the tolerance, well before the cap, and the model keeps the
  /// parameters of the epoch with the lowest held-out loss (recomputed here on the same rows).
  @Test func stopsWhenTheValidationLossStopsFallingAndKeepsTheBestEpoch() throws {
    var entries: [[(column: Int, value: Float)]] = []
    var generator = SeededGenerator(seed: 11)
    for d in 0..<120 {
      let topic = d % 4
      entries.append((0..<5).map { (topic * 5 + $0, 0.3 + 0.1 * generator.nextFloat()) })
    }
    let x = try SparseMatrix(rows: entries, columns: 20)
    let configuration = SparseAutoencoder.Configuration(
      hiddenUnits: 4, topK: nil, sparsityTarget: 0.25, sparsityWeight: 0.1, inputScale: 3,
      unitNormDecoder: false, learningRate: 0.01, epochs: 400, batchSize: 8,
      validationFraction: 0.25, patience: 2)
    let model = try SparseAutoencoder(training: x, configuration: configuration)
    let losses = model.history.compactMap(\.validationLoss)
    #expect(losses.count == model.history.count)
    #expect(model.history.count < 400, "ran \(model.history.count) epochs")
    // The last `patience` epochs each failed to beat the best before them by 0.2%.
    let best = losses.min()!
    let bestEpoch = losses.firstIndex(of: best)!
    #expect(bestEpoch < losses.count - 1 || losses.count == 400)
    var trainer = SparseAutoencoder.Trainer(
      configuration: model.configuration, layout: model.layout)
    trainer.theta = model.theta
    let validation = trainer.split(x.rows).validation
    #expect(validation.count == 30)
    #expect(abs(trainer.validationLoss(x, rows: validation) - best) <= 1e-9 * best)
    let metrics = try model.metrics(on: x)
    #expect(metrics.fractionOfVarianceUnexplained < 0.3, "\(metrics)")
  }

  /// Without a validation slice every epoch runs and the last parameters are kept.
  @Test func withoutAValidationSliceEveryEpochRuns() throws {
    let x = randomSparse(rows: 30, columns: 12, density: 0.2, seed: 3)
    let model = try SparseAutoencoder(
      training: x,
      configuration: .init(
        hiddenUnits: 3, inputScale: 3, epochs: 7, batchSize: 4, validationFraction: 0))
    #expect(model.history.count == 7)
    #expect(model.history.allSatisfy { $0.validationLoss == nil })
  }

  /// Unset, the batch size follows the number of training rows (64 below 16,384 rows, then
  /// rows/32 rounded to a power of two up to 4,096), Adam's rate follows the batch, the exact
  /// step follows the batch, and the trained configuration records all three; a batch size set
  /// by hand keeps Adam's default rate.
  @Test func batchSizeAndLearningRateAreChosenFromTheRows() throws {
    typealias Configuration = SparseAutoencoder.Configuration
    #expect(Configuration.automaticBatchSize(rows: 2) == 64)
    #expect(Configuration.automaticBatchSize(rows: 16_383) == 64)
    #expect(Configuration.automaticBatchSize(rows: 30_526) == 1024)
    #expect(Configuration.automaticBatchSize(rows: 763_150) == 4096)
    #expect(abs(Configuration.automaticLearningRate(batchSize: 64) - 1e-3) < 1e-12)
    #expect(abs(Configuration.automaticLearningRate(batchSize: 1024) - 2e-3) < 1e-12)

    let rows = (0..<20_000).map { [(column: $0 % 7, value: Float(1))] }
    let x = try SparseMatrix(rows: rows, columns: 7)
    let resolved = Configuration(hiddenUnits: 16).resolved(for: x)
    #expect(resolved.batchSize == 512)
    #expect(resolved.learningRate == Configuration.automaticLearningRate(batchSize: 512))
    #expect(resolved.exactStep == .gram)
    let small = Configuration(hiddenUnits: 256).resolved(for: x.selectingRows(0..<1000))
    #expect(small.batchSize == 64)
    #expect(small.learningRate == 1e-3)
    #expect(small.exactStep == .dense)
    let byHand = Configuration(hiddenUnits: 16, batchSize: 512).resolved(for: x)
    #expect(byHand.learningRate == nil)
    #expect(byHand.effectiveLearningRate == 1e-3)
    // Unset fields survive JSON as unset; set ones as set.
    let data = try JSONEncoder().encode(Configuration())
    #expect(try JSONDecoder().decode(Configuration.self, from: data).batchSize == nil)
    let trained = try JSONEncoder().encode(resolved)
    #expect(try JSONDecoder().decode(Configuration.self, from: trained) == resolved)
  }
}

@Suite struct SparseAutoencoderTrainingOutcomeTests {
  /// A fitted pipeline records what its autoencoder's training ran (epochs run, the kept
  /// epoch and its validation loss) in `config.json`, and reads it back.
  @Test func theBundleRecordsWhatTheTrainingRan() throws {
    let texts = (0..<60).map { i in
      (0..<6).map { "w\((i * 7 + $0 * 3) % 17)" }.joined(separator: " ")
    }
    let labels = (0..<60).map { $0 % 3 == 0 ? "a" : "b" }
    let configuration = TextFeaturePipeline.Configuration(
      autoencoder: .init(
        hiddenUnits: 4, learningRate: 0.01, epochs: 200, batchSize: 8, validationFraction: 0.2,
        patience: 2, labelWeight: 0.1),
      cValues: [1])
    let pipeline = try TextFeaturePipeline(
      fitting: texts, labels: labels, configuration: configuration)
    let outcome = try #require(pipeline.autoencoderTraining)
    let history = try #require(pipeline.autoencoder?.history)
    #expect(outcome.epochsRun == history.count)
    #expect(outcome.epochsRun < 200)
    let losses = history.compactMap(\.validationLoss)
    #expect(outcome.bestValidationLoss == losses.min())
    #expect(history[outcome.keptEpoch - 1].validationLoss == losses.min())
    #expect(outcome.labelLoss == history.last?.labelLoss)
    #expect((outcome.labelLoss ?? 0) > 0)
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-outcome-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: url) }
    try pipeline.write(to: url)
    let config = try String(contentsOf: url.appendingPathComponent("config.json"), encoding: .utf8)
    #expect(config.contains("\"autoencoder_training\""))
    #expect(config.contains("\"epochs_run\""))
    #expect(config.contains("\"label_weight\""))
    let loaded = try TextFeaturePipeline(contentsOf: url)
    #expect(loaded.autoencoderTraining == outcome)
  }
}
