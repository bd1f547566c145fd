import ArgumentParser
import Foundation
import SparseText

extension CodeScaler.Method: ExpressibleByArgument {}

/// The pipeline settings `fit` and `experiment` share beyond the vectorizer and the autoencoder:
/// the classifier's C, unlabeled text and the codes' post-processing. Every option left out
/// keeps `TextFeaturePipeline.Configuration()`'s value, which the help shows.
struct PipelineOptions: ParsableArguments {
  private static let defaults = TextFeaturePipeline.Configuration()

  @Option(
    name: .customLong("C"),
    help: ArgumentHelp(
      "Classifier regularization C, or a comma-separated grid of positive numbers chosen by cross-validation on the training part (default: \(PositiveNumbers(Self.defaults.cValues).defaultValueDescription)).",
      valueName: "C,…"))
  var c: PositiveNumbers?

  @Option(
    help: ArgumentHelp(
      "Weights of the codes block beside the terms (inputs both and nbsvm_codes), a comma-separated grid chosen with C by cross-validation (default: \(PositiveNumbers(Self.defaults.codesWeights).defaultValueDescription)).",
      valueName: "w,…"))
  var codesWeights: PositiveNumbers?

  @Option(
    help: ArgumentHelp(
      "Word n-gram lengths of the terms the classifier reads (its TF-IDF and NBSVM inputs; in experiment, the best arm's): N, MIN-MAX, or same for the vectorizer's terms, which the autoencoder reads (default: \(Self.defaults.classifierNgrams.map { "\($0.lowerBound)-\($0.upperBound)" } ?? "same"); same when --ngrams is given).",
      valueName: "range"))
  var classifierNgrams: ClassifierNGrams?

  @Option(
    help: ArgumentHelp(
      "Unlabeled text for the vectorizer and the autoencoder (any corpus format; labels ignored). Repeatable.",
      valueName: "file"))
  var unlabeled: [String] = []

  @Option(
    help: ArgumentHelp(
      "Codes before the classifier and in encode's output: standardize or none (default: \(Self.defaults.codeScaling.rawValue)).",
      valueName: "method"))
  var codeScaling: CodeScaler.Method?

  /// The C candidates in effect.
  var cValues: [Double] { c?.values ?? Self.defaults.cValues }

  /// The classifier's n-gram range in effect: `--classifier-ngrams`'s, else none of its own when
  /// `--ngrams` was given (the n-grams asked for are the classifier's too), else `base` (the
  /// configuration file's or the library's).
  func classifierNgrams(base: ClosedRange<Int>?, ngramsGiven: Bool) -> ClosedRange<Int>? {
    if let classifierNgrams { return classifierNgrams.range }
    return ngramsGiven ? nil : base
  }

  /// The code post-processing in effect.
  var effectiveCodeScaling: CodeScaler.Method { codeScaling ?? Self.defaults.codeScaling }

  /// The texts of the `--unlabeled` files, read as the command reads its input.
  func unlabeledTexts(_ read: ReadOptions) throws -> [String] {
    try unlabeled.flatMap { try read.read($0, as: "--unlabeled").map(\.text) }
  }

  /// The paths these options read, for the output checks.
  var readPaths: [OutputPlan.Named] {
    unlabeled.map { ("--unlabeled", $0) }
  }
}
