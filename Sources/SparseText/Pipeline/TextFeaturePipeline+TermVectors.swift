import Foundation

extension SparseAutoencoder {
  /// Each input column's vector: its encoder weights, one row per input (term), one column per
  /// unit (the transpose of `encoder.weight`), the vectors word2vec-style tools import.
  public var termVectors: DenseMatrix {
    DenseMatrix(
      uncheckedRows: layout.inputs, columns: layout.hidden,
      values: Array(theta[layout.encoderWeight]))
  }
}

extension TextFeaturePipeline {
  /// Each vocabulary term's vector (terms × units, rows in ``Vocabulary/terms`` order), from
  /// the autoencoder's encoder; `nil` without an autoencoder.
  package func termVectors() -> DenseMatrix? {
    autoencoder?.termVectors
  }
}
