import Foundation

extension SparseAutoencoder {
  /// `training.json` in an autoencoder's directory: the per-epoch loss terms, the final metrics
  /// on the training matrix, how often each unit fires, and the run's size and time.
  package struct TrainingReport: Codable, Sendable, Equatable {
    /// One summary per epoch, in order.
    package var epochs: [EpochSummary]
    /// Reconstruction and sparsity measured on the training matrix after training.
    package var metrics: SparseCodingMetrics
    /// For each unit, the fraction of training documents whose code exceeds
    /// ``SparseAutoencoder/activityThreshold``.
    package var firingRates: [Double]
    /// Wall-clock seconds of the training.
    package var seconds: Double
    /// Rows of the training matrix.
    package var documents: Int
    /// Columns of the training matrix.
    package var terms: Int

    enum CodingKeys: String, CodingKey {
      case epochs, metrics, seconds, documents, terms
      case firingRates = "firing_rates"
    }

    /// The report of `model`, trained on `x` in `seconds`: encodes `x` once to measure it.
    /// - Throws: ``DataError/shapeMismatch(what:expected:actual:)`` when `x` is not as wide as the model's input.
    package init(model: SparseAutoencoder, data x: SparseMatrix, seconds: Double) throws {
      epochs = model.history
      metrics = try model.metrics(on: x)
      firingRates = SparseAutoencoder.firingRates(
        of: try model.encode(x), threshold: model.activityThreshold)
      self.seconds = seconds
      documents = x.rows
      terms = x.columns
    }

    /// The file's bytes, as `training.json` holds them.
    package func fileData() throws -> Data { try JSONFormat.data(self) }

    /// Reads `training.json` from an autoencoder's directory.
    ///
    /// - Throws: ``ModelFormatError`` when the file is missing or is not a training report.
    package init(contentsOf url: URL) throws {
      guard let data = try? Data(contentsOf: url) else {
        throw ModelFormatError.missingFile(file: url.path)
      }
      do {
        self = try JSONFormat.decoder().decode(Self.self, from: data)
      } catch {
        throw ModelFormatError.corrupt(file: url.path, reason: TextFeaturePipeline.describe(error))
      }
    }
  }

  /// For each unit (column of `codes`), the fraction of rows on which it is above `threshold`.
  package static func firingRates(of codes: DenseMatrix, threshold: Float) -> [Double] {
    var statistics = CodeStatistics(units: codes.columns, threshold: threshold)
    statistics.add(codes)
    return statistics.firingRates
  }
}

extension SparseAutoencoder {
  /// What a training ran, as a model bundle records it (`autoencoder_training` in
  /// `config.json`): the epochs it ran (fewer than ``Configuration/epochs`` when the validation
  /// loss stopped falling), the epoch whose parameters it kept and that epoch's validation
  /// loss, and the last epoch's label term. No times, so equal trainings write equal bundles.
  package struct TrainingOutcome: Codable, Sendable, Equatable {
    /// Epochs run.
    package var epochsRun: Int
    /// The epoch whose parameters the model holds: the one with the lowest validation loss
    /// under a validation slice, else the last.
    package var keptEpoch: Int
    /// The validation loss of ``keptEpoch``, when there was a validation slice.
    package var bestValidationLoss: Double?
    /// The mean label term of the last epoch, when training with labels.
    package var labelLoss: Double?

    enum CodingKeys: String, CodingKey {
      case epochsRun = "epochs_run"
      case keptEpoch = "kept_epoch"
      case bestValidationLoss = "best_validation_loss"
      case labelLoss = "label_loss"
    }

    /// The outcome of a training with per-epoch `history`; `nil` for an empty one.
    package init?(history: [EpochSummary]) {
      guard let last = history.last else { return nil }
      epochsRun = history.count
      keptEpoch = last.epoch
      bestValidationLoss = nil
      for summary in history {
        if let loss = summary.validationLoss, loss < bestValidationLoss ?? .infinity {
          bestValidationLoss = loss
          keptEpoch = summary.epoch
        }
      }
      labelLoss = last.labelLoss
    }
  }
}
