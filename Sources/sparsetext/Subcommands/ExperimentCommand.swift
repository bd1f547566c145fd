import ArgumentParser
import Foundation
import SparseText

struct ExperimentCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "experiment",
    abstract: "Compare TF-IDF, sparse codes and both as features for logistic regression.",
    discussion: """
      Examples:
        sparsetext experiment --corpus bbc --split ../shared/splits/bbc.tsv --report out/bbc
        sparsetext experiment --train train.txt --test test.txt --hidden 128 --label-fractions 0.01,0.1,1
        sparsetext experiment reviews.csv --label-column sentiment --cv 5
      Pipelines: tfidf_lr (TF-IDF → LR), sae_lr (TF-IDF → codes → LR), concat_lr (both → LR).
      The vectorizer and autoencoder are fitted on training text only.
      """)

  @Argument(help: "A labelled corpus to split (with --test-fraction) or cross-validate (--cv).")
  var input: String?

  @Option(help: "Training corpus.")
  var train: String?

  @Option(help: "Test corpus.")
  var test: String?

  @OptionGroup var source: SplitOptions

  @Option(help: "Run K-fold cross-validation on INPUT instead of one split.")
  var cv: Int?

  @Option(
    name: .customLong("C"),
    help: ArgumentHelp(
      "Regularization C, or a comma-separated grid chosen by CV on the training part.",
      valueName: "C,…"))
  var c = "10"

  @Option(help: "Folds for the C grid search.")
  var folds = 3

  @Option(
    help: ArgumentHelp("Label fractions for a learning curve, e.g. 0.01,0.1,1.", valueName: "f,…"))
  var labelFractions: String?

  @Flag(help: "Skip the autoencoder (tfidf_lr only).")
  var noAutoencoder = false

  @Option(help: "Write report.json, report.md and learning_curve.svg here.")
  var report: String?

  @OptionGroup var read: ReadOptions
  @OptionGroup var vectorizer: VectorizerOptions
  @OptionGroup var autoencoder: AutoencoderOptions
  @OptionGroup var global: GlobalOptions

  func numbers(_ text: String, flag: String) throws -> [Double] {
    let values = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
    guard !values.isEmpty, values.allSatisfy({ $0 != nil && $0! > 0 }) else {
      throw ConfigurationError.outOfRange(
        field: flag, value: text, allowed: "positive numbers separated by commas")
    }
    return values.map { $0! }
  }

  func run() throws {
    var experimentConfiguration = Experiment.Configuration(
      vectorizer: try vectorizer.tfidf(),
      autoencoder: noAutoencoder ? nil : autoencoder.configuration,
      classifier: .init(maxIterations: 1000), cValues: try numbers(c, flag: "--C"), folds: folds,
      labelFractions: try labelFractions.map { try numbers($0, flag: "--label-fractions") } ?? [],
      seed: autoencoder.seed)
    experimentConfiguration.classifier.inverseRegularization = experimentConfiguration.cValues[0]
    let (parts, dataInfo) = try loadParts()
    let display = TrainingDisplay(epochs: autoencoder.epochs, quiet: global.quiet)
    let experiment = Experiment(experimentConfiguration)
    var results: [Experiment.Result] = []
    for (index, part) in parts.enumerated() {
      if parts.count > 1 { Terminal.note("fold \(index + 1)/\(parts.count)", quiet: global.quiet) }
      let result = try experiment.run(train: part.train, test: part.test) { event in
        switch event {
        case .step(let name): Terminal.note("· \(name)", quiet: global.quiet)
        case .autoencoder(let e): display.handle(e)
        }
      }
      results.append(result)
    }
    let summary = ExperimentReport(
      results: results, configuration: experimentConfiguration, data: dataInfo)
    print(summary.table)
    if let report {
      try summary.write(to: URL(fileURLWithPath: report))
      Terminal.note("report: \(report)/report.md", quiet: global.quiet)
    }
  }

  /// The train/test parts (one, or one per fold) and a description of the data.
  func loadParts() throws -> ([(train: [LabeledDocument], test: [LabeledDocument])], [String: Any])
  {
    var documents: [LabeledDocument] = []
    var source = ""
    var parts: [(train: [LabeledDocument], test: [LabeledDocument])] = []
    if let train, let test {
      let a = try read.read(train)
      let b = try read.read(test)
      parts = [(a, b)]
      documents = a + b
      source = "\(train) + \(test)"
    } else {
      (documents, source) = try self.source.documents(input: input, read: read)
      if let cv, self.source.split == nil {
        let labels = try documents.map { try Experiment.label(of: $0) }
        parts = try StratifiedSplit.folds(labels: labels, k: cv, seed: autoencoder.seed).map {
          fold in (fold.train.map { documents[$0] }, fold.test.map { documents[$0] })
        }
      } else {
        parts = [try self.source.divide(documents, seed: autoencoder.seed)]
      }
    }
    var counts: [String: Int] = [:]
    for document in documents { counts[document.label ?? "", default: 0] += 1 }
    var hashInput: [UInt8] = []
    for document in documents {
      hashInput.append(contentsOf: document.text.utf8)
      hashInput.append(0)
    }
    let info: [String: Any] = [
      "source": source, "documents": documents.count, "counts_per_class": counts,
      "sha256": Digest.sha256Hex(hashInput), "train": parts.map(\.train.count),
      "test": parts.map(\.test.count),
    ]
    return (parts, info)
  }
}
