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
      "unicode (NFKC, case folding, CJK by character) or sklearn (scikit-learn's exact analyzer) (\(defaults(plain.counting.tokenizer.preset.rawValue, recipe.counting.tokenizer.preset.rawValue)))."
  )
  var preset: Tokenizer.Preset?

  @Option(
    help:
      "word, char or char_wb (\(defaults(plain.counting.tokenizer.analyzer.rawValue, recipe.counting.tokenizer.analyzer.rawValue)))."
  )
  var analyzer: Tokenizer.Analyzer?

  @Option(
    help: ArgumentHelp(
      "N-gram lengths: N or MIN-MAX with 1 ≤ MIN ≤ MAX, e.g. 1 or 1-2 (\(defaults(plain.counting.tokenizer.ngramsText, recipe.counting.tokenizer.ngramsText))).",
      valueName: "min-max"))
  var ngrams: NGramRange?

  @Option(
    help:
      "Drop terms in fewer documents: a whole count (2) or a fraction in 0...1 (0.01) (\(defaults(plain.counting.minDocumentFrequency.description, recipe.counting.minDocumentFrequency.description)))."
  )
  var minDf: DocumentFrequencyBound?

  @Option(
    help:
      "Drop terms in more documents: a whole count or a fraction in 0...1 (0.9) (\(defaults(plain.counting.maxDocumentFrequency.description, recipe.counting.maxDocumentFrequency.description)))."
  )
  var maxDf: DocumentFrequencyBound?

  @Option(help: "Keep only the N most frequent terms.")
  var maxFeatures: Int?

  @Flag(
    inversion: .prefixedNo,
    help:
      "Use 1 + ln(tf) instead of raw counts (\(defaults("\(plain.weighting.sublinearTF)", "\(recipe.weighting.sublinearTF)")))."
  )
  var sublinearTf: Bool?

  @Option(
    help:
      "Row normalization: l2, l1 or none (\(defaults(plain.weighting.norm.rawValue, recipe.weighting.norm.rawValue)))."
  )
  var norm: VectorNorm?

  @Flag(
    inversion: .prefixedNo,
    help:
      "Multiply by inverse document frequency (\(defaults("\(plain.weighting.useIDF)", "\(recipe.weighting.useIDF)")))."
  )
  var useIdf: Bool?

  @Flag(
    inversion: .prefixedNo,
    help:
      "Smooth idf as if one more document held every term (\(defaults("\(plain.weighting.smoothIDF)", "\(recipe.weighting.smoothIDF)")))."
  )
  var smoothIdf: Bool?

  @Flag(help: "Count presence (0/1) instead of occurrences.")
  var binary = false

  @Option(
    help: ArgumentHelp(
      "english (scikit-learn's list) or a file with one word per line.", valueName: "list"))
  var stopWords: String?

  @Option(
    help:
      "Accent stripping: none, ascii or unicode (\(defaults(plain.counting.tokenizer.stripAccents.rawValue, recipe.counting.tokenizer.stripAccents.rawValue)))."
  )
  var stripAccents: Tokenizer.AccentStripping?

  @Option(
    help: ArgumentHelp(
      "sklearn preset: the word tokens are this regular expression's matches, or its one group's (Python re syntax; default: (?u)\\b\\w\\w+\\b).",
      valueName: "regex"))
  var tokenPattern: String?

  @Flag(
    inversion: .prefixedNo,
    help:
      "Lowercase (case-fold) the text (\(defaults("\(plain.counting.tokenizer.lowercase)", "\(recipe.counting.tokenizer.lowercase)")))."
  )
  var lowercase: Bool?

  @Flag(help: "Unicode preset: replace URLs and @mentions, keep #hashtags (for social media text).")
  var social = false

  /// The options given on the command line, as flags, for commands whose vectorizer is fixed
  /// (`--model`), which refuse them all alike.
  var given: [String] {
    [
      ("--preset", preset != nil), ("--analyzer", analyzer != nil), ("--ngrams", ngrams != nil),
      ("--min-df", minDf != nil), ("--max-df", maxDf != nil),
      ("--max-features", maxFeatures != nil), ("--[no-]sublinear-tf", sublinearTf != nil),
      ("--norm", norm != nil), ("--[no-]use-idf", useIdf != nil),
      ("--[no-]smooth-idf", smoothIdf != nil), ("--binary", binary),
      ("--stop-words", stopWords != nil), ("--strip-accents", stripAccents != nil),
      ("--token-pattern", tokenPattern != nil), ("--[no-]lowercase", lowercase != nil),
      ("--social", social),
    ].filter(\.1).map(\.0)
  }

  /// The paths these options read, for the output checks.
  var readPaths: [OutputPlan.Named] {
    [("--stop-words", stopWords == "english" ? nil : stopWords)]
  }

  func tokenizer(base: Tokenizer.Configuration) throws -> Tokenizer.Configuration {
    var c = base
    if let preset { c.preset = preset }
    if let analyzer { c.analyzer = analyzer }
    if let ngrams { c.ngrams = ngrams.range }
    if let lowercase { c.lowercase = lowercase }
    if let stripAccents { c.stripAccents = stripAccents }
    if social { c.normalizeSocialText = true }
    if let tokenPattern { c.tokenPattern = tokenPattern }
    // Checked here, before any reading, rather than when the tokenizer is built.
    if c.tokenPattern != nil { try c.validate() }
    if let stopWords {
      if stopWords != "english" { try RunPaths.read(stopWords, as: "--stop-words") }
      c.stopWords =
        stopWords == "english"
        ? StopWords.english : try StopWords.load(contentsOf: URL(fileURLWithPath: stopWords))
    }
    try TokenizerWarnings.check(c)
    return c
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
    var counting = base.counting
    counting.tokenizer = try tokenizer(base: base.counting.tokenizer)
    if let minDf { counting.minDocumentFrequency = minDf }
    if let maxDf { counting.maxDocumentFrequency = maxDf }
    if let maxFeatures { counting.maxFeatures = maxFeatures }
    if binary { counting.binary = true }
    var weighting = base.weighting
    if let norm { weighting.norm = norm }
    if let useIdf { weighting.useIDF = useIdf }
    if let smoothIdf { weighting.smoothIDF = smoothIdf }
    if let sublinearTf { weighting.sublinearTF = sublinearTf }
    return TfidfVectorizer.Configuration(counting: counting, weighting: weighting)
  }
}

extension Tokenizer.Configuration {
  /// The n-gram range as the `--ngrams` option writes it.
  fileprivate var ngramsText: String {
    ngrams.lowerBound == ngrams.upperBound
      ? "\(ngrams.lowerBound)" : "\(ngrams.lowerBound)-\(ngrams.upperBound)"
  }
}
