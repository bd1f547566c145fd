import Foundation

/// A fitted vectorizer saved alone: a model bundle whose only stage is the vectorizer
/// (vocabulary, idf and configuration), so it can be applied to new text later (`fit` once,
/// `transform` many). ``TextFeaturePipeline/init(contentsOf:)`` reads it too, as a pipeline
/// without an autoencoder or a classifier.
extension TfidfVectorizer {
  /// Writes this vectorizer as a model bundle at the directory `url`, atomically (see
  /// ``TextFeaturePipeline/write(to:)``).
  public func write(to url: URL) throws {
    try write(to: url, in: nil)
  }

  /// ``write(to:)``, staged in `commit` when there is one.
  package func write(to url: URL, in commit: OutputCommit?) throws {
    try TextFeaturePipeline(vectorizer: self).write(to: url, in: commit)
  }

  /// Reads the vectorizer stage of a model bundle (one written by ``write(to:)``, or a whole
  /// pipeline's).
  public init(contentsOf url: URL) throws {
    self = try TextFeaturePipeline(contentsOf: url).vectorizer
  }
}

extension TextFeaturePipeline {
  /// A pipeline of one stage: `vectorizer`, with no autoencoder and no classifier.
  package init(vectorizer: TfidfVectorizer) {
    self.init(
      configuration: Configuration(
        vectorizer: vectorizer.configuration, autoencoder: nil, classifier: nil),
      vectorizer: vectorizer, autoencoder: nil, classifier: nil)
  }
}
