import Foundation

/// The word2vec text format (`.vec`) that tools importing embeddings read: a header line
/// `COUNT DIMENSIONS`, then one line per term: the term and its values, separated by spaces.
package enum Word2VecFormat {
  /// The `.vec` text of `terms` and their vectors (row `i` of `vectors` is term `i`'s). Fields
  /// are separated by spaces, so spaces inside a term (n-grams) become `_`.
  package static func data(terms: [String], vectors: DenseMatrix) throws -> Data {
    guard vectors.rows == terms.count else {
      throw DataError.shapeMismatch(
        what: "rows of the term vectors (one per term)", expected: terms.count,
        actual: vectors.rows)
    }
    var text = "\(terms.count) \(vectors.columns)\n"
    for (c, term) in terms.enumerated() {
      text += term.replacingOccurrences(of: " ", with: "_")
      for j in 0..<vectors.columns { text += " \(vectors[c, j])" }
      text += "\n"
    }
    return Data(text.utf8)
  }

  /// Writes ``data(terms:vectors:)`` to `url` atomically.
  package static func write(terms: [String], vectors: DenseMatrix, to url: URL) throws {
    try AtomicFile.write(try data(terms: terms, vectors: vectors), to: url)
  }
}
