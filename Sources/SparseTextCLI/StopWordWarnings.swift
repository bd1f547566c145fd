import Foundation
import SparseText

/// The warnings scikit-learn gives about a stop list, printed once per run: stop words with a
/// character analyzer are not used; entries the tokenizer splits or changes can never match.
enum StopWordWarnings {
  static func check(_ configuration: Tokenizer.Configuration) throws {
    guard !configuration.stopWords.isEmpty, Console.current.firstTime("stop words") else {
      return
    }
    for message in try messages(configuration) { Terminal.warn(message) }
  }

  static func messages(_ configuration: Tokenizer.Configuration) throws -> [String] {
    guard configuration.analyzer == .word else {
      return [
        "--stop-words is not used with --analyzer \(configuration.analyzer.rawValue) (stop words apply to word tokens only)"
      ]
    }
    let inconsistent = try Tokenizer(configuration).inconsistentStopWords()
    guard !inconsistent.isEmpty else { return [] }
    let shown = inconsistent.prefix(5).map { entry, tokens in
      "'\(entry)' → \(tokens.map { "'\($0)'" }.joined(separator: ", "))"
    }
    let more = inconsistent.count > 5 ? ", and \(inconsistent.count - 5) more" : ""
    return [
      "\(inconsistent.count) stop word(s) can never match a token, because the tokenizer splits or changes them into tokens that are not stop words: \(shown.joined(separator: "; "))\(more). Add those tokens to the list, or write the list as the tokenizer tokenizes (see sparsetext tokenize)."
    ]
  }
}
