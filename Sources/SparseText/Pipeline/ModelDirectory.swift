import Foundation

/// What a model directory holds: an autoencoder alone (`sparsetext train-sae`,
/// ``SparseAutoencoder/write(to:)``) or a pipeline bundle (`sparsetext fit`,
/// ``TextFeaturePipeline/write(to:)``), told apart by the `format` of its `config.json`.
package enum ModelDirectory {
  /// The kinds of model directory.
  package enum Kind: Sendable {
    /// A sparse autoencoder's own directory.
    case autoencoder
    /// A pipeline bundle.
    case bundle
  }

  /// Loads a train-sae directory and checks what its loader leaves out: every weight is finite
  /// and the settings are in range, as for a bundle.
  package static func autoencoder(at url: URL) throws -> SparseAutoencoder {
    // A FIFO would block the loader's read; a directory or link loop is damage, not absence.
    for file in ["config.json", "model.safetensors"] {
      try TextFeaturePipeline.checkBundleFile(url.appendingPathComponent(file))
    }
    let sae = try SparseAutoencoder(contentsOf: url)
    try TextFeaturePipeline.checkValues(
      sae.parameters, file: url.appendingPathComponent("model.safetensors").path)
    try TextFeaturePipeline.checkSettings(
      sae.configuration, file: url.appendingPathComponent("config.json").path)
    return sae
  }

  /// The kind of model directory at `url`.
  ///
  /// - Throws: ``ModelFormatError`` when there is no readable `config.json` or its format is
  ///   neither.
  package static func kind(of url: URL) throws -> Kind {
    let configURL = url.appendingPathComponent("config.json")
    try TextFeaturePipeline.checkBundleFile(configURL)
    guard let data = try? Data(contentsOf: configURL),
      let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
      let format = object["format"] as? String
    else {
      throw ModelFormatError.missingFile(file: configURL.path)
    }
    switch format {
    case SparseAutoencoder.formatName: return .autoencoder
    case TextFeaturePipeline.formatName: return .bundle
    default:
      throw ModelFormatError.corrupt(file: configURL.path, reason: "unknown format '\(format)'")
    }
  }
}
