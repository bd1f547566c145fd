import ArgumentParser
import Foundation
import SparseText

extension SparseAutoencoder.Activation: ExpressibleByArgument {}
extension SparseAutoencoder.Output: ExpressibleByArgument {}
extension SparseAutoencoder.Loss: ExpressibleByArgument {}
extension SparseAutoencoder.OptimizerKind: ExpressibleByArgument {}

/// Sparse autoencoder settings shared by `train-sae`, `fit` and `experiment`.
struct AutoencoderOptions: ParsableArguments {
  @Option(help: "Hidden units (code size).")
  var hidden = 256

  @Option(help: "ρ, the target mean activation.")
  var sparsity = 0.05

  @Option(help: "β, the weight of the KL sparsity term.")
  var beta = 3.0

  @Option(help: "λ, the weight decay.")
  var weightDecay = 1e-4

  @Option(help: "α, the weight of the codes' mean L1 norm.")
  var l1 = 0.0

  @Option(help: "Encoder activation: sigmoid or relu.")
  var activation: SparseAutoencoder.Activation = .sigmoid

  @Option(name: .customLong("decoder"), help: "Decoder output: identity or sigmoid.")
  var decoder: SparseAutoencoder.Output = .identity

  @Option(help: "Keep the K largest pre-activations per document (ReLU, no KL term).")
  var topk: Int?

  @Option(help: "Reconstruction loss: mse or bce.")
  var loss: SparseAutoencoder.Loss = .mse

  @Option(help: "adam, sgd or adadelta.")
  var optimizer: SparseAutoencoder.OptimizerKind = .adam

  @Option(help: "Passes over the data.")
  var epochs = 20

  @Option(help: "Documents per minibatch.")
  var batchSize = 64

  @Option(help: "Step size (default: 1e-3 Adam, 0.1 SGD, 1 AdaDelta).")
  var learningRate: Double?

  @Option(help: "Seed for initialization, shuffling and sampling.")
  var seed: UInt64 = 13

  @Option(help: "Fraction of documents held out for early stopping (0 = off).")
  var validation = 0.0

  @Option(help: "Multiply inputs by this before encoding (TF-IDF rows are tiny; 10 balances β).")
  var inputScale = 10.0

  @Option(
    help: """
      Reconstruction sampling: reconstruct each batch's terms plus N random other columns, and \
      update only their rows (fast for short texts and large vocabularies).
      """)
  var sampledColumns: Int?

  @Flag(help: "Tie the decoder's weights to the encoder's.")
  var tied = false

  var configuration: SparseAutoencoder.Configuration {
    SparseAutoencoder.Configuration(
      hiddenUnits: hidden, activation: topk != nil ? .relu : activation, output: decoder,
      tiedWeights: tied, topK: topk, sparsityTarget: sparsity, sparsityWeight: beta,
      weightDecay: weightDecay, l1Weight: l1, loss: loss, inputScale: inputScale,
      optimizer: optimizer, learningRate: learningRate, epochs: epochs, batchSize: batchSize,
      seed: seed, validationFraction: validation, sampledColumns: sampledColumns)
  }
}

/// Draws the autoencoder's training progress.
final class TrainingDisplay: @unchecked Sendable {
  private let quiet: Bool
  private let lock = NSLock()
  private var bar: ProgressBar?
  private var epochs: Int

  init(epochs: Int, quiet: Bool) {
    self.epochs = epochs
    self.quiet = quiet
  }

  func handle(_ event: SparseAutoencoder.TrainingEvent) {
    lock.lock()
    defer { lock.unlock() }
    switch event {
    case .batch(let epoch, let batch, let batches, let loss):
      if bar == nil {
        bar = ProgressBar(total: batches, label: "epoch \(epoch)/\(epochs)", quiet: quiet)
      }
      bar?.set(done: batch, status: String(format: "loss %.4f", loss))
    case .epoch(let summary):
      bar?.finish()
      bar = nil
      var line = String(
        format: "epoch %d/%d  loss %.4f  rec %.4f  kl %.4f  wd %.4f  ρ̂ %.4f  %.2fs", summary.epoch,
        epochs, summary.loss, summary.reconstruction, summary.sparsity, summary.weightDecay,
        summary.meanActivation, summary.seconds)
      if let validation = summary.validationLoss {
        line += String(format: "  val %.4f", validation)
      }
      Terminal.note(line, quiet: quiet)
    case .checkpoint:
      break
    }
  }
}
