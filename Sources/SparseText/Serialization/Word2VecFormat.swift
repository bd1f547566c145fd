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

/// A file of term vectors, in the format its extension names: word2vec text (`.vec`, `.txt`;
/// ``Word2VecFormat``) or a NumPy array (`.npy`: float32, terms × dimensions, row `i` the
/// vector of vocabulary term `i`).
package enum TermVectorFile {
  /// The formats.
  package enum Format: Sendable {
    /// word2vec text.
    case word2vec
    /// NumPy `.npy`.
    case npy
  }

  /// The format of the file `url`.
  ///
  /// - Throws: ``ConfigurationError/outOfRange(field:value:allowed:)`` (field `output`) for an
  ///   extension that names neither.
  package static func format(of url: URL) throws -> Format {
    guard let format = format(extension: url.pathExtension) else {
      throw ConfigurationError.outOfRange(
        field: .outputFile, value: url.lastPathComponent,
        allowed: "a .vec or .txt file (word2vec text) or a .npy file (float32, terms × dimensions)")
    }
    return format
  }

  /// The format an extension names (`nil` for any other).
  package static func format(extension name: String) -> Format? {
    switch name.lowercased() {
    case "vec", "txt": .word2vec
    case "npy": .npy
    default: nil
    }
  }

  /// Writes `vectors` (row `i` is `terms[i]`'s) to `url` atomically, in its extension's format.
  package static func write(terms: [String], vectors: DenseMatrix, to url: URL) throws {
    switch try format(of: url) {
    case .word2vec: try Word2VecFormat.write(terms: terms, vectors: vectors, to: url)
    case .npy:
      guard vectors.rows == terms.count else {
        throw DataError.shapeMismatch(
          what: "rows of the term vectors (one per term)", expected: terms.count,
          actual: vectors.rows)
      }
      try NumPyArray.write(vectors, to: url)
    }
  }
}
