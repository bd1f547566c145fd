/// Vectorizing with a given vocabulary (scikit-learn's `vocabulary=`): the columns are the
/// vocabulary's terms in its order, nothing is pruned (``CountVectorizer/Configuration/minDocumentFrequency``,
/// ``CountVectorizer/Configuration/maxDocumentFrequency`` and
/// ``CountVectorizer/Configuration/maxFeatures`` play no part), and the idf weights are fitted
/// on the documents.
extension TfidfVectorizer {
  /// Fits the idf weights of a fixed vocabulary's terms on `documents`.
  public init(fitting documents: [String], vocabulary: Vocabulary, configuration: Configuration)
    throws
  {
    self = try Self.fitTransform(documents, vocabulary: vocabulary, configuration: configuration)
      .vectorizer
  }

  /// Fits the idf weights of a fixed vocabulary's terms on `documents` and returns their
  /// TF-IDF matrix, tokenizing them once.
  public static func fitTransform(
    _ documents: [String], vocabulary: Vocabulary, configuration: Configuration
  ) throws -> (vectorizer: TfidfVectorizer, features: SparseMatrix) {
    let counter = try CountVectorizer(vocabulary: vocabulary, configuration: configuration.counting)
    let counts = try counter.transform(documents)
    let transformer = TfidfTransformer(fitting: counts, configuration: configuration.weighting)
    let vectorizer = TfidfVectorizer(
      configuration: configuration, counter: counter, transformer: transformer)
    return (vectorizer, transformer.normalizedRows(counts))
  }
}
