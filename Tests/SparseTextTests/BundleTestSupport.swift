import Foundation

@testable import SparseText

/// Bundles as earlier builds wrote them, or edited by hand, for the tests of what loading reads
/// and refuses.
enum BundleEdit {
  /// Rewrites the tensors of the bundle at `url` with `edit` applied and the metadata an earlier
  /// build of format `version` wrote: the format and its version, no checksums.
  static func rewriteTensors(
    of url: URL, asVersion version: Int = TextFeaturePipeline.formatVersion,
    _ edit: (inout [String: Tensor]) -> Void = { _ in }
  ) throws {
    let file = url.appendingPathComponent("model.safetensors")
    var tensors = try SafeTensors.read(from: file).tensors
    edit(&tensors)
    try SafeTensors.encode(
      tensors,
      metadata: ["format": TextFeaturePipeline.formatName, "format_version": "\(version)"]
    ).write(to: file)
  }
}
