import ArgumentParser
import Foundation
import SparseText

/// `sparsetext tokenize`: what the analyzer makes of each document (scikit-learn's
/// `build_analyzer()`), or the stop words in effect (`get_stop_words()`).
struct Tokenize: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Print each document's terms as the vectorizer sees them, one JSON array per line.",
    discussion: """
      Takes the vectorizer options of vectorize, fit and experiment (their vectorize defaults), so \
      it shows exactly the terms vectorize would count: after normalization, the token pattern, \
      stop words and n-grams. Warns, as scikit-learn does, about stop words that are unused or can \
      never match a token.
      Examples:
        sparsetext tokenize reviews.txt --preset sklearn --ngrams 1-2 | head
        sparsetext tokenize --stop-words english --print-stop-words
      """)

  @Argument(
    help: ArgumentHelp(
      "The corpus: a file, a DIR/<label>/*.txt folder, or - for standard input.",
      valueName: "input"))
  var input: String?

  @OptionGroup var read: ReadOptions
  @OptionGroup var vectorizer: VectorizerOptions

  @Flag(help: "Print the stop words in effect, one per line, instead of tokenizing.")
  var printStopWords = false

  @Flag(help: "Print word tokens before stop words and n-grams (build_tokenizer).")
  var tokensOnly = false

  @Flag(
    help:
      "Print each document's text after lowercasing and accent stripping, before tokenizing, one JSON string per line (build_preprocessor)."
  )
  var preprocessOnly = false

  func validate() throws {
    if input == nil && !printStopWords {
      throw ValidationError("give INPUT, or --print-stop-words")
    }
    if tokensOnly && preprocessOnly {
      throw ValidationError("choose one of --tokens-only and --preprocess-only")
    }
  }

  func run() throws {
    let configuration = try vectorizer.tfidf().counting.tokenizer
    let tokenizer = try Tokenizer(configuration)
    var out: [UInt8] = []
    let stdout = Console.current
    if printStopWords {
      for word in configuration.stopWords {
        out.append(contentsOf: word.utf8)
        out.append(0x0A)
      }
      try stdout.write(Data(out))
      return
    }
    guard let input else { return }
    var workspace = TokenizerWorkspace()
    var documents = 0
    try read.forEachDocument(input) { document in
      documents += 1
      if preprocessOnly {
        JSONString.append(tokenizer.preprocessed(document.text), to: &out)
        out.append(0x0A)
      } else {
        out.append(UInt8(ascii: "["))
        var first = true
        func add(_ term: String) {
          if !first { out.append(UInt8(ascii: ",")) }
          first = false
          JSONString.append(term, to: &out)
        }
        if tokensOnly {
          for token in try tokenizer.tokens(in: document.text) { add(token) }
        } else {
          tokenizer.forEachTerm(in: document.text, workspace: &workspace) { bytes in
            add(String(decoding: bytes, as: UTF8.self))
          }
          try workspace.checkFailure()
        }
        out.append(contentsOf: "]\n".utf8)
      }
      if out.count >= 1 << 20 {
        try stdout.write(Data(out))
        out.removeAll(keepingCapacity: true)
      }
    }
    try stdout.write(Data(out))
    guard documents > 0 else {
      throw DataError.noDocuments(source: input)
    }
  }
}
