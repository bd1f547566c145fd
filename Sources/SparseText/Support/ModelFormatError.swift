import Foundation

/// A model file or bundle that is missing, damaged, from another version, or inconsistent.
public enum ModelFormatError: Error, Sendable, Equatable {
  /// A file the bundle needs is not there.
  case missingFile(file: String)
  /// The file ends before the data its header announces.
  case truncated(file: String, expected: Int, actual: Int)
  /// The file is larger, or announces more data, than is allowed.
  case oversized(file: String, limit: Int, actual: Int)
  /// The file does not parse.
  case corrupt(file: String, reason: String)
  /// The file's format version is not one this library reads.
  case unsupportedVersion(file: String, found: String, supported: String)
  /// Two parts of the bundle disagree (vocabulary size against weight shapes, ...).
  case inconsistent(file: String, reason: String)
}

extension ModelFormatError: LocalizedError, CustomStringConvertible {
  /// The message: what happened, where, and what to do.
  public var description: String { message(.library) }

  /// The message, with the steps it suggests worded by `wording` (the command line names its
  /// commands).
  public func message(_ wording: some MessageWording) -> String {
    switch self {
    case .missingFile(let file):
      // The files of an index directory have names no model bundle uses.
      let name = (file as NSString).lastPathComponent
      let advice: Advice =
        EmbeddingIndex.directoryEntries.contains(name)
        ? "'\(file)' is missing. Is this an embedding index directory? \(step: .buildIndex)."
        : "'\(file)' is missing. Is this a SparseText model directory? \(step: .fitAgain)."
      return advice.rendered(wording)
    case .truncated(let file, let expected, let actual):
      return
        "'\(file)' is truncated: expected \(expected) bytes, found \(actual). "
        + "The file was cut short; write it again."
    case .oversized(let file, let limit, let actual):
      return
        "'\(file)' is too large: \(actual) bytes against a limit of \(limit). It is not a file this library wrote."
    case .corrupt(let file, let reason):
      return "'\(file)' is damaged: \(reason). Write it again from the original data."
    case .unsupportedVersion(let file, let found, let supported):
      return
        "'\(file)' has format version \(found); this build reads \(supported). "
        + "Use a matching sparsetext version or re-create the model."
    case .inconsistent(let file, let reason):
      return
        "'\(file)' does not match the rest of the model: \(reason). Re-create the model; do not edit bundle files by hand."
    }
  }

  /// The same message, for `LocalizedError`.
  public var errorDescription: String? { description }
}
