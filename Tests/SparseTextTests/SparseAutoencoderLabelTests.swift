import Foundation
import Testing

@testable import SparseText

/// The label term (issue 23 item 1): `λ'·CE(softmax(V·h + c), y)` over the labelled rows.
@Suite struct SparseAutoencoderLabelTests {
  /// Labels of 12 rows in 3 classes, some unlabelled.
  static let labels = [0, 1, 2, -1, 1, 0, -1, 2, 2, 0, 1, -1]

  /// A trainer with a label head of random (seeded) parameters and weight 0.8.
  static func trainer(
    _ configuration: SparseAutoencoder.Configuration, columns: Int, seed: UInt64 = 99
  ) -> SparseAutoencoder.Trainer {
    let layout = SparseAutoencoder.Layout(
      inputs: columns, hidden: configuration.hiddenUnits, tied: configuration.tiedWeights)
    var trainer = SparseAutoencoder.Trainer(configuration: configuration, layout: layout)
    var generator = SeededGenerator(seed: seed)
    for i in trainer.theta.indices { trainer.theta[i] += (generator.nextFloat() - 0.5) * 0.5 }
    var head = SparseAutoencoder.LabelHead(
      labels: labels.map { Int32($0) }, classes: 3, configuration: configuration)
    for i in head.parameters.indices { head.parameters[i] = (generator.nextFloat() - 0.5) * 2 }
    head.weight = 0.8
    trainer.head = head
    return trainer
  }

  static let configuration = SparseAutoencoder.Configuration(
    hiddenUnits: 4, sparsityWeight: 0.5, weightDecay: 1e-2, inputScale: 3, labelWeight: 1)

  /// Central differences of the whole loss (label term included) against the analytic gradient,
  /// for every encoder and decoder parameter, with the decoded reference step and under
  /// reconstruction sampling (the tolerance of the other gradient checks).
  @Test(arguments: [nil, 3] as [Int?])
  func encoderGradientOfTheLabelTermMatchesFiniteDifferences(sampledColumns: Int?) {
    var configuration = Self.configuration
    configuration.sampledColumns = sampledColumns
    let x = randomSparse(rows: 12, columns: 9, density: 0.4, seed: 5)
    var trainer = Self.trainer(configuration, columns: 9)
    let rows = Array(0..<12)
    let theta = trainer.theta
    var gradient = [Float](repeating: 0, count: theta.count)
    let state = trainer.generator
    let terms = trainer.lossAndGradient(x, rows: rows, theta: theta, gradient: &gradient)
    #expect(terms.label > 0)
    var checked = 0
    for i in theta.indices {
      let step: Float = 1e-3
      var plus = theta
      var minus = theta
      plus[i] += step
      minus[i] -= step
      var scratch = [Float](repeating: 0, count: theta.count)
      // The same sampled columns for both sides.
      trainer.generator = state
      let up = trainer.lossAndGradient(x, rows: rows, theta: plus, gradient: &scratch).total
      trainer.generator = state
      let down = trainer.lossAndGradient(x, rows: rows, theta: minus, gradient: &scratch).total
      let numeric = (up - down) / Double(2 * step)
      let analytic = Double(gradient[i])
      if abs(numeric) < 1e-3 && abs(analytic) < 1e-3 { continue }
      let relative = abs(numeric - analytic) / max(abs(numeric), abs(analytic))
      #expect(relative < 2e-2, "parameter \(i): numeric \(numeric), analytic \(analytic)")
      checked += 1
    }
    #expect(checked > theta.count / 4)
  }

  /// The head's gradient (V and c) against central differences in Double precision of the
  /// label term, and dL/dH against differences in the codes.
  @Test func headAndCodeGradientsMatchFiniteDifferences() throws {
    var generator = SeededGenerator(seed: 4)
    let (batch, h, k) = (7, 5, 3)
    let codes = (0..<(batch * h)).map { _ in generator.nextFloat() }
    let head = (0..<(k * h + k)).map { _ in (generator.nextFloat() - 0.5) * 2 }
    let labels: [Int32] = [2, -1, 0, 1, 1, -1, 0]
    var gradient = [Float](repeating: 0, count: head.count)
    let (loss, dh) = SparseAutoencoder.LabelHead.term(
      codes: codes, labels: labels, batch: batch, hidden: h, classes: k, head: head,
      weight: 0.6, gradient: &gradient)
    let codeGradient = try #require(dh)
    #expect(loss > 0)
    func value(codes: [Float], head: [Float]) -> Double {
      var scratch = [Float](repeating: 0, count: head.count)
      return SparseAutoencoder.LabelHead.term(
        codes: codes, labels: labels, batch: batch, hidden: h, classes: k, head: head,
        weight: 0.6, gradient: &scratch
      ).loss
    }
    let step: Float = 1e-2
    for i in head.indices {
      var plus = head
      var minus = head
      plus[i] += step
      minus[i] -= step
      let numeric = (value(codes: codes, head: plus) - value(codes: codes, head: minus)) / 2e-2
      #expect(abs(numeric - Double(gradient[i])) < 1e-4, "head \(i): \(numeric) \(gradient[i])")
    }
    for i in codes.indices {
      var plus = codes
      var minus = codes
      plus[i] += step
      minus[i] -= step
      let numeric = (value(codes: plus, head: head) - value(codes: minus, head: head)) / 2e-2
      #expect(abs(numeric - Double(codeGradient[i])) < 1e-4, "code \(i)")
      // Unlabelled rows get no gradient from the label term.
      if labels[i / h] < 0 { #expect(codeGradient[i] == 0) }
    }
    // No labelled row: no term, no gradient.
    let none = SparseAutoencoder.LabelHead.term(
      codes: codes, labels: Array(repeating: -1, count: batch), batch: batch, hidden: h,
      classes: k, head: head, weight: 0.6, gradient: &gradient)
    #expect(none.loss == 0 && none.dh == nil && gradient.allSatisfy { $0 == 0 })
  }

  /// The blocked step (decoded and in Gram form, KL and TopK codes) with a label head takes
  /// the reference step: the same label term, parameters and head.
  @Test(arguments: [(SparseAutoencoder.ExactStep.dense, nil), (.gram, nil), (.gram, 3)])
  func blockedStepWithLabelsMatchesTheReferenceStep(
    _ setting: (exactStep: SparseAutoencoder.ExactStep, topK: Int?)
  ) {
    var configuration =
      setting.topK.map { SparseAutoencoder.Configuration.topK($0) }
      ?? Self.configuration
    configuration.inputScale = 3
    configuration.unitNormDecoder = false
    configuration.labelWeight = 1
    configuration.hiddenUnits = 6
    configuration.exactStep = setting.exactStep
    let x = randomSparse(rows: 12, columns: 23, density: 0.15, seed: 21)
    var blocked = Self.trainer(configuration, columns: 23)
    blocked.blockWidth = 5
    #expect(blocked.trainsInBlocks)
    var reference = blocked
    let layout = blocked.layout
    let decay = Optimizer.Decay(lambda: 1e-2, ranges: layout.weights)
    for rows in [[0, 3, 5, 7], [1, 2, 4, 6], [3, 6, 11], [8, 9, 10, 11]] {
      let result = blocked.blockedStep(
        x, batch: blocked.prepare(x, rows: rows), next: nil, decay: decay)
      blocked.head!.step(weightDecay: 1e-2)
      _ = blocked.settle(decay: decay)
      var gradient = [Float](repeating: 0, count: layout.count)
      var theta = reference.theta
      let terms = reference.lossAndGradient(
        x, rows: rows, theta: theta, gradient: &gradient, foldWeightDecay: true)
      reference.optimizer.step(&theta, gradient: gradient, decay: decay)
      reference.theta = theta
      reference.head!.step(weightDecay: 1e-2)
      #expect(rows.contains { Self.labels[$0] >= 0 } == (terms.label > 0))
      #expect(abs(result.terms.label - terms.label) <= 1e-6 * max(1, terms.label))
      for (a, b) in zip(blocked.theta, reference.theta) {
        #expect(abs(a - b) <= 1e-4 * max(1e-3, abs(b)))
      }
      for (a, b) in zip(blocked.head!.parameters, reference.head!.parameters) {
        #expect(abs(a - b) <= 1e-4 * max(1e-3, abs(b)))
      }
    }
  }

  /// λ = 0 with labels, and λ > 0 without, train the model of a training without labels, bit
  /// for bit; a label weight is recorded in the configuration.
  @Test func withoutALabelTermTheModelIsTheUnsupervisedOne() throws {
    let x = randomSparse(rows: 12, columns: 20, density: 0.2, seed: 2)
    let configuration = SparseAutoencoder.Configuration(
      hiddenUnits: 5, inputScale: 4, epochs: 4, batchSize: 4, validationFraction: 0.25,
      labelWeight: 0, taskWeight: 0)
    let plain = try SparseAutoencoder(training: x, configuration: configuration)
    let zero = try SparseAutoencoder(
      training: x, labels: Self.labels, classes: 3, configuration: configuration)
    #expect(zero.theta == plain.theta)
    #expect(zero.history.map(\.loss) == plain.history.map(\.loss))
    var weighted = configuration
    weighted.labelWeight = 0.3
    let unlabelled = try SparseAutoencoder(training: x, configuration: weighted)
    #expect(unlabelled.theta == plain.theta)
    #expect(unlabelled.configuration.labelWeight == 0.3)
    #expect(unlabelled.history.allSatisfy { $0.labelLoss == nil })
    let labelled = try SparseAutoencoder(
      training: x, labels: Self.labels, classes: 3, configuration: weighted)
    #expect(labelled.theta != plain.theta)
    #expect(labelled.history.allSatisfy { ($0.labelLoss ?? 0) > 0 })
    // Labels must be one per row, within -1..<classes.
    #expect(throws: DataError.self) {
      try SparseAutoencoder(training: x, labels: [0, 1], classes: 3, configuration: weighted)
    }
    #expect(throws: DataError.self) {
      try SparseAutoencoder(
        training: x, labels: Self.labels.map { $0 == 2 ? 3 : $0 }, classes: 3,
        configuration: weighted)
    }
    var negative = weighted
    negative.labelWeight = -1
    #expect(throws: ConfigurationError.self) { try negative.validate() }
  }

  /// A checkpoint written to disk and read back holds the head and its optimizer: the resumed
  /// training ends where the uninterrupted one does, bit for bit, with the blocked step in
  /// both forms and with reconstruction sampling.
  @Test(arguments: [(nil, SparseAutoencoder.ExactStep.dense), (nil, .gram), (4, .dense)])
  func resumingWithLabelsGivesTheUninterruptedResult(
    _ setting: (sampledColumns: Int?, exactStep: SparseAutoencoder.ExactStep)
  ) throws {
    let x = randomSparse(rows: 12, columns: 20, density: 0.2, seed: 2)
    let configuration = SparseAutoencoder.Configuration(
      hiddenUnits: 6, inputScale: 5, epochs: 6, batchSize: 5, seed: 3, validationFraction: 0,
      sampledColumns: setting.sampledColumns, exactStep: setting.exactStep, labelWeight: 0.5)
    let full = try SparseAutoencoder(
      training: x, labels: Self.labels, classes: 3, configuration: configuration)
    let saved = CheckpointBox()
    _ = try SparseAutoencoder(
      training: x, labels: Self.labels, classes: 3, configuration: configuration,
      progress: { event in
        if case .checkpoint(let checkpoint) = event, checkpoint.epoch == 3 { saved.set(checkpoint) }
      })
    let checkpoint = try #require(saved.value)
    #expect(checkpoint.head != nil)
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-label-checkpoint-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    try checkpoint.write(to: directory)
    let read = try SparseAutoencoder.Checkpoint(contentsOf: directory)
    #expect(read.completedEpochs == 3)  // public: an app can tell how far a saved one got
    #expect(read.head?.parameters == checkpoint.head?.parameters)
    let resumed = try SparseAutoencoder(
      training: x, labels: Self.labels, classes: 3, configuration: configuration,
      resumingFrom: read)
    #expect(resumed.theta == full.theta)
    #expect(resumed.history == full.history.map { resumedEpoch($0, like: resumed) })
    #expect(resumed.history.allSatisfy { ($0.labelLoss ?? 0) > 0 })
    // A checkpoint with a head does not resume a training without labels.
    #expect(throws: ModelFormatError.self) {
      try SparseAutoencoder(training: x, configuration: configuration, resumingFrom: read)
    }
  }

  /// An epoch's summary as a resumed training reports it: the same but for the wall-clock
  /// fields.
  private func resumedEpoch(
    _ summary: SparseAutoencoder.EpochSummary, like model: SparseAutoencoder
  ) -> SparseAutoencoder.EpochSummary {
    var copy = summary
    let other = model.history[summary.epoch - 1]
    copy.seconds = other.seconds
    copy.denseGigaflopsPerSecond = other.denseGigaflopsPerSecond
    return copy
  }

  /// Labels become their index among the sorted classes, then −1 per unlabelled row.
  @Test func classIndicesNumberTheLabelsThenMarkTheUnlabelledRows() {
    #expect(
      SparseAutoencoder.classIndices(["pos", "neg", "pos"], of: ["neg", "pos"], unlabelled: 2)
        == [1, 0, 1, -1, -1])
    #expect(SparseAutoencoder.classIndices([], of: ["a"], unlabelled: 1) == [-1])
  }

  /// Documents whose words are mostly about one of four topics (many words, large weights)
  /// and whose label is carried by one of two rarer words ("good" or "bad"): the unsupervised
  /// codes describe the topic, the label-trained ones the label too, so LR on the codes
  /// separates the classes on held-out documents much better. So do the codes of the
  /// task-weighted reconstruction (no label term), which weighs "good" and "bad" up.
  @Test func labelTrainedCodesSeparateWhatTheUnsupervisedOnesDoNot() throws {
    var generator = SeededGenerator(seed: 17)
    func corpus(_ count: Int) -> (texts: [String], labels: [String]) {
      var texts: [String] = []
      var labels: [String] = []
      for _ in 0..<count {
        let topic = Int(generator.next() % 4)
        let positive = generator.next() % 2 == 0
        var words = (0..<12).map { _ in "t\(topic)w\(generator.next() % 6)" }
        words.append(positive ? "good" : "bad")
        texts.append(words.joined(separator: " "))
        labels.append(positive ? "pos" : "neg")
      }
      return (texts, labels)
    }
    let train = corpus(240)
    let test = corpus(120)
    func accuracy(labelWeight: Double, taskWeight: Double = 0) throws -> Double {
      let configuration = TextFeaturePipeline.Configuration(
        autoencoder: .init(
          hiddenUnits: 4, epochs: 60, batchSize: 16, validationFraction: 0,
          labelWeight: labelWeight, taskWeight: taskWeight),
        classifierInput: .codes, cValues: [1])
      let pipeline = try TextFeaturePipeline(
        fitting: train.texts, labels: train.labels, configuration: configuration)
      #expect(pipeline.configuration.autoencoder?.labelWeight == labelWeight)
      let predicted = try pipeline.predict(test.texts)
      return Double(zip(predicted, test.labels).filter { $0 == $1 }.count)
        / Double(test.labels.count)
    }
    let unsupervised = try accuracy(labelWeight: 0)
    let supervised = try accuracy(labelWeight: 3)
    #expect(supervised >= 0.95, "label-trained codes: \(supervised)")
    #expect(supervised >= unsupervised + 0.15, "\(supervised) against \(unsupervised)")
    let taskWeighted = try accuracy(labelWeight: 0, taskWeight: 0.5)
    #expect(taskWeighted >= unsupervised + 0.15, "\(taskWeighted) against \(unsupervised)")
  }
}
