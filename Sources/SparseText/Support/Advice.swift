/// Words of an error message that refer to settings and to steps the user can take, kept as
/// values so that a front end words them its own way: the library's messages name
/// configuration fields (``MessageWording/library``), the command line names its flags.
///
/// The library writes it (a string with interpolated references) and renders it in an error's
/// `message(_:)`; apps word its ``Reference``s by passing a ``MessageWording``.
public struct Advice: Sendable, Equatable, CustomStringConvertible,
  ExpressibleByStringInterpolation
{
  /// A reference to a setting or a step, rendered by a ``MessageWording``.
  public enum Reference: Sendable, Equatable {
    /// The setting itself: "`encoding`".
    case field(ConfigurationField)
    /// Give the setting a value: "set `encoding` to latin-1".
    case set(ConfigurationField, to: String)
    /// Turn the setting off or leave it out: "turn off `strictEncoding`".
    case unset(ConfigurationField)
    /// A step outside the settings.
    case step(Step)
  }

  /// Steps a message can suggest that are not a setting.
  public enum Step: Sendable, Equatable {
    /// Fit and write the model again.
    case fitAgain
    /// Fit a model with labels and a classifier.
    case fitWithLabels
    /// Fetch the catalog corpus `corpus`.
    case fetch(corpus: String)
    /// Where a vocabulary object `{"term": column, …}` comes from.
    case vocabularyObject
    /// Build an embedding index again from its documents and model.
    case buildIndex
  }

  /// One piece: text, or a reference.
  package enum Part: Sendable, Equatable {
    /// Literal text.
    case text(String)
    /// A reference, worded by the renderer.
    case reference(Reference)
  }

  /// The pieces, in order.
  package var parts: [Part]

  /// Advice of `parts` (adjacent text joined, so equal messages are equal values).
  package init(parts: [Part]) {
    self.parts = []
    for part in parts { Self.append(part, to: &self.parts) }
  }

  /// Plain text.
  public init(stringLiteral value: String) { self.init(parts: [.text(value)]) }

  /// A string with interpolated references.
  public init(stringInterpolation: Interpolation) { self.init(parts: stringInterpolation.parts) }

  /// `a` followed by `b`.
  package static func + (a: Advice, b: Advice) -> Advice { Advice(parts: a.parts + b.parts) }

  private static func append(_ part: Part, to parts: inout [Part]) {
    if case .text(let next) = part {
      if next.isEmpty { return }
      if case .text(let previous) = parts.last {
        parts[parts.count - 1] = .text(previous + next)
        return
      }
    }
    parts.append(part)
  }

  /// The text, each reference worded by `wording`; a reference that starts a sentence starts
  /// with a capital letter.
  package func rendered(_ wording: some MessageWording) -> String {
    var text = ""
    for part in parts {
      switch part {
      case .text(let words): text += words
      case .reference(let reference):
        var words = wording.words(for: reference)
        let trimmed = text.hasSuffix(" ") ? text.dropLast() : Substring(text)
        if text.isEmpty || [".", "?", "!"].contains(where: trimmed.hasSuffix),
          let first = words.first
        {
          words = first.uppercased() + words.dropFirst()
        }
        text += words
      }
    }
    return text
  }

  /// The text as the library words it.
  public var description: String { rendered(.library) }

  /// Builds ``Advice`` from a string literal with interpolated references.
  public struct Interpolation: StringInterpolationProtocol {
    var parts: [Part] = []

    /// Room for the literal.
    public init(literalCapacity: Int, interpolationCount: Int) {}

    /// Literal text.
    public mutating func appendLiteral(_ literal: String) {
      if !literal.isEmpty { parts.append(.text(literal)) }
    }

    /// Any value, as text (as a `String` interpolates it).
    public mutating func appendInterpolation<T>(_ value: T) {
      parts.append(.text(String(describing: value)))
    }

    /// The setting itself.
    package mutating func appendInterpolation(field: ConfigurationField) {
      parts.append(.reference(.field(field)))
    }

    /// Give the setting a value.
    package mutating func appendInterpolation(set field: ConfigurationField, to value: String) {
      parts.append(.reference(.set(field, to: value)))
    }

    /// Turn the setting off or leave it out.
    package mutating func appendInterpolation(unset field: ConfigurationField) {
      parts.append(.reference(.unset(field)))
    }

    /// A step outside the settings.
    package mutating func appendInterpolation(step: Step) {
      parts.append(.reference(.step(step)))
    }
  }
}

/// How messages word their references to settings and steps: the library's own wording names
/// configuration fields and APIs; the command line's names flags and commands.
public protocol MessageWording: Sendable {
  /// The words for `reference`, in lower case (a sentence's first word is capitalized when
  /// the message is rendered).
  func words(for reference: Advice.Reference) -> String

  /// The name of `field` as the subject of a sentence ("hiddenUnits is 0, but …").
  func name(_ field: ConfigurationField) -> String
}

/// The library's wording: configuration fields in backquotes.
public struct LibraryWording: MessageWording {
  /// The library's wording.
  package init() {}

  /// The field's ``ConfigurationField/description``.
  public func name(_ field: ConfigurationField) -> String { field.description }

  /// See ``MessageWording/words(for:)``.
  public func words(for reference: Advice.Reference) -> String {
    switch reference {
    case .field(let field): return "`\(field.rawValue)`"
    case .set(let field, let value): return "set `\(field.rawValue)` to \(value)"
    case .unset(.classifier): return "fit without a classifier"
    case .unset(let field) where Self.switches.contains(field):
      return "turn off `\(field.rawValue)`"
    case .unset(let field): return "leave `\(field.rawValue)` unset"
    case .step(.fitAgain): return "re-create it by fitting and writing the model again"
    case .step(.fitWithLabels): return "fit it with labels, and a classifier in its configuration,"
    case .step(.fetch): return "fetch it first"
    case .step(.vocabularyObject): return "scikit-learn's `vocabulary_`"
    case .step(.buildIndex): return "build the index again from its documents and model"
    }
  }

  /// Fields that are on or off.
  static let switches: Set<ConfigurationField> = [.strictEncoding, .lowercase]
}

extension MessageWording where Self == LibraryWording {
  /// The library's wording: configuration fields in backquotes.
  public static var library: LibraryWording { LibraryWording() }
}
