/// Vectorizing with a given vocabulary (scikit-learn's `vocabulary=`): the columns are the
/// vocabulary's terms in its order, nothing is pruned (``CountVectorizer/Configuration/minDocumentFrequency``,
/// ``CountVectorizer/Configuration/maxDocumentFrequency`` and
/// ``CountVectorizer/Configuration/maxFeatures`` play no part), and the idf weights are fitted
/// on the documents.
///
/// ``TfidfVectorizer/init(fitting:vocabulary:configuration:)`` and
/// ``TfidfVectorizer/fitTransform(_:vocabulary:configuration:)`` come here when given a vocabulary.
extension TfidfVectorizer {
  /// Fits the idf weights of a fixed vocabulary's terms on `documents` and returns their
  /// TF-IDF matrix, tokenizing them once.
  static func fitTransform(
    _ documents: [String], fixedVocabulary vocabulary: Vocabulary, configuration: Configuration
  ) throws -> (vectorizer: TfidfVectorizer, features: SparseMatrix) {
    let counter = try CountVectorizer(vocabulary: vocabulary, configuration: configuration.counting)
    let counts = try counter.transform(documents)
    let transformer = TfidfTransformer(fitting: counts, configuration: configuration.weighting)
    let vectorizer = TfidfVectorizer(
      configuration: configuration, counter: counter, transformer: transformer)
    return (vectorizer, transformer.normalizedRows(counts))
  }
}
