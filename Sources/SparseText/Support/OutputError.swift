import Foundation

/// An output that cannot, or must not, be written. Every case's message names the path, says
/// what happened and what to do; the destination is always left as it was.
public enum OutputError: Error, Sendable, Equatable {
  /// The location cannot take the output: no such directory, no permission, a read-only file
  /// system, a directory where a file is expected.
  case unwritable(file: String, reason: String, suggestion: String)
  /// Writing there would destroy data that is not an earlier output of the same kind, or would
  /// overwrite an input or another output of the same run.
  case refused(file: String, reason: String, suggestion: String)
  /// Writing started but did not complete (disk full, I/O error).
  case failed(file: String, reason: String, suggestion: String)
  /// Another run is writing the same output.
  case busy(file: String)
}

extension OutputError: LocalizedError, CustomStringConvertible {
  /// The message: what happened, where, and what to do.
  public var description: String {
    switch self {
    case .unwritable(let file, let reason, let suggestion),
      .refused(let file, let reason, let suggestion),
      .failed(let file, let reason, let suggestion):
      return "cannot write '\(file)': \(reason). \(suggestion)"
    case .busy(let file):
      return
        "cannot write '\(file)': another sparsetext run is writing it now. "
        + "Wait for that run to finish, or choose another output."
    }
  }

  /// The same message, for `LocalizedError`.
  public var errorDescription: String? { description }
}
