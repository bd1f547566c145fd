import Foundation
import SparseText

/// The warnings scikit-learn gives about tokenizer settings that are valid but cannot do what
/// they seem to (the library's `Tokenizer.warnings(vocabulary:)`), printed once per run in the
/// command line's words: stop words or a token pattern with a character analyzer are not used;
/// stop-list entries the tokenizer splits or changes, and upper-case terms of a given
/// vocabulary while lowercasing, can never match.
enum TokenizerWarnings {
  /// Prints the warnings about `configuration` (and `vocabulary`, when given) not printed yet
  /// in this run.
  static func check(_ configuration: Tokenizer.Configuration, vocabulary: Vocabulary? = nil)
    throws
  {
    for message in try messages(configuration, vocabulary: vocabulary)
    where Console.current.firstTime(message) {
      Terminal.warn(message)
    }
  }

  /// The warnings' messages.
  static func messages(_ configuration: Tokenizer.Configuration, vocabulary: Vocabulary? = nil)
    throws -> [String]
  {
    try Tokenizer(configuration).warnings(vocabulary: vocabulary).map {
      $0.rendered(FlagAdvice())
    }
  }
}
