/// Counting terms over a corpus.
extension Tokenizer {
  /// How many terms `texts` hold in all (repeats included) and how many distinct ones
  /// (compared as strings): a corpus's token count and vocabulary size before any pruning.
  package func countTerms(in texts: some Sequence<String>) -> (terms: Int, distinct: Int) {
    var workspace = TokenizerWorkspace()
    var terms = 0
    var distinct = Set<String>()
    for text in texts {
      forEachTerm(in: text, workspace: &workspace) { bytes in
        terms += 1
        distinct.insert(String(decoding: bytes, as: UTF8.self))
      }
    }
    return (terms, distinct.count)
  }
}
