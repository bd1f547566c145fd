import ArgumentParser
import Foundation
import SparseText
import SparseTextExperiments

/// Option values that parse themselves: each carries its validation, the help line of its
/// accepted forms and its error text, so commands stay declarative.

/// An n-gram length range as `--ngrams` writes it: `N` or `MIN-MAX`, with 1 ≤ MIN ≤ MAX.
struct NGramRange: ExpressibleByArgument, Equatable {
  var range: ClosedRange<Int>

  init(_ range: ClosedRange<Int>) { self.range = range }

  init?(argument: String) {
    let parts = argument.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
    switch parts.count {
    case 1:
      guard let n = parts[0], n >= 1 else { return nil }
      range = n...n
    case 2:
      guard let a = parts[0], let b = parts[1], a >= 1, a <= b else { return nil }
      range = a...b
    default:
      return nil
    }
  }

  var defaultValueDescription: String {
    range.lowerBound == range.upperBound
      ? "\(range.lowerBound)" : "\(range.lowerBound)-\(range.upperBound)"
  }
}

/// The classifier's word n-gram range as `--classifier-ngrams` writes it: `N`, `MIN-MAX`, or
/// `same` for the vectorizer's terms.
struct ClassifierNGrams: ExpressibleByArgument, Equatable {
  /// The range, or `nil` for `same`.
  var range: ClosedRange<Int>?

  init?(argument: String) {
    if argument == "same" {
      range = nil
    } else if let parsed = NGramRange(argument: argument) {
      range = parsed.range
    } else {
      return nil
    }
  }
}

extension DocumentFrequencyBound: ExpressibleByArgument {
  /// `2` counts documents; `0.5` (a `.` or an exponent) is a fraction of them. Negative
  /// counts and fractions outside 0...1 are refused here, before any reading.
  public init?(argument: String) {
    if let n = Int(argument), n >= 0 {
      self = .count(n)
    } else if Int(argument) == nil, let f = Double(argument), (0...1).contains(f) {
      self = .fraction(f)
    } else {
      return nil
    }
  }

  /// How `--min-df` and `--max-df` write the bound in help.
  public var defaultValueDescription: String { description }
}

/// A number of rows as `--choice-rows` writes it: a positive integer, or `all` for no limit.
struct RowLimit: ExpressibleByArgument, Equatable {
  /// The limit, or `nil` for `all`.
  var rows: Int?

  init(_ rows: Int?) { self.rows = rows }

  init?(argument: String) {
    if argument == "all" {
      rows = nil
    } else if let n = Int(argument), n >= 1 {
      rows = n
    } else {
      return nil
    }
  }

  var defaultValueDescription: String { rows.map { "\($0)" } ?? "all" }
}

/// Positive finite numbers separated by commas, as `--C` and `experiment`'s grids write them.
struct PositiveNumbers: ExpressibleByArgument, Equatable {
  var values: [Double]

  init(_ values: [Double]) { self.values = values }

  init?(argument: String) {
    let values = argument.split(separator: ",", omittingEmptySubsequences: false).map {
      Double($0.trimmingCharacters(in: .whitespaces))
    }
    guard !values.isEmpty, values.allSatisfy({ $0 != nil && $0! > 0 && $0!.isFinite }) else {
      return nil
    }
    self.values = values.map { $0! }
  }

  var defaultValueDescription: String { values.map { "\($0)" }.joined(separator: ",") }
}

/// The row formats `predict` writes.
extension PredictionWriter.Format: ExpressibleByArgument {}

/// `experiment --grid KEY=V1,V2,…`: the keys are the autoencoder options' names; `off` (topk)
/// and `auto` (input-scale) stand for 0, as those options spell them.
enum GridAxisArgument {
  /// Each key and the setting it varies, in the order help lists them.
  static let keys: [(key: String, parameter: AutoencoderGrid.Parameter)] = [
    ("hidden", .hiddenUnits), ("sparsity", .sparsityTarget), ("beta", .sparsityWeight),
    ("topk", .topK), ("l1", .l1Weight), ("weight-decay", .weightDecay), ("epochs", .epochs),
    ("input-scale", .inputScale), ("learning-rate", .learningRate),
    ("label-weight", .labelWeight), ("task-weight", .taskWeight),
  ]

  /// The keys, for help and messages.
  static var names: String { keys.map(\.key).joined(separator: ", ") }

  /// The axis `text` gives, or a usage error saying what `--grid` takes.
  static func axis(parsing text: String) throws -> AutoencoderGrid.Axis {
    let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
    guard parts.count == 2,
      let parameter = keys.first(where: { $0.key == parts[0].lowercased() })?.parameter
    else {
      throw CommandError.usage(
        "--grid takes KEY=V1,V2,… with KEY one of \(names); not '\(text)'")
    }
    let values = parts[1].split(separator: ",").map { word -> Double? in
      let value = word.trimmingCharacters(in: .whitespaces).lowercased()
      return value == "off" || value == "auto" ? 0 : Double(value)
    }
    guard !values.isEmpty, values.allSatisfy({ $0 != nil && $0!.isFinite && $0! >= 0 }) else {
      throw CommandError.usage(
        "--grid \(parts[0]): '\(parts[1])' is not a list of numbers of 0 or more separated by commas"
      )
    }
    if parameter.isWhole, let bad = values.first(where: { $0! != $0!.rounded() }) {
      throw CommandError.usage("--grid \(parts[0]): \(bad!) is not a whole number")
    }
    return AutoencoderGrid.Axis(parameter: parameter, values: values.map { $0! })
  }
}
