import Foundation

/// A training run that cannot go on.
public enum TrainingError: Error, Sendable, Equatable {
  /// The loss stopped being a finite number in `epoch`: the steps are too large for the data.
  case diverged(epoch: Int)
}

extension TrainingError: LocalizedError, CustomStringConvertible {
  /// The message: what happened, and what to do.
  public var description: String { message(.library) }

  /// The message, with settings worded by `wording` (the command line names its flags).
  public func message(_ wording: some MessageWording) -> String {
    switch self {
    case .diverged(let epoch):
      let advice: Advice =
        "training diverged in epoch \(epoch) (the loss is not a number). "
        + "Lower \(field: .learningRate) or \(field: .inputScale)."
      return advice.rendered(wording)
    }
  }

  /// The same message, for `LocalizedError`.
  public var errorDescription: String? { description }
}
