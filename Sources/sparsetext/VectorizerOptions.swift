import ArgumentParser
import Foundation
import SparseText

extension Tokenizer.Preset: ExpressibleByArgument {}
extension Tokenizer.Analyzer: ExpressibleByArgument {}
extension Tokenizer.AccentStripping: ExpressibleByArgument {}
extension VectorNorm: ExpressibleByArgument {}

/// Tokenizer and TF-IDF settings shared by `vectorize`, `fit` and `experiment`. Every option
/// left out keeps the library's default for the command: `vectorize` starts from
/// `TfidfVectorizer.Configuration()` (scikit-learn's `TfidfVectorizer` defaults), `fit` and
/// `experiment` from the pipeline's recommended recipe.
struct VectorizerOptions: ParsableArguments {
  private static let plain = TfidfVectorizer.Configuration()
  private static let recipe = TextFeaturePipeline.Configuration().vectorizer

  /// "vectorize: A; fit, experiment: B", or "A" when both agree.
  private static func defaults(_ a: String, _ b: String) -> String {
    a == b ? "default: \(a)" : "default: \(a) for vectorize, \(b) for fit and experiment"
  }

  @Option(
    help:
      "unicode (NFKC, case folding, CJK by character) or sklearn (scikit-learn's exact analyzer).")
  var preset: Tokenizer.Preset = .unicode

  @Option(help: "word, char or char_wb.")
  var analyzer: Tokenizer.Analyzer = .word

  @Option(
    help: ArgumentHelp(
      "N-gram lengths, e.g. 1 or 1-2 (\(defaults(plain.tokenizer.ngramsText, recipe.tokenizer.ngramsText))).",
      valueName: "min-max"))
  var ngrams: String?

  @Option(
    help:
      "Drop terms in fewer documents: a count (2) or a fraction (0.01) (\(defaults(plain.minDocumentFrequency.text, recipe.minDocumentFrequency.text)))."
  )
  var minDf: String?

  @Option(help: "Drop terms in more documents: a count or a fraction (0.9).")
  var maxDf: String?

  @Option(help: "Keep only the N most frequent terms.")
  var maxFeatures: Int?

  @Flag(
    inversion: .prefixedNo,
    help:
      "Use 1 + ln(tf) instead of raw counts (\(defaults("\(plain.sublinearTF)", "\(recipe.sublinearTF)")))."
  )
  var sublinearTf: Bool?

  @Option(help: "Row normalization: l2, l1 or none.")
  var norm: VectorNorm?

  @Flag(
    inversion: .prefixedNo,
    help:
      "Multiply by inverse document frequency (\(defaults("\(plain.useIDF)", "\(recipe.useIDF)")))."
  )
  var useIdf: Bool?

  @Flag(
    inversion: .prefixedNo,
    help:
      "Smooth idf as if one more document held every term (\(defaults("\(plain.smoothIDF)", "\(recipe.smoothIDF)")))."
  )
  var smoothIdf: Bool?

  @Flag(help: "Count presence (0/1) instead of occurrences.")
  var binary = false

  @Option(
    help: ArgumentHelp(
      "english (scikit-learn's list) or a file with one word per line.", valueName: "list"))
  var stopWords: String?

  @Option(help: "Accent stripping: none, ascii or unicode.")
  var stripAccents: Tokenizer.AccentStripping = .none

  @Option(
    help: ArgumentHelp(
      "sklearn preset: the word tokens are this regular expression's matches, or its one group's (Python re syntax; default: (?u)\\b\\w\\w+\\b).",
      valueName: "regex"))
  var tokenPattern: String?

  @Flag(inversion: .prefixedNo, help: "Lowercase (case-fold) the text.")
  var lowercase = true

  @Flag(help: "Unicode preset: replace URLs and @mentions, keep #hashtags (for social media text).")
  var social = false

  func ngramRange(_ text: String) throws -> ClosedRange<Int> {
    let parts = text.split(separator: "-").map { Int($0) }
    switch parts.count {
    case 1:
      if let n = parts[0], n >= 1 { return n...n }
    case 2:
      if let a = parts[0], let b = parts[1], a >= 1, a <= b { return a...b }
    default: break
    }
    throw ConfigurationError.outOfRange(
      field: "--ngrams", value: text, allowed: "N or MIN-MAX with 1 ≤ MIN ≤ MAX, e.g. 1-2")
  }

  func tokenizer(base: Tokenizer.Configuration) throws -> Tokenizer.Configuration {
    var c = Tokenizer.Configuration(preset: preset)
    c.analyzer = analyzer
    c.ngrams = try ngrams.map(ngramRange) ?? base.ngrams
    c.lowercase = lowercase
    c.stripAccents = stripAccents
    c.normalizeSocialText = social
    c.tokenPattern = tokenPattern
    if tokenPattern != nil {
      do {
        try c.validate()
      } catch ConfigurationError.outOfRange(let field, let value, let allowed)
        where field.hasPrefix("tokenPattern")
      {
        throw ConfigurationError.outOfRange(
          field: "--token-pattern", value: value, allowed: allowed)
      } catch ConfigurationError.conflict(let reason, _) where reason.hasPrefix("tokenPattern") {
        throw ConfigurationError.conflict(
          reason: "--token-pattern applies to --preset sklearn only",
          suggestion: "Add --preset sklearn.")
      }
    }
    if let stopWords {
      c.stopWords =
        stopWords == "english"
        ? StopWords.english : try StopWords.load(contentsOf: URL(fileURLWithPath: stopWords))
    }
    try StopWordWarnings.check(c)
    return c
  }

  func bound(_ text: String, flag: String) throws -> DocumentFrequencyBound {
    guard let bound = DocumentFrequencyBound(text) else {
      throw ConfigurationError.outOfRange(
        field: flag, value: text, allowed: "a whole count such as 2 or a fraction such as 0.5")
    }
    return bound
  }

  /// The configuration for `vectorize`: scikit-learn's defaults where an option is left out.
  func tfidf() throws -> TfidfVectorizer.Configuration {
    try tfidf(base: Self.plain)
  }

  /// The configuration for `fit` and `experiment`: the pipeline's recipe where an option is
  /// left out.
  func pipelineTfidf() throws -> TfidfVectorizer.Configuration {
    try tfidf(base: Self.recipe)
  }

  func tfidf(base: TfidfVectorizer.Configuration) throws -> TfidfVectorizer.Configuration {
    TfidfVectorizer.Configuration(
      tokenizer: try tokenizer(base: base.tokenizer),
      minDocumentFrequency: try minDf.map { try bound($0, flag: "--min-df") }
        ?? base.minDocumentFrequency,
      maxDocumentFrequency: try maxDf.map { try bound($0, flag: "--max-df") }
        ?? base.maxDocumentFrequency,
      maxFeatures: maxFeatures ?? base.maxFeatures,
      binary: binary || base.binary, norm: norm ?? base.norm, useIDF: useIdf ?? base.useIDF,
      smoothIDF: smoothIdf ?? base.smoothIDF, sublinearTF: sublinearTf ?? base.sublinearTF)
  }
}

extension Tokenizer.Configuration {
  /// The n-gram range as the `--ngrams` option writes it.
  fileprivate var ngramsText: String {
    ngrams.lowerBound == ngrams.upperBound
      ? "\(ngrams.lowerBound)" : "\(ngrams.lowerBound)-\(ngrams.upperBound)"
  }
}

extension DocumentFrequencyBound {
  /// The bound as `--min-df` / `--max-df` write it.
  fileprivate var text: String {
    switch self {
    case .count(let n): return "\(n)"
    case .fraction(let f): return "\(f)"
    }
  }
}
