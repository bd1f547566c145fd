import Foundation

/// The autoencoder's own directory (`sparsetext train-sae -o DIR`): `config.json`,
/// `model.safetensors` (PyTorch-style names), `training.json` (per-epoch loss terms and final
/// metrics) and `checkpoint/` for `--resume`.
extension SparseAutoencoder {
  /// The directory format's name.
  package static let formatName = "sparsetext-autoencoder"
  /// The directory format version this build writes: 2 writes `config.json` in snake_case;
  /// version 1 (camelCase) is still read.
  package static let formatVersion = 2

  struct FileConfig: Codable {
    var format: String
    var formatVersion: Int
    var libraryVersion: String
    var inputColumns: Int
    var configuration: Configuration

    enum CodingKeys: String, CodingKey {
      case format
      case formatVersion = "format_version"
      case libraryVersion = "library_version"
      case inputColumns = "input_columns"
      case configuration
    }
  }

  /// Writes `config.json` and `model.safetensors` into `directory` (atomically, each file).
  package func write(to directory: URL) throws {
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let config = FileConfig(
      format: Self.formatName, formatVersion: Self.formatVersion,
      libraryVersion: SparseTextVersion.library, inputColumns: inputColumns,
      configuration: configuration)
    try AtomicFile.write(
      try JSONFormat.data(config), to: directory.appendingPathComponent("config.json"))
    try SafeTensors.write(
      parameters, metadata: ["format": Self.formatName],
      to: directory.appendingPathComponent("model.safetensors"))
  }

  /// Reads a directory written by ``write(to:)``.
  package init(contentsOf directory: URL) throws {
    let configURL = directory.appendingPathComponent("config.json")
    guard let data = try? Data(contentsOf: configURL) else {
      throw ModelFormatError.missingFile(file: configURL.path)
    }
    let config: FileConfig
    do {
      // Version 1 wrote camelCase keys: bring them to this build's form first.
      config = try JSONFormat.decoder().decode(
        FileConfig.self, from: JSONFormat.upgradingCamelCase(data, marker: "formatVersion"))
    } catch {
      throw ModelFormatError.corrupt(
        file: configURL.path, reason: TextFeaturePipeline.describe(error))
    }
    guard config.format == Self.formatName else {
      throw ModelFormatError.corrupt(
        file: configURL.path, reason: "format is '\(config.format)', not '\(Self.formatName)'")
    }
    guard (1...Self.formatVersion).contains(config.formatVersion) else {
      throw ModelFormatError.unsupportedVersion(
        file: configURL.path, found: "\(config.formatVersion)",
        supported: "1 to \(Self.formatVersion)")
    }
    let (tensors, _) = try SafeTensors.read(
      from: directory.appendingPathComponent("model.safetensors"))
    try self.init(parameters: tensors, configuration: config.configuration)
    guard inputColumns == config.inputColumns else {
      throw ModelFormatError.inconsistent(
        file: configURL.path,
        reason: "config says \(config.inputColumns) inputs, the weights have \(inputColumns)")
    }
  }
}

extension SparseAutoencoder.Checkpoint {
  struct State: Codable {
    var configuration: SparseAutoencoder.Configuration
    var inputColumns: Int
    var epoch: Int
    var steps: Int
    var generator: SeededGenerator
    var history: [SparseAutoencoder.EpochSummary]
    var bestLoss: Double?
    var stale: Int
    /// The label head's optimizer steps, when training with labels.
    var headSteps: Int? = nil

    enum CodingKeys: String, CodingKey {
      case configuration
      case inputColumns = "input_columns"
      case epoch
      case steps
      case generator
      case history
      case bestLoss = "best_loss"
      case stale
      case headSteps = "head_steps"
    }
  }

  /// The epochs it has completed.
  public var completedEpochs: Int { epoch }

  /// Writes the checkpoint as `state.json` + `tensors.safetensors` in `directory`, atomically.
  public func write(to directory: URL) throws {
    var tensors: [String: Tensor] = ["parameters": Tensor(vector: parameters)]
    for (k, buffer) in optimizerState.enumerated() {
      tensors["optimizer.\(k)"] = Tensor(vector: buffer)
    }
    if let best { tensors["best"] = Tensor(vector: best.parameters) }
    if let head {
      tensors["head"] = Tensor(vector: head.parameters)
      for (k, buffer) in head.optimizerState.enumerated() {
        tensors["head.optimizer.\(k)"] = Tensor(vector: buffer)
      }
    }
    let state = State(
      configuration: configuration, inputColumns: inputColumns, epoch: epoch, steps: steps,
      generator: generator, history: history, bestLoss: best?.loss, stale: stale,
      headSteps: head?.steps)
    let stateData = try JSONFormat.data(state, pretty: false)
    let tensorData = SafeTensors.encode(tensors)
    try AtomicFile.writeDirectory(at: directory) { folder in
      try stateData.write(to: folder.appendingPathComponent("state.json"))
      try tensorData.write(to: folder.appendingPathComponent("tensors.safetensors"))
    }
  }

  /// Reads a checkpoint written by ``write(to:)``.
  ///
  /// - Throws: ``ModelFormatError`` for a missing, damaged or inconsistent file.
  public init(contentsOf directory: URL) throws {
    let stateURL = directory.appendingPathComponent("state.json")
    guard let data = try? Data(contentsOf: stateURL) else {
      throw ModelFormatError.missingFile(file: stateURL.path)
    }
    let state: State
    do {
      // Checkpoints of earlier builds wrote camelCase keys.
      state = try JSONFormat.decoder().decode(
        State.self, from: JSONFormat.upgradingCamelCase(data, marker: "inputColumns"))
    } catch {
      throw ModelFormatError.corrupt(file: stateURL.path, reason: "\(error)")
    }
    let (tensors, _) = try SafeTensors.read(
      from: directory.appendingPathComponent("tensors.safetensors"))
    guard let parameters = tensors["parameters"]?.values else {
      throw ModelFormatError.corrupt(file: directory.path, reason: "no parameters tensor")
    }
    var optimizerState: [[Float]] = []
    while let buffer = tensors["optimizer.\(optimizerState.count)"] {
      optimizerState.append(buffer.values)
    }
    guard optimizerState.allSatisfy({ $0.count == parameters.count }) else {
      throw ModelFormatError.inconsistent(
        file: directory.path, reason: "optimizer state and parameters differ in size")
    }
    var head: HeadState? = nil
    if let headParameters = tensors["head"]?.values, let headSteps = state.headSteps {
      var headState: [[Float]] = []
      while let buffer = tensors["head.optimizer.\(headState.count)"] {
        headState.append(buffer.values)
      }
      guard headState.count == optimizerState.count,
        headState.allSatisfy({ $0.count == headParameters.count })
      else {
        throw ModelFormatError.inconsistent(
          file: directory.path, reason: "the label head's optimizer state does not match it")
      }
      head = HeadState(parameters: headParameters, optimizerState: headState, steps: headSteps)
    }
    self.init(
      configuration: state.configuration, inputColumns: state.inputColumns, epoch: state.epoch,
      parameters: parameters, optimizerState: optimizerState, steps: state.steps,
      generator: state.generator, history: state.history,
      best: state.bestLoss.flatMap { loss in tensors["best"].map { (loss, $0.values) } },
      stale: state.stale, head: head)
  }
}
