import ArgumentParser
import Foundation
import SparseText

extension Tokenizer.Preset: ExpressibleByArgument {}
extension Tokenizer.Analyzer: ExpressibleByArgument {}
extension Tokenizer.AccentStripping: ExpressibleByArgument {}
extension VectorNorm: ExpressibleByArgument {}

/// Tokenizer and TF-IDF settings shared by `vectorize`, `fit` and `experiment`.
struct VectorizerOptions: ParsableArguments {
  @Option(
    help:
      "unicode (NFKC, case folding, CJK by character) or sklearn (scikit-learn's exact analyzer).")
  var preset: Tokenizer.Preset = .unicode

  @Option(help: "word, char or char_wb.")
  var analyzer: Tokenizer.Analyzer = .word

  @Option(help: ArgumentHelp("N-gram lengths, e.g. 1 or 1-2.", valueName: "min-max"))
  var ngrams = "1"

  @Option(help: "Drop terms in fewer documents: a count (2) or a fraction (0.01).")
  var minDf = "1"

  @Option(help: "Drop terms in more documents: a count or a fraction (0.9).")
  var maxDf = "1.0"

  @Option(help: "Keep only the N most frequent terms.")
  var maxFeatures: Int?

  @Flag(help: "Use 1 + ln(tf) instead of raw counts.")
  var sublinearTf = false

  @Option(help: "Row normalization: l2, l1 or none.")
  var norm: VectorNorm = .l2

  @Flag(help: "Count presence (0/1) instead of occurrences.")
  var binary = false

  @Option(
    help: ArgumentHelp(
      "english (scikit-learn's list) or a file with one word per line.", valueName: "list"))
  var stopWords: String?

  @Option(help: "Accent stripping: none, ascii or unicode.")
  var stripAccents: Tokenizer.AccentStripping = .none

  @Flag(inversion: .prefixedNo, help: "Lowercase (case-fold) the text.")
  var lowercase = true

  @Flag(help: "Unicode preset: replace URLs and @mentions, keep #hashtags (for social media text).")
  var social = false

  func ngramRange() throws -> ClosedRange<Int> {
    let parts = ngrams.split(separator: "-").map { Int($0) }
    switch parts.count {
    case 1:
      if let n = parts[0], n >= 1 { return n...n }
    case 2:
      if let a = parts[0], let b = parts[1], a >= 1, a <= b { return a...b }
    default: break
    }
    throw ConfigurationError.outOfRange(
      field: "--ngrams", value: ngrams, allowed: "N or MIN-MAX with 1 ≤ MIN ≤ MAX, e.g. 1-2")
  }

  func tokenizer() throws -> Tokenizer.Configuration {
    var c = Tokenizer.Configuration(preset: preset)
    c.analyzer = analyzer
    c.ngrams = try ngramRange()
    c.lowercase = lowercase
    c.stripAccents = stripAccents
    c.normalizeSocialText = social
    if let stopWords {
      c.stopWords =
        stopWords == "english"
        ? StopWords.english : try StopWords.load(contentsOf: URL(fileURLWithPath: stopWords))
    }
    return c
  }

  func bound(_ text: String, flag: String) throws -> DocumentFrequencyBound {
    guard let bound = DocumentFrequencyBound(text) else {
      throw ConfigurationError.outOfRange(
        field: flag, value: text, allowed: "a whole count such as 2 or a fraction such as 0.5")
    }
    return bound
  }

  func tfidf() throws -> TfidfVectorizer.Configuration {
    TfidfVectorizer.Configuration(
      tokenizer: try tokenizer(), minDocumentFrequency: try bound(minDf, flag: "--min-df"),
      maxDocumentFrequency: try bound(maxDf, flag: "--max-df"), maxFeatures: maxFeatures,
      binary: binary, norm: norm, sublinearTF: sublinearTf)
  }
}
