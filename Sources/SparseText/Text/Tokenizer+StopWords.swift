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
}
