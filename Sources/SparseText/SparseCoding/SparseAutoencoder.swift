import Foundation

/// A sparse autoencoder over sparse document vectors: `h = f(W₁x + b₁)`, `x̂ = g(W₂h + b₂)`,
/// trained to minimize `L_rec + β·Σⱼ KL(ρ‖ρ̂ⱼ) + λ/2·(‖W₁‖² + ‖W₂‖²) + α·mean‖h‖₁` (or with
/// TopK codes instead of the KL term). The codes `h` are the features; each decoder column says
/// which terms a latent unit stands for.
///
/// Inputs stay sparse: the encoder adds weight rows for the nonzero entries of each document,
/// and only the decoder and its gradients are dense matrix products (BLAS `sgemm`).
///
/// ```swift
/// let sae = try SparseAutoencoder(training: x, configuration: .init(hiddenUnits: 256))
/// let codes = try sae.encode(x)
/// ```
public struct SparseAutoencoder: Sendable {
  /// Loss terms and code statistics of one epoch.
  public struct EpochSummary: Sendable, Equatable, Codable {
    /// 1-based epoch number.
    public var epoch: Int
    /// Mean total loss over the epoch's batches.
    public var loss: Double
    /// Mean reconstruction term.
    package var reconstruction: Double
    /// Mean `β·Σ KL` term.
    package var sparsity: Double
    /// Mean weight-decay term.
    package var weightDecay: Double
    /// Mean L1 term.
    package var l1: Double
    /// Mean activation over the epoch's batches (ρ̂).
    package var meanActivation: Double
    /// Loss on the held-out rows, when early stopping is on.
    public var validationLoss: Double?
    /// Wall-clock seconds of the epoch.
    public var seconds: Double
    /// The rate of the decoder's dense matrix products (forward and both backward products) in
    /// GFLOP/s: their floating-point operations over the time spent in them (when workers run
    /// products side by side, their summed time over the number of workers). Benchmark
    /// telemetry: written to training.json for `make bench`, not part of the public surface.
    package var denseGigaflopsPerSecond: Double?
    /// Mean label term (``Configuration/labelWeight``), when training with labels.
    package var labelLoss: Double? = nil

    enum CodingKeys: String, CodingKey {
      case epoch
      case loss
      case reconstruction
      case sparsity
      case weightDecay = "weight_decay"
      case l1
      case meanActivation = "mean_activation"
      case validationLoss = "validation_loss"
      case seconds
      case denseGigaflopsPerSecond = "dense_gigaflops_per_second"
      case labelLoss = "label_loss"
    }
  }

  /// Something that happened during training.
  public enum TrainingEvent: Sendable {
    /// A batch finished.
    case batch(epoch: Int, batch: Int, batches: Int, loss: Double)
    /// An epoch finished.
    case epoch(EpochSummary)
    /// A checkpoint after an epoch, to save for `--resume`.
    case checkpoint(Checkpoint)
  }

  /// Everything needed to continue training exactly where it stopped: pass it back as
  /// `resumingFrom` with the same data and configuration. ``TrainingEvent/checkpoint(_:)``
  /// hands one out after each epoch; ``write(to:)`` saves it and ``init(contentsOf:)`` reads
  /// it back, so a training can resume in another process.
  public struct Checkpoint: Sendable {
    /// The configuration being trained.
    package var configuration: Configuration
    /// The number of input columns.
    package var inputColumns: Int
    /// Epochs completed.
    package var epoch: Int
    /// Flat parameters.
    package var parameters: [Float]
    /// Flat optimizer state.
    package var optimizerState: [[Float]]
    /// Optimizer steps taken.
    package var steps: Int
    /// The random generator's state.
    package var generator: SeededGenerator
    /// Per-epoch history so far.
    package var history: [EpochSummary]
    /// Best validation loss and its parameters, for early stopping.
    package var best: (loss: Double, parameters: [Float])?
    /// Epochs since the best validation loss.
    package var stale: Int
    /// The label term's head and its optimizer, when training with labels.
    package var head: HeadState? = nil

    /// A label head's parameters and optimizer state.
    package struct HeadState: Sendable {
      package var parameters: [Float]
      package var optimizerState: [[Float]]
      package var steps: Int
    }
  }

  /// The configuration.
  public let configuration: Configuration
  /// The number of input columns (vocabulary size).
  public let inputColumns: Int
  /// Per-epoch training history (empty for a restored model).
  package let history: [EpochSummary]
  let layout: Layout
  /// The parameters, laid out as ``layout`` says (`var` so that training can rewrite a copy;
  /// see ``readingUnscaledColumns(_:)``).
  var theta: [Float]

  /// Where each parameter lives in the flat parameter vector. The encoder is stored transposed
  /// (`[inputs, hidden]`) so the row of a term is contiguous; ``parameters`` exports PyTorch's
  /// `[hidden, inputs]`.
  struct Layout: Sendable {
    let inputs: Int
    let hidden: Int
    let tied: Bool
    var encoderWeight: Range<Int> { 0..<(inputs * hidden) }
    var encoderBias: Range<Int> { encoderWeight.upperBound..<(encoderWeight.upperBound + hidden) }
    var decoderWeight: Range<Int> {
      tied ? encoderWeight : encoderBias.upperBound..<(encoderBias.upperBound + inputs * hidden)
    }
    var decoderBias: Range<Int> {
      let start = tied ? encoderBias.upperBound : decoderWeight.upperBound
      return start..<(start + inputs)
    }
    var count: Int { decoderBias.upperBound }
    /// Ranges that weight decay applies to.
    var weights: [Range<Int>] { tied ? [encoderWeight] : [encoderWeight, decoderWeight] }

    /// The parameters that get a gradient when the batch holds the terms `encoder` and the
    /// decoder reconstructs the columns `decoder`: those rows of W₁ᵀ and W₂, their decoder bias
    /// entries and the whole encoder bias; sorted, disjoint and merged where adjacent.
    func rows(encoder: some Sequence<Int>, decoder: some Sequence<Int>) -> [Range<Int>] {
      var ranges: [Range<Int>] = [encoderBias]
      for column in encoder {
        let start = encoderWeight.lowerBound + column * hidden
        ranges.append(start..<(start + hidden))
      }
      for column in decoder {
        let start = decoderWeight.lowerBound + column * hidden
        ranges.append(start..<(start + hidden))
        ranges.append((decoderBias.lowerBound + column)..<(decoderBias.lowerBound + column + 1))
      }
      ranges.sort { $0.lowerBound < $1.lowerBound }
      var merged: [Range<Int>] = []
      for range in ranges {
        if let last = merged.last, range.lowerBound <= last.upperBound {
          merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
        } else {
          merged.append(range)
        }
      }
      return merged
    }
  }

  // MARK: - Training

  /// Trains on the rows of `x` (documents × terms).
  ///
  /// - Parameters:
  ///   - x: the training documents (rows) over the vocabulary (columns), e.g. TF-IDF.
  ///   - configuration: the model and training settings; the model's ``configuration`` is this
  ///     one with the input scale resolved (see ``Configuration/inputScale``).
  ///   - checkpoint: a checkpoint of an interrupted run with the same data and configuration;
  ///     training continues to the same result as an uninterrupted run.
  ///   - progress: called from the training thread after each batch and epoch.
  /// - Throws: ``ConfigurationError`` for invalid settings, ``DataError`` when there are too few
  ///   documents or training diverges, ``ModelFormatError`` for a checkpoint that does not match.
  public init(
    training x: SparseMatrix, configuration: Configuration = .init(),
    resumingFrom checkpoint: Checkpoint? = nil,
    progress: (@Sendable (TrainingEvent) -> Void)? = nil
  ) throws {
    try self.init(
      training: x, configuration: configuration, resumingFrom: checkpoint, progress: progress,
      isCancelled: nil)
  }

  /// ``init(training:configuration:resumingFrom:progress:)`` that asks `isCancelled` after
  /// every batch and throws `CancellationError` when it says so.
  package init(
    training x: SparseMatrix, configuration: Configuration = .init(),
    resumingFrom checkpoint: Checkpoint? = nil,
    progress: (@Sendable (TrainingEvent) -> Void)? = nil, isCancelled: CancellationCheck?
  ) throws {
    try self.init(
      training: x, labels: nil, classes: 0, configuration: configuration,
      resumingFrom: checkpoint, progress: progress, isCancelled: isCancelled)
  }

  /// Trains on the rows of `x` with the label term (``Configuration/labelWeight``): the codes
  /// also learn to predict `labels` through a softmax head that is trained with them and then
  /// dropped (a classifier is fitted on the codes afterwards).
  ///
  /// - Parameters:
  ///   - x: the training documents (rows) over the vocabulary (columns), e.g. TF-IDF.
  ///   - labels: the class of each row of `x`, in `0..<classes`, or −1 for a row without a
  ///     label (it adds the reconstruction and sparsity terms only); `nil`, a `classes` below 2
  ///     or a ``Configuration/labelWeight`` of 0 train without the label term, the same model
  ///     bit for bit as ``init(training:configuration:resumingFrom:progress:)``. No row
  ///     labelled is the same as no labels.
  ///   - classes: the number of classes.
  ///   - configuration: the model and training settings, with ``Configuration/labelWeight``.
  ///   - checkpoint: a checkpoint of an interrupted run with the same data, labels and
  ///     configuration (it holds the head).
  ///   - progress: called from the training thread after each batch and epoch.
  ///   - isCancelled: asked after every batch; training throws `CancellationError` when it
  ///     says so.
  /// - Throws: as ``init(training:configuration:resumingFrom:progress:)``, and
  ///   ``DataError/shapeMismatch(what:expected:actual:)`` or
  ///   ``DataError/invalidMatrix(what:reason:)`` for labels that are not one per row in
  ///   `-1..<classes`.
  public init(
    training x: SparseMatrix, labels: [Int]?, classes: Int,
    configuration: Configuration = .init(), resumingFrom checkpoint: Checkpoint? = nil,
    progress: (@Sendable (TrainingEvent) -> Void)? = nil,
    isCancelled: (@Sendable () -> Bool)? = nil
  ) throws {
    // The task-weighted reconstruction trains on the inputs' columns scaled by √ω, and the
    // trained model is rewritten at the end to read the inputs themselves.
    let factors = try Self.taskFactors(
      x, labels: labels, classes: classes, configuration: configuration,
      isCancelled: isCancelled)
    let x = factors.map { x.scalingColumns(by: $0) } ?? x
    let configuration = configuration.resolved(for: x)
    try configuration.validate(inputColumns: x.columns)
    guard x.rows >= 2 else {
      throw DataError.tooFewDocuments(got: x.rows, needed: 2, purpose: "a sparse autoencoder")
    }
    let layout = Layout(
      inputs: x.columns, hidden: configuration.hiddenUnits, tied: configuration.tiedWeights)
    var trainer = Trainer(configuration: configuration, layout: layout)
    if let labels {
      guard labels.count == x.rows else {
        throw DataError.shapeMismatch(
          what: "labels (one per training row)", expected: x.rows, actual: labels.count)
      }
      if let bad = labels.firstIndex(where: { $0 < -1 || $0 >= max(classes, 0) }) {
        throw DataError.invalidMatrix(
          what: "labels",
          reason:
            "row \(bad) has label \(labels[bad]), outside 0..<\(classes) (or −1 for unlabelled)")
      }
      if configuration.labelWeight > 0 && classes >= 2 && labels.contains(where: { $0 >= 0 }) {
        trainer.head = LabelHead(
          labels: labels.map { Int32($0) }, classes: classes, configuration: configuration)
      }
    }
    if let checkpoint {
      guard checkpoint.configuration == configuration, checkpoint.inputColumns == x.columns,
        checkpoint.parameters.count == layout.count,
        checkpoint.head?.parameters.count == trainer.head?.parameters.count
      else {
        throw ModelFormatError.inconsistent(
          file: "checkpoint",
          reason: "it was made with another configuration or another number of input columns")
      }
      trainer.restore(checkpoint)
    }
    // Products are split over cores by the trainer itself (BLAS.splitSgemm), with BLAS on one
    // thread so its idle workers do not spin against ours.
    // Denormals are flushed to zero while training: Adam's first moment of a unit that stops
    // receiving gradient (TopK's unselected units, weight decay off) decays into the denormal
    // range, where each operation costs tens of cycles and epochs grew 3× slower.
    try BLAS.singleThreaded {
      try FloatingPointMode.flushingDenormals {
        try trainer.train(x, progress: progress, isCancelled: isCancelled)
      }
    }
    self.configuration = configuration
    self.inputColumns = x.columns
    self.layout = layout
    var theta = trainer.result
    if let factors { Self.unscaleColumns(&theta, factors: factors, layout: layout) }
    self.theta = theta
    self.history = trainer.history
  }

  /// Restores a trained model from its tensors (`encoder.weight` [hidden, inputs],
  /// `encoder.bias`, `decoder.weight` [inputs, hidden], `decoder.bias`).
  package init(parameters: [String: Tensor], configuration: Configuration) throws {
    guard let encoder = parameters["encoder.weight"], encoder.shape.count == 2 else {
      throw ModelFormatError.inconsistent(
        file: "model.safetensors", reason: "no 2-D encoder.weight tensor")
    }
    let hidden = encoder.shape[0]
    let inputs = encoder.shape[1]
    guard hidden == configuration.hiddenUnits else {
      throw ModelFormatError.inconsistent(
        file: "model.safetensors",
        reason:
          "encoder.weight has \(hidden) rows but the configuration says \(configuration.hiddenUnits) hidden units"
      )
    }
    func tensor(_ name: String, _ shape: [Int]) throws -> [Float] {
      guard let t = parameters[name], t.shape == shape else {
        throw ModelFormatError.inconsistent(
          file: "model.safetensors",
          reason:
            "\(name) should have shape \(shape), found \(parameters[name]?.shape.description ?? "nothing")"
        )
      }
      return t.values
    }
    let layout = Layout(inputs: inputs, hidden: hidden, tied: configuration.tiedWeights)
    var theta = [Float](repeating: 0, count: layout.count)
    // encoder.weight is [hidden, inputs]; store it transposed.
    for j in 0..<hidden {
      for c in 0..<inputs { theta[c * hidden + j] = encoder.values[j * inputs + c] }
    }
    theta.replaceSubrange(layout.encoderBias, with: try tensor("encoder.bias", [hidden]))
    if !configuration.tiedWeights {
      theta.replaceSubrange(
        layout.decoderWeight, with: try tensor("decoder.weight", [inputs, hidden]))
    }
    theta.replaceSubrange(layout.decoderBias, with: try tensor("decoder.bias", [inputs]))
    self.configuration = configuration
    self.inputColumns = inputs
    self.layout = layout
    self.theta = theta
    self.history = []
  }

  /// The parameters, named and shaped like PyTorch modules: `encoder.weight` [hidden, inputs],
  /// `encoder.bias` [hidden], `decoder.weight` [inputs, hidden], `decoder.bias` [inputs].
  package var parameters: [String: Tensor] {
    let h = layout.hidden
    let n = layout.inputs
    var encoder = [Float](repeating: 0, count: n * h)
    for c in 0..<n {
      for j in 0..<h { encoder[j * n + c] = theta[c * h + j] }
    }
    return [
      "encoder.weight": try! Tensor(shape: [h, n], values: encoder),  // swift-format-ignore
      "encoder.bias": Tensor(vector: Array(theta[layout.encoderBias])),
      "decoder.weight": try! Tensor(shape: [n, h], values: Array(theta[layout.decoderWeight])),
      "decoder.bias": Tensor(vector: Array(theta[layout.decoderBias])),
    ]
  }

  // MARK: - Using the model

  /// The codes of the rows of `x` (documents × hidden units), computed over row blocks in
  /// parallel.
  ///
  /// - Throws: ``DataError/shapeMismatch(what:expected:actual:)`` when `x` does not have
  ///   ``inputColumns`` columns.
  public func encode(_ x: SparseMatrix) throws -> DenseMatrix {
    try checkInput(x)
    return encodeUnchecked(x)
  }

  /// Throws when `x` does not have ``inputColumns`` columns.
  func checkInput(_ x: SparseMatrix) throws {
    guard x.columns == inputColumns else {
      throw DataError.shapeMismatch(
        what: "input columns (the model's inputs)", expected: inputColumns, actual: x.columns)
    }
  }

  /// ``encode(_:)`` for rows the caller knows have ``inputColumns`` columns: the codes of
  /// `range` of the rows of `x` (all of them when `nil`), each row's the same whichever
  /// block it is encoded in.
  package func encodeUnchecked(_ x: SparseMatrix, rows range: Range<Int>? = nil) -> DenseMatrix {
    precondition(x.columns == inputColumns, "x has \(x.columns) columns, the model \(inputColumns)")
    let range = range ?? 0..<x.rows
    let h = layout.hidden
    var out = [Float](repeating: 0, count: range.count * h)
    let theta = self.theta
    let layout = self.layout
    let configuration = self.configuration
    // Each worker writes its rows' codes in place: no second matrix of codes, which for a
    // million documents would be another gigabyte.
    out.withUnsafeMutableBufferPointer { buffer in
      theta.withUnsafeBufferPointer { weights in
        let shared = UnsafeSharedBuffer(buffer)
        let w = UnsafeSharedBuffer(readOnly: weights)
        Parallel.forEach(count: range.count, minimumChunk: 64) { local in
          let codes = shared.base + local.lowerBound * h
          let rows = (range.lowerBound + local.lowerBound)..<(range.lowerBound + local.upperBound)
          Kernels.encode(
            x, rows: rows, theta: w.base, layout: layout, configuration: configuration,
            preactivation: codes)
          Kernels.activate(codes, rows: rows.count, hidden: h, configuration: configuration)
        }
      }
    }
    return DenseMatrix(uncheckedRows: range.count, columns: h, values: out)
  }

  /// Reconstructions `x̂` of the rows of `x`, in the input's scale (divided by `inputScale`).
  ///
  /// - Throws: ``DataError/shapeMismatch(what:expected:actual:)`` when `x` does not have
  ///   ``inputColumns`` columns.
  public func reconstruct(_ x: SparseMatrix) throws -> DenseMatrix {
    decodeUnchecked(try encode(x))
  }

  /// The decoder's output for `codes` (documents × hidden units), in the input's scale
  /// (divided by `inputScale`).
  ///
  /// - Throws: ``DataError/shapeMismatch(what:expected:actual:)`` when `codes` does not have one
  ///   column per hidden unit.
  public func decode(_ codes: DenseMatrix) throws -> DenseMatrix {
    guard codes.columns == configuration.hiddenUnits else {
      throw DataError.shapeMismatch(
        what: "code columns (the hidden units)", expected: configuration.hiddenUnits,
        actual: codes.columns)
    }
    return decodeUnchecked(codes)
  }

  /// ``decode(_:)`` for codes the caller knows have one column per hidden unit.
  package func decodeUnchecked(_ codes: DenseMatrix) -> DenseMatrix {
    var out = Kernels.decode(codes, theta: theta, layout: layout, configuration: configuration)
    let scale = Float(1 / configuration.scale)
    for k in out.values.indices { out.values[k] *= scale }
    return out
  }

  /// The scale applied to inputs before encoding (a trained model's configuration always
  /// records it, chosen from the training rows when it was not given).
  package var inputScale: Double { configuration.scale }

  /// A unit counts as active (for L0 and dead units) above this: `activeThreshold` for sigmoid
  /// codes, which are never exactly 0, and 0 for ReLU and TopK codes.
  package var activityThreshold: Float {
    configuration.topK == nil && configuration.activation == .sigmoid
      ? Float(configuration.activeThreshold) : 0
  }

  /// The `count` terms (columns) with the largest decoder weights for a latent unit.
  ///
  /// - Throws: ``ConfigurationError/outOfRange(field:value:allowed:)`` naming
  ///   ``ConfigurationField/latent`` when `latent` is not one of the units.
  public func topTerms(latent: Int, count: Int) throws -> [(column: Int, weight: Float)] {
    let h = layout.hidden
    guard (0..<h).contains(latent) else {
      throw ConfigurationError.outOfRange(
        field: .latent, value: "\(latent)", allowed: "0 to \(h - 1)")
    }
    let base = layout.decoderWeight.lowerBound
    var column = (0..<layout.inputs).map { c in (column: c, weight: theta[base + c * h + latent]) }
    column.sort { $0.weight != $1.weight ? $0.weight > $1.weight : $0.column < $1.column }
    return Array(column.prefix(max(0, count)))
  }

  /// Reconstruction error, activation and sparsity statistics on `x`.
  ///
  /// - Parameters:
  ///   - x: the rows to reconstruct.
  ///   - referenceMeans: the column means x̄ in the FVU's denominator `Σ(x − x̄)²`; pass the
  ///     training rows' means (``SparseMatrix/columnMeans()``) to measure held-out rows as a
  ///     linear baseline would be measured. The means of `x` itself when `nil`.
  /// - Returns: the reconstruction and code statistics.
  /// - Throws: ``DataError/shapeMismatch(what:expected:actual:)`` when `x` does not have
  ///   ``inputColumns`` columns or `referenceMeans` does not have one mean per column.
  package func metrics(on x: SparseMatrix, referenceMeans: [Double]? = nil) throws
    -> SparseCodingMetrics
  {
    try checkInput(x)
    if let referenceMeans, referenceMeans.count != x.columns {
      throw DataError.shapeMismatch(
        what: "reference means (one per column)", expected: x.columns,
        actual: referenceMeans.count)
    }
    return SparseCodingMetrics(model: self, x: x, referenceMeans: referenceMeans)
  }
}
