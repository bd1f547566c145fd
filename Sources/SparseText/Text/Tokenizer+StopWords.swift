/// Whether a stop list fits the tokenizer (scikit-learn's `_check_stop_words_consistency`).
extension Tokenizer {
  /// The stop-list entries the word tokenizer can never produce as a token because it splits
  /// or changes them (`you've` → `you`, `ve`; `You` when lowercasing) into tokens that are not
  /// stop words themselves, each with those tokens: scikit-learn warns when there are any.
  /// Empty when stop words are not used (a character analyzer, or no list).
  package func inconsistentStopWords() throws -> [(entry: String, tokens: [String])] {
    guard configuration.analyzer == .word else { return [] }
    let stopWords = Set(configuration.stopWords)
    return try configuration.stopWords.compactMap { entry in
      let tokens = try self.tokens(in: entry)
      let foreign = tokens.filter { !stopWords.contains($0) }
      return tokens == [entry] || foreign.isEmpty ? nil : (entry, foreign)
    }
  }

  /// The terms of a given vocabulary that no document can produce because this tokenizer
  /// lowercases and they hold letters that lowercasing changes: scikit-learn warns about them
  /// ("Upper case characters found in vocabulary while 'lowercase' is True. These entries will
  /// not be matched with any documents"). Empty when the tokenizer does not lowercase.
  package func unmatchableTerms(in vocabulary: Vocabulary) -> [String] {
    guard configuration.lowercase else { return [] }
    return vocabulary.terms.filter { term in
      term.unicodeScalars.contains { $0.properties.changesWhenLowercased }
    }
  }

  /// Settings that are valid but cannot do what they seem to, as scikit-learn warns about them,
  /// each as a message to show: stop words or a token pattern with a character analyzer (not
  /// used), stop-list entries the tokenizer splits or changes (``inconsistentStopWords()``),
  /// and the terms of a given `vocabulary` that lowercasing keeps every document from producing
  /// (``unmatchableTerms(in:)``).
  package func warnings(vocabulary: Vocabulary? = nil) throws -> [Advice] {
    var warnings: [Advice] = []
    let analyzer = configuration.analyzer
    if analyzer != .word {
      if !configuration.stopWords.isEmpty {
        warnings.append(
          "\(field: .stopWords) is not used with \(field: .analyzer) \(analyzer.rawValue) (stop words apply to word tokens only)"
        )
      }
      if configuration.tokenPattern != nil {
        warnings.append(
          "\(field: .tokenPattern) is not used with \(field: .analyzer) \(analyzer.rawValue) (character n-grams are taken from the whole text, not from the pattern's tokens)"
        )
      }
    }
    let inconsistent = try inconsistentStopWords()
    if !inconsistent.isEmpty {
      let shown = inconsistent.prefix(5).map { entry, tokens in
        "'\(entry)' → \(tokens.map { "'\($0)'" }.joined(separator: ", "))"
      }
      let more = inconsistent.count > 5 ? ", and \(inconsistent.count - 5) more" : ""
      warnings.append(
        "\(inconsistent.count) stop word(s) can never match a token, because the tokenizer splits or changes them into tokens that are not stop words: \(shown.joined(separator: "; "))\(more). Add those tokens to the list, or write the list as the tokenizer tokenizes (see sparsetext tokenize)."
      )
    }
    if let vocabulary {
      let unmatchable = unmatchableTerms(in: vocabulary)
      if !unmatchable.isEmpty {
        let shown = unmatchable.prefix(5).map { "'\($0)'" }.joined(separator: ", ")
        let more = unmatchable.count > 5 ? ", and \(unmatchable.count - 5) more" : ""
        warnings.append(
          "\(unmatchable.count) of the vocabulary's \(vocabulary.count) terms hold upper-case letters while \(field: .lowercase) is on, so no document can match them (their columns stay zero): \(shown)\(more). Lowercase them, or \(unset: .lowercase)."
        )
      }
    }
    return warnings
  }
}
