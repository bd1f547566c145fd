import Foundation
import SparseText

extension TextFeaturePipeline {
  /// The model bundle at `path` for `command`, read as `role` (checked against the run's
  /// outputs first); a directory that `train-sae` wrote is refused as what it is (the bundle
  /// loader would call its `config.json` damaged).
  static func bundle(at path: String, for command: String, as role: String = "MODEL") throws
    -> TextFeaturePipeline
  {
    try RunPaths.read(path, as: role)
    let url = URL(fileURLWithPath: path)
    if (try? ModelDirectory.kind(of: url)) == .autoencoder {
      throw CommandError.usage(
        "'\(path)' is an autoencoder directory (written by `sparsetext train-sae`), not a model bundle; `sparsetext \(command)` needs a bundle written by `sparsetext fit` (only encode and inspect also read autoencoder directories)"
      )
    }
    return try TextFeaturePipeline(contentsOf: url)
  }
}
