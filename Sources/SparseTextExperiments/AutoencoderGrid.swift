import Foundation
import SparseText

/// Settings of the autoencoder to compare: every combination of the values of each axis.
package struct AutoencoderGrid: Sendable, Equatable, Codable {
  /// A setting the grid can vary; the raw value is its key in reports, as the configuration's
  /// JSON names it.
  package enum Parameter: String, Sendable, Codable, CaseIterable {
    /// ``SparseAutoencoder/Configuration/hiddenUnits``.
    case hiddenUnits = "hidden_units"
    /// ρ, ``SparseAutoencoder/Configuration/sparsityTarget``.
    case sparsityTarget = "sparsity_target"
    /// β, ``SparseAutoencoder/Configuration/sparsityWeight``.
    case sparsityWeight = "sparsity_weight"
    /// ``SparseAutoencoder/Configuration/topK``: k > 0 is the TopK recipe
    /// (``SparseAutoencoder/Configuration/topK(_:)``'s activation and decoder), 0 the KL one.
    case topK = "top_k"
    /// α, ``SparseAutoencoder/Configuration/l1Weight``.
    case l1Weight = "l1_weight"
    /// λ, ``SparseAutoencoder/Configuration/weightDecay``.
    case weightDecay = "weight_decay"
    /// ``SparseAutoencoder/Configuration/epochs``.
    case epochs
    /// ``SparseAutoencoder/Configuration/inputScale``; 0 chooses it from the data.
    case inputScale = "input_scale"
    /// ``SparseAutoencoder/Configuration/learningRate``.
    case learningRate = "learning_rate"
    /// ``SparseAutoencoder/Configuration/labelWeight``: the label term's weight (each fold's
    /// autoencoder learns that fold's training labels).
    case labelWeight = "label_weight"
    /// ``SparseAutoencoder/Configuration/taskWeight``: the task-weighted reconstruction's
    /// weight, below 1.
    case taskWeight = "task_weight"

    /// The configuration field the parameter sets.
    package var field: ConfigurationField {
      switch self {
      case .hiddenUnits: .hiddenUnits
      case .sparsityTarget: .sparsityTarget
      case .sparsityWeight: .sparsityWeight
      case .topK: .topK
      case .l1Weight: .l1Weight
      case .weightDecay: .weightDecay
      case .epochs: .epochs
      case .inputScale: .inputScale
      case .learningRate: .learningRate
      case .labelWeight: .labelWeight
      case .taskWeight: .taskWeight
      }
    }

    /// Whether the parameter takes whole numbers only.
    package var isWhole: Bool { [.hiddenUnits, .topK, .epochs].contains(self) }

    /// `value` as reports print it: whole numbers without a fraction, others in `%g`.
    package func text(_ value: Double) -> String {
      isWhole || value == value.rounded() && abs(value) < 1e15
        ? String(Int(value)) : String(format: "%g", value)
    }

    /// Sets this parameter of `configuration` to `value`.
    func apply(_ value: Double, to configuration: inout SparseAutoencoder.Configuration) throws {
      func whole() throws -> Int {
        guard value >= 0, value == value.rounded(), value < 1e9 else {
          throw ConfigurationError.outOfRange(
            field: field, value: "\(value)", allowed: "a whole number")
        }
        return Int(value)
      }
      switch self {
      case .hiddenUnits: configuration.hiddenUnits = try whole()
      case .sparsityTarget: configuration.sparsityTarget = value
      case .sparsityWeight: configuration.sparsityWeight = value
      case .topK:
        let k = try whole()
        configuration.useTopK(k == 0 ? nil : k)
      case .l1Weight: configuration.l1Weight = value
      case .weightDecay: configuration.weightDecay = value
      case .epochs: configuration.epochs = try whole()
      case .inputScale:
        configuration.inputScale = value == 0 ? nil : value
      case .learningRate: configuration.learningRate = value
      case .labelWeight: configuration.labelWeight = value
      case .taskWeight: configuration.taskWeight = value
      }
    }
  }

  /// One setting and the values it takes.
  package struct Axis: Sendable, Equatable, Codable {
    /// The setting.
    package var parameter: Parameter
    /// Its values, in the order given.
    package var values: [Double]

    /// An axis.
    package init(parameter: Parameter, values: [Double]) {
      self.parameter = parameter
      self.values = values
    }
  }

  /// The axes; the combinations vary the last axis fastest.
  package var axes: [Axis]

  /// A grid over `axes`.
  package init(axes: [Axis]) {
    self.axes = axes
  }

  /// `settings` in words, in the order of the axes: `hidden_units=64 sparsity_target=0.05`.
  package func describe(_ settings: [String: Double]) -> String {
    axes.compactMap { axis in
      settings[axis.parameter.rawValue].map {
        "\(axis.parameter.rawValue)=\(axis.parameter.text($0))"
      }
    }.joined(separator: " ")
  }

  /// Every combination, as the settings and the configuration they make from `base`; each
  /// configuration is validated.
  package func combinations(base: SparseAutoencoder.Configuration) throws -> [(
    settings: [String: Double], configuration: SparseAutoencoder.Configuration
  )] {
    var out: [([String: Double], SparseAutoencoder.Configuration)] = [([:], base)]
    for axis in axes {
      var next: [([String: Double], SparseAutoencoder.Configuration)] = []
      for (settings, configuration) in out {
        for value in axis.values {
          var s = settings
          var c = configuration
          s[axis.parameter.rawValue] = value
          try axis.parameter.apply(value, to: &c)
          next.append((s, c))
        }
      }
      out = next
    }
    for (_, configuration) in out { try configuration.validate() }
    return out
  }
}
