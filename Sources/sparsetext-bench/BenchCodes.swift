import ArgumentParser
import Foundation
import SparseText
import SparseTextCLI

/// Fits the pipeline with the classifier on the codes and measures the codes, for choosing the
/// autoencoder's defaults (issues 23 and 26): codes + LR accuracy on the test part, the test
/// part's FVU, the epochs run and the fit's time.
struct BenchCodes: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "codes",
    abstract:
      "Fit TF-IDF → autoencoder → LR on the codes on a training file, print test accuracy, test FVU, epochs and seconds as JSON.",
    discussion: """
      Files are JSON lines with `text` and `label` fields (.jsonl) or fastText lines \
      (`__label__x text`, any other extension). The autoencoder starts from the library's \
      defaults; each option given replaces one field, as in `sparsetext fit`.
      """)

  @Option(help: "Training file.")
  var train: String

  @Option(help: "Test file.")
  var test: String

  @Option(help: "dense or gram.")
  var exactStep: String?

  @Option(
    help:
      "Keep the labels of this stratified fraction of the training rows (drawn with --seed); the rest train the unsupervised stages."
  )
  var labelFraction: Double?

  /// The autoencoder's options, spelled as `fit` spells them.
  @OptionGroup var autoencoder: AutoencoderOptions

  static func read(_ path: String) throws -> (texts: [String], labels: [String]) {
    let content = try String(contentsOfFile: path, encoding: .utf8)
    var texts: [String] = []
    var labels: [String] = []
    for line in content.split(separator: "\n", omittingEmptySubsequences: true) {
      if path.hasSuffix(".jsonl") {
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        guard let text = object?["text"] as? String, let label = object?["label"] else {
          throw ValidationError("\(path): a line without text and label")
        }
        texts.append(text)
        labels.append("\(label)")
      } else {
        let parts = line.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].hasPrefix("__label__") else {
          throw ValidationError("\(path): a line without __label__")
        }
        labels.append(String(parts[0].dropFirst("__label__".count)))
        texts.append(String(parts[1]))
      }
    }
    return (texts, labels)
  }

  func run() throws {
    var sae = try autoencoder.configuration()
    if let exactStep { sae.exactStep = SparseAutoencoder.ExactStep(rawValue: exactStep) }
    var trainPart = try Self.read(train)
    var unlabeled: [String] = []
    if let labelFraction {
      let keep = try StratifiedSplit.fraction(
        labelFraction, of: Array(trainPart.texts.indices), labels: trainPart.labels,
        seed: sae.seed)
      let kept = Set(keep)
      unlabeled = trainPart.texts.indices.filter { !kept.contains($0) }.map { trainPart.texts[$0] }
      trainPart = (keep.map { trainPart.texts[$0] }, keep.map { trainPart.labels[$0] })
    }
    let testPart = try Self.read(test)
    let configuration = TextFeaturePipeline.Configuration(
      autoencoder: sae, classifierInput: .codes)
    let clock = Date()
    let pipeline = try TextFeaturePipeline(
      fitting: trainPart.texts, labels: trainPart.labels, unlabeled: unlabeled,
      configuration: configuration)
    let seconds = Date().timeIntervalSince(clock)
    let autoencoder = pipeline.autoencoder!
    let predicted = try pipeline.predict(testPart.texts)
    let accuracy =
      Double(zip(predicted, testPart.labels).filter { $0 == $1 }.count)
      / Double(testPart.labels.count)
    let xTrain = try pipeline.vectorizer.transform(trainPart.texts + unlabeled)
    let xTest = try pipeline.vectorizer.transform(testPart.texts)
    let metrics = try autoencoder.metrics(on: xTest, referenceMeans: xTrain.columnMeans())
    let history = autoencoder.history
    let validation = history.compactMap(\.validationLoss)
    let fitted = autoencoder.configuration
    let summary: [String: Any] = [
      "accuracy": accuracy * 100, "test_fvu": metrics.fractionOfVarianceUnexplained,
      "fit_seconds": seconds, "sae_seconds": history.map(\.seconds).reduce(0, +),
      "epochs_run": history.count,
      "best_epoch": validation.isEmpty
        ? history.count : validation.firstIndex(of: validation.min()!)! + 1,
      "best_validation_loss": validation.min() ?? -1,
      "batch_size": fitted.batchSize ?? -1, "learning_rate": fitted.effectiveLearningRate,
      "exact_step": fitted.exactStep?.rawValue ?? "?", "label_weight": fitted.labelWeight,
      "label_loss_last": history.last?.labelLoss ?? -1,
    ]
    let data = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
  }
}
