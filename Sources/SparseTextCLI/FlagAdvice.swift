import Foundation
import SparseText

/// The command line's wording of library messages: errors carry the configuration fields they
/// are about as values (``ConfigurationField``), and this table names the flag that sets each,
/// so advice reads as something to type. Fields no flag sets keep the library's names.
struct FlagAdvice: MessageWording {
  /// The flag that sets `field`, or `nil` when none does (a `--config` file can).
  static func flag(for field: ConfigurationField) -> String? {
    switch field {
    case .preset: "--preset"
    case .analyzer: "--analyzer"
    case .ngrams: "--ngrams"
    case .tokenPattern: "--token-pattern"
    case .lowercase: "--lowercase"
    case .stopWords: "--stop-words"
    case .minDocumentFrequency: "--min-df"
    case .maxDocumentFrequency: "--max-df"
    case .maxFeatures: "--max-features"
    case .features: "--hashing"
    case .hiddenUnits: "--hidden"
    case .sparsityTarget: "--sparsity"
    case .sparsityWeight: "--beta"
    case .weightDecay: "--weight-decay"
    case .l1Weight: "--l1"
    case .inputScale: "--input-scale"
    case .epochs: "--epochs"
    case .batchSize: "--batch-size"
    case .validationFraction: "--validation"
    case .learningRate: "--learning-rate"
    case .topK: "--topk"
    case .sampledColumns: "--sampled-columns"
    case .output: "--decoder"
    case .loss: "--loss"
    case .tiedWeights: "--tied"
    case .labelWeight: "--label-weight"
    case .taskWeight: "--task-weight"
    case .inverseRegularization, .cValues: "--C"
    case .classifierInput: "--classifier-input"
    case .codesWeights: "--codes-weights"
    case .classifierNgrams: "--classifier-ngrams"
    case .folds: "--folds"
    case .choiceRows: "--choice-rows"
    case .outlierQuantile: "--outlier-quantile"
    case .threshold: "--threshold"
    case .format: "--format"
    case .encoding: "--encoding"
    case .strictEncoding: "--strict-encoding"
    case .onBadRecord: "--on-bad-record"
    case .textColumn: "--text-column"
    case .labelColumn: "--label-column"
    case .textField: "--text-field"
    case .labelField: "--label-field"
    case .idField: "--id-field"
    case .testFraction: "--test-fraction"
    case .labelFraction: "--label-fractions"
    case .wheel: "--wheel"
    case .outputFile: "-o"
    case .k: "-k"
    case .minimumScore: "--min-score"
    case .modelBundle: "--model"
    case .minimumTokenLength, .inputColumns, .latent, .patience, .tolerance, .maxIterations,
      .classifier, .trainingScores, .codeScaling, .corpus, .svdComponents, .dimension,
      .blockSize, .exactStep, .naiveBayesSmoothing:
      nil
    case .maximumRecordBytes: "--max-record-bytes"
    }
  }

  /// The flag, or the library's name of a field no flag sets.
  func name(_ field: ConfigurationField) -> String {
    Self.flag(for: field) ?? field.description
  }

  /// Fields as flags, and steps as the commands that take them.
  func words(for reference: Advice.Reference) -> String {
    switch reference {
    case .field(let field):
      return Self.flag(for: field) ?? LibraryWording().words(for: reference)
    case .set(let field, let value):
      return Self.flag(for: field).map { "pass \($0) \(value)" }
        ?? LibraryWording().words(for: reference)
    case .unset(.classifier):
      return "pass --no-classifier to fit without labels"
    case .unset(.lowercase):
      return "pass --no-lowercase"
    case .unset(let field):
      return Self.flag(for: field).map { "drop \($0)" } ?? LibraryWording().words(for: reference)
    case .step(.fitAgain):
      return "re-create it with `sparsetext fit`"
    case .step(.fitWithLabels):
      return "fit it with labels (sparsetext fit INPUT --label-column …)"
    case .step(.fetch(let corpus)):
      return "run `sparsetext corpus fetch \(corpus)` first"
    case .step(.vocabularyObject):
      return "as vectorize --vocabulary-out writes it"
    case .step(.buildIndex):
      return "build it with `sparsetext index MODEL CORPUS -o DIR`"
    }
  }

  /// `error`'s message in the command line's words.
  static func message(for error: any Error) -> String {
    switch error {
    case let error as DataError: error.message(FlagAdvice())
    case let error as ConfigurationError: error.message(FlagAdvice())
    case let error as TrainingError: error.message(FlagAdvice())
    case let error as ModelFormatError: error.message(FlagAdvice())
    case let error as EmbeddingIndexError: error.message(FlagAdvice())
    default: "\(error)"
    }
  }
}
