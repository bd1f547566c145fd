import Foundation

/// Turns a document into the terms a vectorizer counts: normalization, tokens, stop words and
/// n-grams, in one configurable pass.
///
/// Two presets cover most needs:
/// - ``Configuration/unicode`` (the default): NFKC and full case folding through utf8proc, word
///   boundaries from Unicode general categories, scripts written without spaces (Chinese,
///   Japanese, Thai, …) split into characters, emoji kept whole.
/// - ``Configuration/sklearn``: exactly scikit-learn's `CountVectorizer` analyzer (`lowercase`,
///   `token_pattern=r"(?u)\b\w\w+\b"`, `strip_accents`, `analyzer`, `ngram_range`,
///   `stop_words`), so vocabularies and values match scikit-learn's.
///
/// ```swift
/// let tokenizer = try Tokenizer(.init(ngrams: 1...2))
/// tokenizer.terms(in: "Ｆｕｌｌ-width text, naïve café 東京")
/// ```
public struct Tokenizer: Sendable {
  /// What produces the terms.
  public enum Analyzer: String, Codable, Sendable, CaseIterable {
    /// Word tokens and word n-grams.
    case word
    /// Character n-grams over the whole (white-space-collapsed) text.
    case char
    /// Character n-grams inside words padded with one space (scikit-learn's `char_wb`).
    case charWordBounded = "char_wb"
  }

  /// The rule set for normalization and word boundaries.
  public enum Preset: String, Codable, Sendable, CaseIterable {
    /// Unicode-correct tokenizing (NFKC, case folding, category-based boundaries).
    case unicode
    /// scikit-learn's analyzer, reproduced exactly.
    case sklearn
  }

  /// How accents are removed.
  public enum AccentStripping: String, Codable, Sendable, CaseIterable {
    /// Keep accents.
    case none
    /// Decompose (NFKD) and keep only ASCII (scikit-learn's `"ascii"`).
    case ascii
    /// Decompose (NFKD) and drop combining marks (scikit-learn's `"unicode"`).
    case unicode
  }

  /// Settings of a ``Tokenizer``. Every field has a documented default.
  public struct Configuration: Codable, Sendable, Equatable {
    /// The rule set; `.unicode` by default.
    public var preset: Preset
    /// Word or character n-grams; `.word` by default.
    public var analyzer: Analyzer
    /// Smallest and largest n-gram length; `1...1` by default.
    public var ngrams: ClosedRange<Int>
    /// Lowercase (sklearn preset: Python's `str.lower`) or case-fold (unicode preset);
    /// `true` by default.
    public var lowercase: Bool
    /// Accent removal; `.none` by default.
    public var stripAccents: AccentStripping
    /// Words dropped before n-grams are formed (word analyzer only); none by default.
    /// ``StopWords/english`` is scikit-learn's list.
    public var stopWords: [String]
    /// Unicode preset: shortest word token kept, in characters (single characters of
    /// Chinese, Japanese, Thai, … and emoji are always kept); 2 by default.
    public var minimumTokenLength: Int
    /// Unicode preset: keep `don't` and `l'homme` as one token; `true` by default.
    public var joinApostrophes: Bool
    /// Unicode preset: keep `state-of-the-art` as one token; `false` by default.
    public var joinHyphens: Bool
    /// Unicode preset: split Han, Hiragana, Katakana, Thai, Lao, Khmer and Myanmar runs into
    /// single characters; `true` by default.
    public var splitUnspacedScripts: Bool
    /// Unicode preset: keep emoji and other pictographic symbols as tokens; `true` by default.
    public var keepEmoji: Bool
    /// Unicode preset: replace URLs with `<url>` and `@mentions` with `<user>`, and keep
    /// `#hashtags` with their `#`; `false` by default (turn it on for social media text).
    public var normalizeSocialText: Bool
    /// sklearn preset, word analyzer: a regular expression whose matches (or whose one
    /// capturing group) are the word tokens, in Python's `re` syntax (scikit-learn's
    /// `token_pattern`); `nil` (scikit-learn's `(?u)\b\w\w+\b`, built in) by default.
    public var tokenPattern: String?

    /// Creates a configuration; see each property for its default.
    public init(
      preset: Preset = .unicode,
      analyzer: Analyzer = .word,
      ngrams: ClosedRange<Int> = 1...1,
      lowercase: Bool = true,
      stripAccents: AccentStripping = .none,
      stopWords: [String] = [],
      minimumTokenLength: Int = 2,
      joinApostrophes: Bool = true,
      joinHyphens: Bool = false,
      splitUnspacedScripts: Bool = true,
      keepEmoji: Bool = true,
      normalizeSocialText: Bool = false,
      tokenPattern: String? = nil
    ) {
      self.preset = preset
      self.analyzer = analyzer
      self.ngrams = ngrams
      self.lowercase = lowercase
      self.stripAccents = stripAccents
      self.stopWords = stopWords
      self.minimumTokenLength = minimumTokenLength
      self.joinApostrophes = joinApostrophes
      self.joinHyphens = joinHyphens
      self.splitUnspacedScripts = splitUnspacedScripts
      self.keepEmoji = keepEmoji
      self.normalizeSocialText = normalizeSocialText
      self.tokenPattern = tokenPattern
    }

    /// The unicode preset with its defaults.
    public static var unicode: Configuration { Configuration() }

    /// scikit-learn's `CountVectorizer()` analyzer with its defaults.
    public static var sklearn: Configuration { Configuration(preset: .sklearn) }

    /// Checks every field; throws ``ConfigurationError`` naming the first bad one.
    public func validate() throws {
      guard ngrams.lowerBound >= 1 else {
        throw ConfigurationError.outOfRange(
          field: .ngrams, value: "\(ngrams.lowerBound)-\(ngrams.upperBound)",
          allowed: "a range of lengths starting at 1 or more, e.g. 1-2")
      }
      guard ngrams.upperBound <= 32 else {
        throw ConfigurationError.outOfRange(
          field: .ngrams, value: "\(ngrams.lowerBound)-\(ngrams.upperBound)",
          allowed: "at most 32 long")
      }
      guard (1...64).contains(minimumTokenLength) else {
        throw ConfigurationError.outOfRange(
          field: .minimumTokenLength, value: "\(minimumTokenLength)", allowed: "1...64")
      }
      if let tokenPattern {
        guard preset == .sklearn else {
          throw ConfigurationError.conflict(
            reason: "\(field: .tokenPattern) applies to the sklearn preset only",
            suggestion: "\(set: .preset, to: "sklearn"), or \(unset: .tokenPattern).")
        }
        _ = try TokenPattern(tokenPattern)
      }
    }

    enum CodingKeys: String, CodingKey {
      case preset
      case analyzer
      case ngrams
      case lowercase
      case stripAccents = "strip_accents"
      case stopWords = "stop_words"
      case minimumTokenLength = "minimum_token_length"
      case joinApostrophes = "join_apostrophes"
      case joinHyphens = "join_hyphens"
      case splitUnspacedScripts = "split_unspaced_scripts"
      case keepEmoji = "keep_emoji"
      case normalizeSocialText = "normalize_social_text"
      case tokenPattern = "token_pattern"
    }
  }

  /// The configuration this tokenizer applies.
  public let configuration: Configuration
  let stopWordTable: ByteStringTable?
  let tokenPattern: TokenPattern?

  /// Creates a tokenizer; throws when the configuration is invalid.
  public init(_ configuration: Configuration = .unicode) throws {
    try configuration.validate()
    self.configuration = configuration
    tokenPattern = try configuration.tokenPattern.map { try TokenPattern($0) }
    if configuration.stopWords.isEmpty || configuration.analyzer != .word {
      stopWordTable = nil
    } else {
      var table = ByteStringTable(capacity: configuration.stopWords.count)
      for word in configuration.stopWords { table.insert(word) }
      stopWordTable = table
    }
  }

  /// The terms of `text`, in order, repeats included: what a vectorizer counts.
  ///
  /// With the sklearn preset this equals `CountVectorizer(...).build_analyzer()(text)`.
  ///
  /// - Throws: ``ConfigurationError`` naming the token pattern when a custom one runs out of
  ///   its step budget on `text` (it backtracks catastrophically); never otherwise.
  public func terms(in text: String) throws -> [String] {
    var result: [String] = []
    var workspace = TokenizerWorkspace()
    forEachTerm(in: text, workspace: &workspace) { bytes in
      result.append(String(decoding: bytes, as: UTF8.self))
    }
    try workspace.checkFailure()
    return result
  }

  /// The word tokens of `text` before stop words and n-grams (word analyzer semantics, whatever
  /// the configured analyzer).
  ///
  /// - Throws: as ``terms(in:)``.
  public func tokens(in text: String) throws -> [String] {
    var workspace = TokenizerWorkspace()
    var copy = text
    copy.withUTF8 { bytes in tokenize(bytes, workspace: &workspace) }
    try workspace.checkFailure()
    return (0..<workspace.tokenCount).map { i in
      String(decoding: workspace.tokenBytes(i), as: UTF8.self)
    }
  }

  /// The text as the analyzer sees it before it is split into tokens (scikit-learn's
  /// `build_preprocessor()`): lowercased and with accents stripped as configured (for the
  /// unicode preset, NFKC with case folding and mark stripping). The unicode preset's social
  /// replacements (``Configuration/normalizeSocialText``) are made while tokenizing, so they are
  /// not part of it.
  package func preprocessed(_ text: String) -> String {
    var workspace = TokenizerWorkspace()
    var copy = text
    copy.withUTF8 { preprocessScalars($0, workspace: &workspace) }
    var scalars = String.UnicodeScalarView()
    for value in workspace.scalars {
      if let scalar = Unicode.Scalar(value) { scalars.append(scalar) }
    }
    return String(scalars)
  }
}

/// Reusable buffers for one thread's tokenizing; keep one per worker and pass it `inout`.
///
/// A document on which a custom token pattern runs out of its step budget gives no terms and
/// leaves its error in ``failure``: whoever tokenizes with the workspace throws it (see
/// ``checkFailure()``).
package struct TokenizerWorkspace: Sendable {
  /// The first error met while tokenizing with this workspace (a token pattern that ran out of
  /// its step budget), if any.
  package var failure: ConfigurationError?

  /// Throws ``failure``, if any.
  package func checkFailure() throws {
    if let failure { throw failure }
  }

  var bytes: [UInt8] = []
  var ends: [Int] = []
  var kept: [Int] = []
  var gram: [UInt8] = []
  var scalars: [UInt32] = []
  var scratch: [UInt32] = []
  var offsets: [Int] = []

  /// Creates empty buffers.
  package init() {}

  var tokenCount: Int { ends.count }

  func tokenRange(_ i: Int) -> Range<Int> {
    (i == 0 ? 0 : ends[i - 1])..<ends[i]
  }

  func tokenBytes(_ i: Int) -> ArraySlice<UInt8> { bytes[tokenRange(i)] }

  mutating func reset() {
    bytes.removeAll(keepingCapacity: true)
    ends.removeAll(keepingCapacity: true)
  }

  mutating func endToken() { ends.append(bytes.count) }

  mutating func append(scalar s: UInt32) {
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 4) { buffer in
      let count = Tokenizer.encodeUTF8(s, into: buffer.baseAddress!)
      bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<count]))
    }
  }

}
