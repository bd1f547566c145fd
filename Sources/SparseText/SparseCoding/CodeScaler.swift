/// A per-unit affine map of codes, fitted on the training codes: `(h − mean) / scale`.
///
/// Sparse codes differ in scale from unit to unit (a unit that fires on a tenth of the documents
/// and one that fires on all of them), which an L2-regularized classifier punishes unevenly.
/// Standardizing each unit, as scikit-learn's `StandardScaler` does, puts them on one footing;
/// the pipeline fits it after the autoencoder and applies it wherever codes leave the pipeline.
public struct CodeScaler: Sendable, Equatable {
  /// How codes are post-processed before they are used as features.
  public enum Method: String, Codable, Sendable, CaseIterable {
    /// The codes as the encoder makes them.
    case none
    /// Each unit centred on its training mean and divided by its training standard deviation
    /// (units that never vary are only centred).
    case standardize
  }

  /// The training mean of each unit.
  package let mean: [Float]
  /// The divisor of each unit (its standard deviation, or 1 for a constant unit).
  package let scale: [Float]

  /// Fits the mean and standard deviation of each column of `codes`.
  package init(fitting codes: DenseMatrix) {
    var statistics = CodeStatistics(units: codes.columns, threshold: .infinity)
    statistics.add(codes)
    self = statistics.scaler
  }

  /// A scaler with parameters already known to be valid.
  init(uncheckedMean mean: [Float], scale: [Float]) {
    self.mean = mean
    self.scale = scale
  }

  /// A scaler with the given parameters, which must have one finite entry per unit and
  /// positive scales.
  package init(mean: [Float], scale: [Float]) throws {
    guard mean.count == scale.count else {
      throw DataError.shapeMismatch(
        what: "codes.scale entries (one per unit)", expected: mean.count, actual: scale.count)
    }
    guard mean.allSatisfy(\.isFinite), scale.allSatisfy({ $0.isFinite && $0 > 0 }) else {
      throw ConfigurationError.outOfRange(
        field: .codeScaling, value: "a non-finite or non-positive entry",
        allowed: "finite means and positive finite scales")
    }
    self.mean = mean
    self.scale = scale
  }

  /// The number of units.
  package var units: Int { mean.count }

  /// `(codes − mean) / scale`, row by row.
  package func transform(_ codes: DenseMatrix) throws -> DenseMatrix {
    var out = codes
    try transform(&out)
    return out
  }

  /// `(codes − mean) / scale` in place, row by row: no second matrix when `codes` is the only
  /// reference to its values (a million documents' codes are about 1 GB).
  package func transform(_ codes: inout DenseMatrix) throws {
    guard codes.columns == units else {
      throw DataError.shapeMismatch(
        what: "columns of the codes to scale", expected: units, actual: codes.columns)
    }
    let (h, rows) = (units, codes.rows)
    let inverse = scale.map { 1 / $0 }
    codes.values.withUnsafeMutableBufferPointer { values in
      for r in 0..<rows {
        let base = r * h
        for j in 0..<h { values[base + j] = (values[base + j] - mean[j]) * inverse[j] }
      }
    }
  }

  /// The tensors a bundle stores: `codes.mean` and `codes.scale`, each [hidden].
  package var parameters: [String: Tensor] {
    ["codes.mean": Tensor(vector: mean), "codes.scale": Tensor(vector: scale)]
  }
}
