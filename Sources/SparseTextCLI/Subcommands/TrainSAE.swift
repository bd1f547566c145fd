import ArgumentParser
import Foundation
import SparseText

struct TrainSAE: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "train-sae",
    abstract: "Train a sparse autoencoder on a TF-IDF matrix (.npz from `vectorize`).",
    discussion: """
      Examples:
        sparsetext vectorize bbc/ --min-df 2 -o x.npz --vocabulary-out vocab.json
        sparsetext train-sae x.npz -o sae/ --hidden 256 --epochs 20
        sparsetext inspect sae/ --vocabulary vocab.json --top 10
      The directory holds config.json, model.safetensors (encoder.weight [hidden, vocab], …), \
      training.json (each epoch's loss terms, the final metrics and each unit's firing rate) and \
      features.json (the training matrix's shape and fingerprint). While training it also holds \
      checkpoint/, from which --resume continues an interrupted run; a run that finishes removes \
      it.
      """)

  @Argument(help: "The features: a SciPy CSR .npz file.")
  var features: String

  @Option(name: .shortAndLong, help: "The model directory to write.")
  var output: String

  @Flag(help: "Continue from output/checkpoint to the same result as an uninterrupted run.")
  var resume = false

  @OptionGroup var autoencoder: AutoencoderOptions
  @OptionGroup var global: GlobalOptions

  /// What an autoencoder directory holds; train-sae writes only into a directory holding
  /// nothing else.
  static let directoryEntries: Set<String> = [
    "config.json", "model.safetensors", "training.json", "checkpoint", "features.json",
  ]

  func validate() throws {
    try OutputNames.requireDirectory(output, option: "-o")
  }

  func run() throws {
    let outputs = try OutputPlan(
      directories: [
        .init(
          name: "-o", path: output, formats: [SparseAutoencoder.formatName],
          entries: Self.directoryEntries)
      ], inputs: [("FEATURES", features)])
    defer { outputs.release() }
    try RunPaths.read(features, as: "FEATURES")
    let x = try SparseMatrix.readNPZ(from: URL(fileURLWithPath: features))
    let configuration = try autoencoder.configuration()
    let directory = URL(fileURLWithPath: output)
    let checkpointURL = directory.appendingPathComponent("checkpoint")
    var checkpoint: SparseAutoencoder.Checkpoint?
    // Checked before the directory is created, so a bad setting leaves nothing behind.
    try configuration.validate(inputColumns: x.columns)
    // Weights, their gradient and Adam's two moments, before anything that large is allocated.
    let hidden = Double(configuration.hiddenUnits)
    let columns = Double(x.columns)
    let parameters = (configuration.tiedWeights ? 1 : 2) * hidden * columns + hidden + columns
    try MemoryBudget.check(
      parameters * 4 * 4,
      for: "an autoencoder of \(configuration.hiddenUnits) units over \(x.columns) columns",
      suggestion:
        "Vectorize with fewer columns (--max-features N, or a smaller --hashing N) or pass a smaller --hidden."
    )
    if resume {
      guard FileManager.default.fileExists(atPath: checkpointURL.path) else {
        throw CommandError.usage(
          "no checkpoint in \(checkpointURL.path); run without --resume to start training")
      }
      let saved = try SparseAutoencoder.Checkpoint(contentsOf: checkpointURL)
      try Self.checkResumable(
        saved, configuration: configuration, columns: x.columns, path: checkpointURL.path)
      try Self.checkSameFeatures(x, in: directory, path: checkpointURL.path)
      checkpoint = saved
    }
    do {
      if !FileManager.default.fileExists(atPath: directory.path) {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
      }
    } catch {
      throw OutputError.translating(error, file: directory.path)
    }
    if !resume {
      // What the checkpoints are made from, so that --resume refuses other data of the same width.
      try AtomicFile.write(
        try JSONFormat.data(FeaturesRecord(x)),
        to: directory.appendingPathComponent("features.json"))
    }
    let display = TrainingDisplay(
      epochs: configuration.epochs, quiet: global.quiet,
      sparsityTerms: configuration.topK == nil)
    let failure = FailureBox()
    let started = Date()
    let model = try Self.resuming(checkpoint, configuration, path: checkpointURL.path) {
      try SparseAutoencoder(
        training: x, configuration: configuration, resumingFrom: checkpoint
      ) { event in
        display.handle(event)
        if case .checkpoint(let state) = event {
          do { try state.write(to: checkpointURL) } catch { failure.record(error) }
        }
      }
    }
    if let error = failure.error { throw error }
    let seconds = Date().timeIntervalSince(started)
    let report = try SparseAutoencoder.TrainingReport(model: model, data: x, seconds: seconds)
    let metrics = report.metrics
    let reportData = try report.fileData()
    try Self.replace(directory, with: model, report: reportData)
    if global.json {
      try Console.current.print(String(decoding: reportData, as: UTF8.self))
    } else {
      try Console.current.print(
        String(
          format:
            "trained %d units on %d × %d in %.1f s (%.2f s/epoch)\nreconstruction: MSE %.3g, ½‖x̂−x‖² per document %.4f, FVU %.4f\nactivation: mean %.4f (target %.3f), %d dead units of %d, %.1f active units per document",
          configuration.hiddenUnits, x.rows, x.columns, seconds,
          model.history.isEmpty
            ? 0.0 : model.history.map(\.seconds).reduce(0, +) / Double(model.history.count),
          metrics.meanSquaredError, metrics.halfSquaredErrorPerDocument,
          metrics.fractionOfVarianceUnexplained, metrics.meanActivation, metrics.sparsityTarget,
          metrics.deadUnits, metrics.hiddenUnits, metrics.activeUnitsPerDocument))
      try Console.current.print("model: \(directory.path)")
    }
  }
}

/// `features.json` in a train-sae directory: the shape and a fingerprint of the training matrix.
struct FeaturesRecord: Codable, Equatable {
  var rows: Int
  var columns: Int
  var nonzeros: Int
  var fingerprint: String

  init(_ x: SparseMatrix) {
    rows = x.rows
    columns = x.columns
    nonzeros = x.nonzeroCount
    fingerprint = Digest.fingerprint(of: x)
  }
}

extension TrainSAE {
  /// Swaps the finished model into `directory` as a whole (see
  /// ``AtomicFile/writeDirectory(at:formats:entries:_:)``): the new config.json,
  /// model.safetensors and training.json, with a copy of the features.json the run left there.
  /// The checkpoint is not carried over: a finished run has nothing to resume, so it goes with
  /// the old directory. Killed before the swap, the directory keeps its earlier model (and this
  /// run's checkpoint, for --resume); after it, it holds the new model complete.
  static func replace(_ directory: URL, with model: SparseAutoencoder, report: Data) throws {
    try AtomicFile.writeDirectory(
      at: directory, formats: [SparseAutoencoder.formatName], entries: directoryEntries
    ) { folder in
      try model.write(to: folder)
      try report.write(to: folder.appendingPathComponent("training.json"))
      let features = directory.appendingPathComponent("features.json")
      if FileManager.default.fileExists(atPath: features.path) {
        try FileManager.default.copyItem(
          at: features, to: folder.appendingPathComponent("features.json"))
      }
    }
  }

  /// Refuses to resume on a matrix other than the one the checkpoint was trained on (when the
  /// directory recorded it).
  static func checkSameFeatures(_ x: SparseMatrix, in directory: URL, path: String) throws {
    let url = directory.appendingPathComponent("features.json")
    guard let data = try? Data(contentsOf: url),
      let recorded = try? JSONDecoder().decode(FeaturesRecord.self, from: data)
    else { return }
    let given = FeaturesRecord(x)
    guard given != recorded else { return }
    throw ConfigurationError.conflict(
      reason:
        "cannot resume from '\(path)': it was trained on other features (\(recorded.rows) × \(recorded.columns), \(recorded.nonzeros) nonzeros, fingerprint \(recorded.fingerprint)); these are \(given.rows) × \(given.columns), \(given.nonzeros) nonzeros, fingerprint \(given.fingerprint)",
      suggestion: "Resume with the same .npz, or run without --resume to start over.")
  }

  /// Refuses to resume from a checkpoint made for other data or with other settings, naming
  /// what differs.
  static func checkResumable(
    _ checkpoint: SparseAutoencoder.Checkpoint, configuration: SparseAutoencoder.Configuration,
    columns: Int, path: String
  ) throws {
    // Other features are a usage error (exit 2), as the README says: the run was asked to
    // resume from a checkpoint of other data.
    guard checkpoint.inputColumns == columns else {
      throw ConfigurationError.conflict(
        reason:
          "cannot resume from '\(path)': its checkpoint was trained on features with \(checkpoint.inputColumns) columns, these have \(columns)",
        suggestion: "Resume with the same .npz, or run without --resume to start over.")
    }
  }

  /// Runs `train`; when it refuses `checkpoint` as made with other settings, says which
  /// settings differ. The library decides what must match (it may resolve settings left
  /// automatic, so they are not listed here).
  static func resuming(
    _ checkpoint: SparseAutoencoder.Checkpoint?, _ configuration: SparseAutoencoder.Configuration,
    path: String, _ train: () throws -> SparseAutoencoder
  ) throws -> SparseAutoencoder {
    do {
      return try train()
    } catch let error as ModelFormatError {
      guard let checkpoint,
        let conflict = settingsConflict(checkpoint, configuration: configuration, path: path)
      else { throw error }
      throw conflict
    }
  }

  /// The settings `configuration` gives that differ from the checkpoint's, as an error.
  static func settingsConflict(
    _ checkpoint: SparseAutoencoder.Checkpoint, configuration: SparseAutoencoder.Configuration,
    path: String
  ) -> ConfigurationError? {
    // A setting left unset (automatic) is resolved by the training; it is not a conflict.
    let differing =
      (try? JSONFormat.differences(checkpoint.configuration, configuration))?
      .filter { $0.new != nil } ?? []
    guard !differing.isEmpty else { return nil }
    let listed = differing.map {
      "\($0.path) is \($0.new ?? "null") here, \($0.old ?? "nothing") in the checkpoint"
    }
    return ConfigurationError.conflict(
      reason:
        "cannot resume from '\(path)': it was made with other settings (\(listed.joined(separator: "; ")))",
      suggestion: "Resume with the checkpoint's settings, or run without --resume to start over.")
  }
}

/// The first error raised inside a callback.
final class FailureBox: @unchecked Sendable {
  private let lock = NSLock()
  private(set) var error: (any Error)?
  func record(_ error: any Error) {
    lock.lock()
    if self.error == nil { self.error = error }
    lock.unlock()
  }
}
