import ArgumentParser
import Foundation
import SparseText
import SparseTextExperiments

extension SparseAutoencoder.Activation: ExpressibleByArgument {}
extension SparseAutoencoder.Output: ExpressibleByArgument {}
extension SparseAutoencoder.Loss: ExpressibleByArgument {}
extension SparseAutoencoder.OptimizerKind: ExpressibleByArgument {}

/// `--topk K`, or `--topk off` for the KL-sparse codes.
enum TopKSetting: ExpressibleByArgument, Equatable {
  case off
  case k(Int)

  init?(argument: String) {
    if ["off", "none", "0"].contains(argument.lowercased()) {
      self = .off
    } else if let k = Int(argument), k >= 1 {
      self = .k(k)
    } else {
      return nil
    }
  }

  var value: Int? {
    if case .k(let k) = self { return k }
    return nil
  }
}

/// `--input-scale S` (a positive number) or `--input-scale auto`.
enum InputScaleSetting: ExpressibleByArgument, Equatable {
  case auto
  case value(Double)

  init?(argument: String) {
    if argument.lowercased() == "auto" {
      self = .auto
    } else if let value = Double(argument), value > 0, value.isFinite {
      self = .value(value)
    } else {
      return nil
    }
  }
}

/// Sparse autoencoder settings shared by `train-sae`, `fit` and `experiment`. Every option left
/// out keeps the library's default (`SparseAutoencoder.Configuration()`), which the help shows.
/// `sparsetext-bench codes` reads the same options.
package struct AutoencoderOptions: ParsableArguments {
  private static let defaults = SparseAutoencoder.Configuration()

  package init() {}

  @Option(
    name: [.customLong("hidden"), .customLong("hidden-units")],
    help: "Hidden units (code size) (default: \(defaults.hiddenUnits)).")
  var hidden: Int?

  @Option(
    name: [.customLong("sparsity"), .customLong("sparsity-target")],
    help: "ρ, the target mean activation of the KL term (default: \(defaults.sparsityTarget)).")
  var sparsity: Double?

  @Option(
    name: [.customLong("beta"), .customLong("sparsity-weight")],
    help: "β, the weight of the KL sparsity term (default: \(defaults.sparsityWeight)).")
  var beta: Double?

  @Option(help: "λ, the weight decay (default: \(defaults.weightDecay)).")
  var weightDecay: Double?

  @Option(
    name: [.customLong("l1"), .customLong("l1-weight")],
    help: "α, the weight of the codes' mean L1 norm (default: \(defaults.l1Weight)).")
  var l1: Double?

  @Option(help: "Encoder activation: sigmoid or relu (default: \(defaults.activation.rawValue)).")
  var activation: SparseAutoencoder.Activation?

  @Option(
    name: [.customLong("decoder"), .customLong("decoder-output")],
    help: "Decoder output: identity or sigmoid (default: \(defaults.output.rawValue)).")
  var decoder: SparseAutoencoder.Output?

  @Option(
    help: ArgumentHelp(
      "The TopK recipe: keep the K largest pre-activations per document (ReLU codes), with unit-norm decoder columns; off for KL-sparse sigmoid codes (default: \(defaults.topK.map { "\($0)" } ?? "off")).",
      valueName: "K|off"))
  var topk: TopKSetting?

  @Option(help: "Reconstruction loss: mse or bce (default: \(defaults.loss.rawValue)).")
  var loss: SparseAutoencoder.Loss?

  @Option(help: "adam, sgd or adadelta (default: \(defaults.optimizer.rawValue)).")
  var optimizer: SparseAutoencoder.OptimizerKind?

  @Option(help: "Passes over the data (default: \(defaults.epochs)).")
  var epochs: Int?

  @Option(
    help:
      "Documents per minibatch (default: \(defaults.batchSize.map { "\($0)" } ?? "chosen from the corpus size"))."
  )
  var batchSize: Int?

  @Option(help: "Step size (default: 1e-3 Adam, 0.1 SGD, 1 AdaDelta).")
  var learningRate: Double?

  @Option(help: "Seed for initialization, shuffling and sampling (default: \(defaults.seed)).")
  var seed: UInt64?

  @Option(
    name: [.customLong("validation"), .customLong("validation-fraction")],
    help:
      "Fraction of documents held out (seeded) to measure the loss after each epoch: the best epoch's weights are kept and training stops after \(defaults.patience) epochs without progress; 0 runs every epoch (default: \(defaults.validationFraction))."
  )
  var validation: Double?

  @Option(
    help: ArgumentHelp(
      "Multiply inputs by S before encoding, or auto: scale so the mean squared row norm equals the vocabulary size (default: \(defaults.inputScale.map { "\($0)" } ?? "auto")).",
      valueName: "S|auto"))
  var inputScale: InputScaleSetting?

  @Flag(
    inversion: .prefixedNo,
    help:
      "Keep decoder columns at unit norm and start the encoder as their transpose (default: \(defaults.unitNormDecoder))."
  )
  var unitNormDecoder: Bool?

  @Option(
    help: """
      Reconstruction sampling: reconstruct each batch's terms plus N random other columns, and \
      update only their rows (fast for short texts and large vocabularies).
      """)
  var sampledColumns: Int?

  @Option(
    help: ArgumentHelp(
      "Weight of the label term: with labels, the codes are also trained to predict them (a softmax head on the codes, trained with them and then dropped); 1 weighs it like the reconstruction at the start, 0 trains without the labels, and without labels it plays no part (default: \(defaults.labelWeight)).",
      valueName: "L"))
  var labelWeight: Double?

  @Option(
    help: ArgumentHelp(
      "Task weight of the reconstruction, in [0, 1): with labels, each term's reconstruction error is weighted by (1 − T) + T × its share of a logistic regression's class weights, so the codes keep the terms that tell the classes apart; 0 reconstructs every term alike, and without labels it plays no part (default: \(defaults.taskWeight)).",
      valueName: "T"))
  var taskWeight: Double?

  @Flag(
    name: [.customLong("tied"), .customLong("tied-weights")],
    help: "Tie the decoder's weights to the encoder's.")
  var tied = false

  /// The seed in effect.
  package var effectiveSeed: UInt64 { seed ?? Self.defaults.seed }

  /// Whether any option of the group was given on the command line (with any value, the
  /// default's included).
  var anyGiven: Bool {
    let given: [Any?] = [
      hidden, sparsity, beta, weightDecay, l1, activation, decoder, topk, loss, optimizer,
      epochs, batchSize, learningRate, seed, validation, inputScale, unitNormDecoder,
      sampledColumns, labelWeight, taskWeight,
    ]
    return tied || given.contains { $0 != nil }
  }

  /// The configuration: `base` (the library's defaults unless a configuration file gives
  /// another) with the options given.
  package func configuration(base: SparseAutoencoder.Configuration = Self.defaults) throws
    -> SparseAutoencoder.Configuration
  {
    var c = base
    // `--topk K` switches to the TopK recipe, `--topk off` to the KL one, keeping the base's
    // other settings (as the grid's `topk` does); every other option then applies on top.
    if let topk { c.useTopK(topk.value) }
    if let hidden { c.hiddenUnits = hidden }
    if let sparsity { c.sparsityTarget = sparsity }
    if let beta { c.sparsityWeight = beta }
    if let weightDecay { c.weightDecay = weightDecay }
    if let l1 { c.l1Weight = l1 }
    if let activation { c.activation = activation }
    if let decoder { c.output = decoder }
    if let loss { c.loss = loss }
    if let optimizer { c.optimizer = optimizer }
    if let epochs { c.epochs = epochs }
    if let batchSize { c.batchSize = batchSize }
    if let learningRate { c.learningRate = learningRate }
    if let seed { c.seed = seed }
    if let validation { c.validationFraction = validation }
    switch inputScale {
    case .auto: c.inputScale = nil
    case .value(let value): c.inputScale = value
    case nil: break
    }
    if let unitNormDecoder { c.unitNormDecoder = unitNormDecoder }
    if let sampledColumns { c.sampledColumns = sampledColumns }
    if tied { c.tiedWeights = true }
    if let labelWeight { c.labelWeight = labelWeight }
    if let taskWeight { c.taskWeight = taskWeight }
    return c
  }
}

/// Draws the autoencoder's training progress.
final class TrainingDisplay: @unchecked Sendable {
  private let quiet: Bool
  private let lock = NSLock()
  private var bar: ProgressBar?
  private var epochs: Int
  /// Whether epoch lines show the KL term and ρ̂ (not for TopK, where they mean nothing).
  private var sparsityTerms: Bool
  private let epochLines: Bool
  /// Taken when the display is made: events may arrive on another thread.
  private let console = Console.current

  /// A display for trainings of `epochs` epochs; `sparsityTerms` off for TopK, `epochLines` off
  /// where the caller reports progress of its own (a grid search).
  init(epochs: Int, quiet: Bool, sparsityTerms: Bool = true, epochLines: Bool = true) {
    self.epochs = epochs
    self.quiet = quiet
    self.sparsityTerms = sparsityTerms
    self.epochLines = epochLines
  }

  /// The next training's epochs and recipe (each setting of a grid search).
  func start(epochs: Int, sparsityTerms: Bool) {
    lock.lock()
    defer { lock.unlock() }
    self.epochs = epochs
    self.sparsityTerms = sparsityTerms
  }

  func handle(_ event: SparseAutoencoder.TrainingEvent) {
    lock.lock()
    defer { lock.unlock() }
    switch event {
    case .batch(let epoch, let batch, let batches, let loss):
      if bar == nil {
        bar = ProgressBar(
          total: batches, label: "epoch \(epoch)/\(epochs)", quiet: quiet, console: console)
      }
      bar?.set(done: batch, status: String(format: "loss %.4f", loss))
    case .epoch(let summary):
      bar?.finish()
      bar = nil
      guard epochLines else { return }
      var line = String(
        format: "epoch %d/%d  loss %.4f  rec %.4f", summary.epoch, epochs, summary.loss,
        summary.reconstruction)
      if sparsityTerms { line += String(format: "  kl %.4f", summary.sparsity) }
      line += String(format: "  wd %.4f", summary.weightDecay)
      if let label = summary.labelLoss { line += String(format: "  label %.4f", label) }
      if sparsityTerms { line += String(format: "  ρ̂ %.4f", summary.meanActivation) }
      line += String(format: "  %.2fs", summary.seconds)
      if let validation = summary.validationLoss {
        line += String(format: "  val %.4f", validation)
      }
      Terminal.note(line, quiet: quiet, console: console)
    case .checkpoint:
      break
    }
  }
}
