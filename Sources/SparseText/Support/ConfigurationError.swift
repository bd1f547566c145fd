import Foundation

/// A configuration value outside its allowed range, or options that cannot be combined.
public enum ConfigurationError: Error, Sendable, Equatable {
  /// `field` is `value`, which is outside `allowed`.
  case outOfRange(field: ConfigurationField, value: String, allowed: String)
  /// Two or more settings that contradict each other.
  case conflict(reason: Advice, suggestion: Advice)
  /// A configuration file that cannot be read or does not hold a configuration.
  case invalidFile(file: String, reason: String)
}

extension ConfigurationError: LocalizedError, CustomStringConvertible {
  /// The message: what happened, where, and what to do.
  public var description: String { message(.library) }

  /// The message, with settings and steps worded by `wording` (the command line names its
  /// flags).
  public func message(_ wording: some MessageWording) -> String {
    switch self {
    case .outOfRange(let field, let value, let allowed):
      return "\(wording.name(field)) is \(value), but it must be \(allowed)."
    case .conflict(let reason, let suggestion):
      return (reason + ". " + suggestion).rendered(wording)
    case .invalidFile(let file, let reason):
      return
        "'\(file)': \(reason). A configuration file holds the `configuration` object of a model bundle's config.json."
    }
  }

  /// The same message, for `LocalizedError`.
  public var errorDescription: String? { description }
}
