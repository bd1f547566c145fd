import Foundation

extension SparseAutoencoder {
  /// The encoder's activation function.
  public enum Activation: String, Codable, Sendable, CaseIterable {
    /// `1 / (1 + e^-a)`: the classic KL-sparse formulation.
    case sigmoid
    /// `max(0, a)`.
    case relu
  }

  /// The decoder's output function.
  public enum Output: String, Codable, Sendable, CaseIterable {
    /// `x̂ = W₂h + b₂`.
    case identity
    /// `x̂ = σ(W₂h + b₂)`; required by the cross-entropy loss.
    case sigmoid
  }

  /// The reconstruction loss.
  public enum Loss: String, Codable, Sendable, CaseIterable {
    /// `½‖x̂ − x‖²` per document, averaged over the batch.
    case mse
    /// Binary cross-entropy per document, averaged (inputs are clamped to [0, 1]).
    case bce
  }

  /// How an exact step (every column reconstructed) computes the reconstruction term and its
  /// gradients.
  public enum ExactStep: String, Codable, Sendable, CaseIterable {
    /// Decode every column of every document: `6·B·n·h` operations per batch of `B` documents
    /// over `n` columns and `h` units. Any loss and output.
    case dense
    /// Squared error with identity outputs from the units' Gram matrix `W₂ᵀW₂`, never decoding
    /// the columns a document lacks: about `3·n·h²` operations per batch whatever its size,
    /// plus terms in its nonzeros. The same loss and gradients as `dense` up to rounding.
    case gram
  }

  /// The optimizer.
  public enum OptimizerKind: String, Codable, Sendable, CaseIterable {
    /// Adam (learning rate 1e-3, β₁ 0.9, β₂ 0.999, ε 1e-8).
    case adam
    /// Stochastic gradient descent with momentum (learning rate 0.1, momentum 0.9).
    case sgd
    /// AdaDelta (learning rate 1, ρ 0.95, ε 1e-6), the classic Keras recipe.
    case adadelta
  }

  /// Settings of a ``SparseAutoencoder``. The defaults are the recipe measured best across the
  /// development corpora (README, "Choosing the recipe"): 256 sigmoid codes under the KL term
  /// (target mean activation ρ = 0.05, weight β = 3), with inputs scaled automatically so their
  /// reconstruction is not drowned by the sparsity term (it then dominates: the mean activation
  /// settles near 0.26 on BBC). ``topK(_:)`` is the TopK recipe (exactly `k` active units,
  /// unit-norm decoder columns), the better compression at low L0; the earlier default was
  /// the KL recipe with ``inputScale`` 10.
  public struct Configuration: Codable, Sendable, Equatable {
    /// Code size; 256 by default.
    public var hiddenUnits: Int
    /// Encoder activation of the KL-sparse codes; sigmoid by default. TopK codes are always
    /// ReLU'd, whatever this says.
    public var activation: Activation
    /// Decoder output; identity by default.
    public var output: Output
    /// Share the decoder's weights with the encoder (`W₂ = W₁ᵀ`); `false` by default.
    public var tiedWeights: Bool
    /// Keep only the `k` largest pre-activations per document (ReLU, no KL term); `nil` (KL-sparse
    /// codes) by default. A `k` above ``hiddenUnits`` keeps every unit (the trained model records
    /// `min(k, hiddenUnits)`).
    public var topK: Int?
    /// ρ, the target mean activation of the KL term; 0.05 by default.
    public var sparsityTarget: Double
    /// β, the weight of `Σⱼ KL(ρ‖ρ̂ⱼ)` (not used by TopK codes); 3 by default.
    public var sparsityWeight: Double
    /// λ, the weight decay `λ/2·(‖W₁‖² + ‖W₂‖²)` (and on the label term's head); 0.03 by default.
    /// It reins in the label term, which overfits the training rows: at 1e-4 the head's held-out
    /// cross-entropy on Twitter is lowest after 3 epochs and rises through the other 17, and LR on
    /// the codes scores 96% on the training tweets against 72% on the test part (75% at 0.03).
    /// Measured with codes + LR on BBC, Twitter, CR and MPQA (fixed splits, seeds 13, 1, 2 and 3),
    /// 0.03 against 1e-4 gains 0.3 points on the mean of the four with every label (Twitter +1.1)
    /// and 1.4 with 1% of them (MPQA +4.3, BBC +1.4), for a test FVU within 0.005 except on MPQA
    /// (+0.02, and +0.04 with 1% of the labels); 0.01 gains less, and 0.1 gains more on Twitter
    /// with every label but loses 3 points on MPQA with 1%.
    public var weightDecay: Double
    /// α, the weight of the mean L1 norm of the codes; 0 by default.
    public var l1Weight: Double
    /// The reconstruction loss; MSE by default.
    public var loss: Loss
    /// Inputs are multiplied by this before encoding. L2-normalized TF-IDF rows have tiny
    /// entries, whose reconstruction error would be drowned by the sparsity terms. `nil` (the
    /// default) chooses it from the training rows: the scale that gives them a mean squared norm
    /// equal to the number of input columns (`s = √(n / mean‖x‖²)`, √n for l2 rows), as sparse
    /// autoencoders on language-model activations do. A trained model records the value, so
    /// new text is scaled the same way.
    public var inputScale: Double?
    /// Keep every decoder column (a latent's term weights) at unit l2 norm after each step and
    /// start the encoder as the decoder's transpose (Gao et al. 2024), so a code's size carries
    /// the magnitude and weight decay does not shrink the decoder; off by default, on in
    /// ``topK(_:)`` (bounded sigmoid codes cannot reach large inputs through unit columns).
    public var unitNormDecoder: Bool
    /// The optimizer; Adam by default.
    public var optimizer: OptimizerKind
    /// The step size; `nil` (the default) takes the optimizer's default (Adam 1e-3, SGD 0.1,
    /// AdaDelta 1), except that with an automatic ``batchSize`` Adam's is raised with the batch
    /// (1e-3·(batch/64)^¼: 2e-3 at 1,024 rows) and a trained model records it.
    public var learningRate: Double?
    /// SGD momentum; 0.9 by default.
    public var momentum: Double
    /// Passes over the training rows, at most: training stops earlier when the validation loss
    /// stops falling (see ``validationFraction``); 20 by default.
    public var epochs: Int
    /// Rows per minibatch; `nil` (the default) chooses from the number of training rows (64
    /// below 16,384 rows; above, the rows / 32 rounded to a power of two, at most 4,096: large
    /// corpora take few large steps, in the Gram form whose cost per batch does not grow with
    /// it), and a trained model records the value.
    public var batchSize: Int?
    /// Seed of every random choice (initialization, shuffling, sampling); 13 by default.
    public var seed: UInt64
    /// Fraction of rows held out (a seeded sample) to measure the loss after each epoch: the
    /// model keeps the parameters of the epoch with the lowest, and training stops once
    /// ``patience`` epochs in a row lowered it by less than 0.2%; 0.1 by default, 0 trains on
    /// every row for ``epochs`` epochs.
    public var validationFraction: Double
    /// Epochs in a row without progress (a validation loss at least 0.2% below the best so far)
    /// before stopping; 3 by default.
    public var patience: Int
    /// Reconstruction sampling: reconstruct the batch's nonzero columns plus this many random
    /// other columns per batch, importance-weighted so the loss stays unbiased (Dauphin, Glorot
    /// & Bengio 2011). The optimizer then updates lazily: only the encoder rows of the batch's
    /// terms, the decoder rows of the reconstructed columns and the biases change (with their
    /// optimizer state), as TensorFlow's LazyAdam does, so a step costs in proportion to the
    /// batch's distinct terms, not the vocabulary. Off (`nil`) by default: every column is
    /// reconstructed and every parameter updated.
    public var sampledColumns: Int?
    /// An activation above this counts as firing, for dead units and L0; 0.1 by default.
    public var activeThreshold: Double
    /// How exact steps compute the reconstruction (see ``ExactStep``); `nil` (the default)
    /// chooses the Gram form for squared error with identity outputs when batches are large
    /// enough for it to be faster (at least ``hiddenUnits`` rows), else decoding. A trained
    /// model records the choice.
    public var exactStep: ExactStep?
    /// The weight λ of the label term: with labels (``SparseAutoencoder/init(training:labels:classes:configuration:resumingFrom:progress:isCancelled:)``),
    /// the codes are trained on `L_rec + β·KL (or TopK) + λ'·CE(softmax(V·h + c), y)` over the
    /// labelled rows of each batch (unlabelled rows add the reconstruction and sparsity terms
    /// only), so they keep what predicts the label. `λ' = λ · ½·mean‖s·x‖² / ln K` over the
    /// training rows and `K` classes, so that λ = 1 weighs the label term like the
    /// reconstruction at the start of training. The head `V`, `c` is trained with the model
    /// and not kept. Without labels it plays no part; 0 gives the unsupervised codes bit for
    /// bit. 0.1 by default: measured on BBC, Twitter, CR and MPQA (fixed splits, seeds 13 and
    /// 1), codes + LR gain on average over the four at 0.1 and 0.3, and 0.1 costs less test
    /// FVU (about +0.01 against +0.02 to +0.04).
    public var labelWeight: Double
    /// The task weight `t` of the reconstruction, in [0, 1): with labels, term `j`'s squared
    /// error counts `ω_j = (1 − t) + t · s_j / mean(s)` times, where `s_j` is the squared norm
    /// of term `j`'s class weights (centred over the classes) in a logistic regression
    /// (C = 1) fitted on the labelled rows' inputs, so the codes spend their capacity on the
    /// terms that tell the classes apart (Zhai & Zhang 2016's semi-supervised autoencoder
    /// weights its reconstruction by a linear classifier's weights the same way). It is trained
    /// as the plain reconstruction of inputs whose columns are scaled by `√ω_j`, and the model
    /// is rewritten to read and reconstruct the unscaled inputs (encoder rows × `√ω_j`,
    /// decoder rows and bias ÷ `√ω_j`): its codes are those of the weighted training, its
    /// decoder reconstructs the inputs themselves. Without labels, with tied weights or with
    /// sigmoid outputs (neither can be rewritten so) it plays no part; 0 gives
    /// the plain reconstruction bit for bit. 0.5 by default: measured on BBC, Twitter, CR and
    /// MPQA (fixed splits, seeds 13 and 1), LR on the codes gains 1.2 points on the mean of
    /// the eight runs with every label and with 1% of them, for a test FVU 0.01–0.07 higher
    /// (see the README's table).
    public var taskWeight: Double

    /// Creates a configuration; see each property for its default.
    public init(
      hiddenUnits: Int = 256, activation: Activation = .sigmoid, output: Output = .identity,
      tiedWeights: Bool = false, topK: Int? = nil, sparsityTarget: Double = 0.05,
      sparsityWeight: Double = 3, weightDecay: Double = 3e-2, l1Weight: Double = 0,
      loss: Loss = .mse, inputScale: Double? = nil, unitNormDecoder: Bool = false,
      optimizer: OptimizerKind = .adam,
      learningRate: Double? = nil, momentum: Double = 0.9, epochs: Int = 20,
      batchSize: Int? = nil, seed: UInt64 = 13, validationFraction: Double = 0.1, patience: Int = 3,
      sampledColumns: Int? = nil, activeThreshold: Double = 0.1, exactStep: ExactStep? = nil,
      labelWeight: Double = 0.1, taskWeight: Double = 0.5
    ) {
      self.hiddenUnits = hiddenUnits
      self.activation = activation
      self.output = output
      self.tiedWeights = tiedWeights
      self.topK = topK
      self.sparsityTarget = sparsityTarget
      self.sparsityWeight = sparsityWeight
      self.weightDecay = weightDecay
      self.l1Weight = l1Weight
      self.loss = loss
      self.inputScale = inputScale
      self.unitNormDecoder = unitNormDecoder
      self.optimizer = optimizer
      self.learningRate = learningRate
      self.momentum = momentum
      self.epochs = epochs
      self.batchSize = batchSize
      self.seed = seed
      self.validationFraction = validationFraction
      self.patience = patience
      self.sampledColumns = sampledColumns
      self.activeThreshold = activeThreshold
      self.exactStep = exactStep
      self.labelWeight = labelWeight
      self.taskWeight = taskWeight
    }

    /// The earlier default: the KL recipe with inputs × 10 instead of the automatic scale.
    package static let klSparse = Configuration(inputScale: 10)

    /// The TopK recipe (Gao et al. 2024): ReLU codes of which the `k` largest are kept per
    /// document, inputs scaled automatically, decoder columns of unit norm with the encoder
    /// started as their transpose and the decoder bias at the mean row.
    public static func topK(_ k: Int = 32) -> Configuration {
      Configuration(activation: .relu, topK: k, unitNormDecoder: true)
    }

    /// Switches to the TopK recipe with `k` (ReLU codes, unit-norm decoder columns, as
    /// ``topK(_:)``), or with `nil` to the KL one (sigmoid codes, free decoder columns), keeping
    /// every other setting: what `--topk` and the grid's `topk` both do to a configuration
    /// file's autoencoder.
    package mutating func useTopK(_ k: Int?) {
      topK = k
      activation = k == nil ? .sigmoid : .relu
      unitNormDecoder = k != nil
    }

    /// The input scale in effect: ``inputScale``, or 1 before a training has resolved it.
    var scale: Double { inputScale ?? 1 }

    /// The learning rate in effect.
    package var effectiveLearningRate: Double {
      learningRate
        ?? {
          switch optimizer {
          case .adam: return 1e-3
          case .sgd: return 0.1
          case .adadelta: return 1
          }
        }()
    }

    /// The training rows and the validation slice of `rows` training rows: a seeded sample of
    /// ``validationFraction`` of them (none at 0), drawn from a generator of its own so it does
    /// not depend on how far training has gone. A trained model's configuration gives the
    /// rows it did not train on (the pipeline calibrates its outlier threshold on them).
    package func heldOutRows(_ rows: Int) -> (train: [Int], validation: [Int]) {
      guard validationFraction > 0, rows > 1 else { return (Array(0..<rows), []) }
      var splitGenerator = SeededGenerator(seed: seed ^ 0x5EED_5EED)
      var order = Array(0..<rows)
      order.shuffle(using: &splitGenerator)
      let count = min(rows - 1, max(1, Int(Double(rows) * validationFraction)))
      return (order.dropFirst(count).sorted(), order.prefix(count).sorted())
    }

    /// Whether training reads the labels when it has them: through the label term
    /// (``labelWeight``) or the task-weighted reconstruction (``taskWeight``).
    package var learnsFromLabels: Bool { labelWeight > 0 || taskWeight > 0 }

    /// Whether the KL term is used (not in TopK mode).
    package var usesKL: Bool { topK == nil && sparsityWeight > 0 }

    /// Whether the reconstruction can be computed in Gram form (``ExactStep/gram``): squared
    /// error on identity outputs with untied weights.
    package var allowsGramForm: Bool { loss == .mse && output == .identity && !tiedWeights }

    /// The batch size chosen for `rows` training rows when ``batchSize`` is `nil`: 64 below
    /// 16,384 rows; above, `rows / 32` rounded to a power of two, at most 4,096. From 256 rows
    /// on a batch runs in Gram form (``ExactStep/gram``), whose cost per batch does not grow
    /// with it, so large corpora take few large steps.
    package static func automaticBatchSize(rows: Int) -> Int {
      guard rows >= 16_384 else { return 64 }
      let power = Int(log2(Double(rows) / 32).rounded())
      return min(4096, 1 << power)
    }

    /// Adam's learning rate for an automatic batch of `batchSize` rows: 1e-3·(batchSize/64)^¼,
    /// 2e-3 at 1,024 (measured on Twitter at 1,024: the validation loss after 20 epochs is
    /// lowest at 2e-3 of 2e-3, 3e-3, 5e-3 and 1e-2; with batches of 2,048, 3e-3 beats 5e-3 and
    /// 1e-2).
    package static func automaticLearningRate(batchSize: Int) -> Double {
      1e-3 * (Double(max(batchSize, 1)) / 64).squareRoot().squareRoot()
    }

    /// The batch size in effect for `rows` training rows.
    package func batchSize(rows: Int) -> Int { batchSize ?? Self.automaticBatchSize(rows: rows) }

    /// The smallest batch for which ``ExactStep/gram`` is chosen automatically, for `hidden`
    /// units: the Gram form costs about `3·n·h²` operations per batch and decoding `6·B·n·h`,
    /// so it pays from about `B = h/2`; the threshold leaves a margin for the Gram form's
    /// extra passes over the batch's entries.
    package static func gramBatchThreshold(hidden: Int) -> Int { hidden }

    /// Checks every field; throws ``ConfigurationError`` naming the first bad one.
    public func validate(inputColumns: Int? = nil) throws {
      func check(_ ok: Bool, _ field: ConfigurationField, _ value: Any, _ allowed: String) throws {
        if !ok {
          throw ConfigurationError.outOfRange(field: field, value: "\(value)", allowed: allowed)
        }
      }
      try check(hiddenUnits >= 1, .hiddenUnits, hiddenUnits, "1 or more")
      if let inputColumns {
        try check(inputColumns >= 1, .inputColumns, inputColumns, "1 or more")
      }
      try check(
        sparsityTarget > 0 && sparsityTarget < 1, .sparsityTarget, sparsityTarget,
        "strictly between 0 and 1")
      try check(sparsityWeight >= 0, .sparsityWeight, sparsityWeight, "0 or more")
      try check(weightDecay >= 0, .weightDecay, weightDecay, "0 or more")
      try check(l1Weight >= 0, .l1Weight, l1Weight, "0 or more")
      if let inputScale {
        try check(
          inputScale > 0 && inputScale.isFinite, .inputScale, inputScale,
          "a positive number, or nil to choose it from the training rows")
      }
      try check(epochs >= 0, .epochs, epochs, "0 or more")
      if let batchSize {
        try check(batchSize >= 1, .batchSize, batchSize, "1 or more, or nil to choose it")
      }
      if exactStep == .gram && !allowsGramForm {
        throw ConfigurationError.conflict(
          reason:
            "the Gram-form step (\(field: .exactStep) gram) needs the squared-error loss, identity outputs and untied weights",
          suggestion: "\(set: .exactStep, to: "dense"), or leave it unset to choose automatically.")
      }
      try check(
        validationFraction >= 0 && validationFraction < 1, .validationFraction,
        validationFraction, "in [0, 1)")
      try check(patience >= 1, .patience, patience, "1 or more")
      try check(
        labelWeight >= 0 && labelWeight.isFinite, .labelWeight, labelWeight,
        "0 or more (0 trains the codes without the labels)")
      try check(
        taskWeight >= 0 && taskWeight < 1, .taskWeight, taskWeight,
        "in [0, 1) (0 reconstructs every term alike)")
      try check(effectiveLearningRate > 0, .learningRate, effectiveLearningRate, "positive")
      if let topK {
        try check(topK >= 1, .topK, topK, "1 or more, or nil for KL-sparse codes")
      }
      if let sampledColumns {
        try check(sampledColumns >= 1, .sampledColumns, sampledColumns, "1 or more")
      }
      if loss == .bce && output != .sigmoid {
        throw ConfigurationError.conflict(
          reason: "the cross-entropy loss (\(field: .loss) bce) needs outputs in (0, 1)",
          suggestion: "\(set: .output, to: "sigmoid"), or \(set: .loss, to: "mse").")
      }
    }
  }
}

extension SparseAutoencoder.Configuration {
  enum CodingKeys: String, CodingKey {
    case activation, output
    case hiddenUnits = "hidden_units"
    case tiedWeights = "tied_weights"
    case topK = "top_k"
    case sparsityTarget = "sparsity_target"
    case sparsityWeight = "sparsity_weight"
    case loss, optimizer
    case weightDecay = "weight_decay"
    case l1Weight = "l1_weight"
    case inputScale = "input_scale"
    case unitNormDecoder = "unit_norm_decoder"
    case momentum, epochs, seed, patience
    case learningRate = "learning_rate"
    case batchSize = "batch_size"
    case validationFraction = "validation_fraction"
    case sampledColumns = "sampled_columns"
    case activeThreshold = "active_threshold"
    case exactStep = "exact_step"
    case labelWeight = "label_weight"
    case taskWeight = "task_weight"
  }

  /// Decodes a configuration. Fields added later decode, when absent, to what earlier models
  /// were trained with: `unitNormDecoder` (after format version 1) to `false`, `exactStep` to
  /// ``SparseAutoencoder/ExactStep/dense``, `labelWeight` to 0.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    self.init(
      hiddenUnits: try c.decode(Int.self, forKey: .hiddenUnits),
      activation: try c.decode(SparseAutoencoder.Activation.self, forKey: .activation),
      output: try c.decode(SparseAutoencoder.Output.self, forKey: .output),
      tiedWeights: try c.decode(Bool.self, forKey: .tiedWeights),
      topK: try c.decodeIfPresent(Int.self, forKey: .topK),
      sparsityTarget: try c.decode(Double.self, forKey: .sparsityTarget),
      sparsityWeight: try c.decode(Double.self, forKey: .sparsityWeight),
      weightDecay: try c.decode(Double.self, forKey: .weightDecay),
      l1Weight: try c.decode(Double.self, forKey: .l1Weight),
      loss: try c.decode(SparseAutoencoder.Loss.self, forKey: .loss),
      inputScale: try c.decodeIfPresent(Double.self, forKey: .inputScale),
      unitNormDecoder: try c.decodeIfPresent(Bool.self, forKey: .unitNormDecoder) ?? false,
      optimizer: try c.decode(SparseAutoencoder.OptimizerKind.self, forKey: .optimizer),
      learningRate: try c.decodeIfPresent(Double.self, forKey: .learningRate),
      momentum: try c.decode(Double.self, forKey: .momentum),
      epochs: try c.decode(Int.self, forKey: .epochs),
      batchSize: try c.decodeIfPresent(Int.self, forKey: .batchSize),
      seed: try c.decode(UInt64.self, forKey: .seed),
      validationFraction: try c.decode(Double.self, forKey: .validationFraction),
      patience: try c.decode(Int.self, forKey: .patience),
      sampledColumns: try c.decodeIfPresent(Int.self, forKey: .sampledColumns),
      activeThreshold: try c.decode(Double.self, forKey: .activeThreshold),
      exactStep: c.contains(.exactStep)
        ? try c.decodeIfPresent(SparseAutoencoder.ExactStep.self, forKey: .exactStep) : .dense,
      labelWeight: try c.decodeIfPresent(Double.self, forKey: .labelWeight) ?? 0,
      taskWeight: try c.decodeIfPresent(Double.self, forKey: .taskWeight) ?? 0)
  }

  /// Encodes every field; an unset ``exactStep`` is written as `null`, so that it reads back as
  /// unset (an absent key reads as the dense step earlier models were trained with).
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(hiddenUnits, forKey: .hiddenUnits)
    try c.encode(activation, forKey: .activation)
    try c.encode(output, forKey: .output)
    try c.encode(tiedWeights, forKey: .tiedWeights)
    try c.encodeIfPresent(topK, forKey: .topK)
    try c.encode(sparsityTarget, forKey: .sparsityTarget)
    try c.encode(sparsityWeight, forKey: .sparsityWeight)
    try c.encode(weightDecay, forKey: .weightDecay)
    try c.encode(l1Weight, forKey: .l1Weight)
    try c.encode(loss, forKey: .loss)
    try c.encodeIfPresent(inputScale, forKey: .inputScale)
    try c.encode(unitNormDecoder, forKey: .unitNormDecoder)
    try c.encode(optimizer, forKey: .optimizer)
    try c.encodeIfPresent(learningRate, forKey: .learningRate)
    try c.encode(momentum, forKey: .momentum)
    try c.encode(epochs, forKey: .epochs)
    if let batchSize {
      try c.encode(batchSize, forKey: .batchSize)
    } else {
      try c.encodeNil(forKey: .batchSize)
    }
    try c.encode(seed, forKey: .seed)
    try c.encode(validationFraction, forKey: .validationFraction)
    try c.encode(patience, forKey: .patience)
    try c.encodeIfPresent(sampledColumns, forKey: .sampledColumns)
    try c.encode(activeThreshold, forKey: .activeThreshold)
    if let exactStep {
      try c.encode(exactStep, forKey: .exactStep)
    } else {
      try c.encodeNil(forKey: .exactStep)
    }
    try c.encode(labelWeight, forKey: .labelWeight)
    try c.encode(taskWeight, forKey: .taskWeight)
  }

  /// The configuration a training on `x` runs with: the ``inputScale`` that gives the rows of
  /// `x` a mean squared norm equal to their width when none is set, TopK's `k` at most the
  /// code size, and the batch size, learning rate and exact step chosen when they are unset.
  package func resolved(for x: SparseMatrix) -> Self {
    var copy = self
    if let k = topK { copy.topK = min(k, max(1, hiddenUnits)) }
    let batch = batchSize(rows: x.rows)
    if batchSize == nil {
      copy.batchSize = batch
      if learningRate == nil && optimizer == .adam {
        copy.learningRate = Self.automaticLearningRate(batchSize: batch)
      }
    }
    if exactStep == nil {
      let sampling = sampledColumns.map { $0 < x.columns } ?? false
      copy.exactStep =
        allowsGramForm && !sampling
          && batch >= Self.gramBatchThreshold(hidden: hiddenUnits) ? .gram : .dense
    }
    guard inputScale == nil else { return copy }
    var squares = 0.0
    for v in x.values { squares += Double(v) * Double(v) }
    let meanSquaredNorm = squares / Double(max(1, x.rows))
    copy.inputScale =
      meanSquaredNorm > 0 ? (Double(x.columns) / meanSquaredNorm).squareRoot() : 1
    return copy
  }
}
