// TF-IDF against sparse codes against both, for sentiment, with a learning curve over label
// fractions: three pipelines that differ in what the classifier reads, scored on a test part.
//
//   swift run SentimentExperiment                                   # a small built-in corpus
//   swift run SentimentExperiment train.jsonl test.jsonl            # e.g. from `sparsetext corpus split`
import Foundation
import SparseText

let arguments = CommandLine.arguments
let train: [LabeledDocument]
let test: [LabeledDocument]
if arguments.count > 2 {
  train = try CorpusReader(contentsOf: URL(fileURLWithPath: arguments[1])).readAll().documents
  test = try CorpusReader(contentsOf: URL(fileURLWithPath: arguments[2])).readAll().documents
} else {
  let positive = ["love", "great", "happy", "awesome", "best", "thanks", "fun", "good"]
  let negative = ["hate", "awful", "sad", "worst", "bad", "angry", "boring", "sick"]
  let neutral = ["today", "going", "work", "home", "tomorrow", "watching", "news", "bus"]
  var generator = SeededGenerator(seed: 3)
  let corpus = (0..<240).map { i -> LabeledDocument in
    let (label, words) = [("positive", positive), ("negative", negative), ("neutral", neutral)][
      i % 3]
    let text = (0..<5).map { k in
      k < 2 ? words[Int(generator.next() % 8)] : neutral[Int(generator.next() % 8)]
    }
    return LabeledDocument(id: "\(i)", text: text.joined(separator: " "), labels: [label])
  }
  train = Array(corpus.prefix(180))
  test = Array(corpus.suffix(60))
}

let trainTexts = train.map(\.text)
let trainLabels = train.map { $0.label ?? "none" }
let testTexts = test.map(\.text)
let testLabels = test.map { $0.label ?? "none" }

func configuration(_ input: TextFeaturePipeline.ClassifierInput)
  -> TextFeaturePipeline
  .Configuration
{
  .init(
    vectorizer: .init(
      counting: .init(minDocumentFrequency: .count(2)), weighting: .init(sublinearTF: true)),
    autoencoder: .init(hiddenUnits: 16, epochs: 20, batchSize: 16),
    classifierInput: input, cValues: [1, 10])
}

let inputs: [TextFeaturePipeline.ClassifierInput] = [.tfidf, .codes, .both]
for input in inputs {
  let pipeline = try TextFeaturePipeline(
    fitting: trainTexts, labels: trainLabels, configuration: configuration(input))
  let report = try ClassificationReport(
    truth: testLabels, predicted: pipeline.predict(testTexts),
    probabilities: pipeline.probabilities(for: testTexts), classes: pipeline.classes)
  let name = input.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0)
  let c = pipeline.classifier?.configuration.inverseRegularization ?? .nan
  print(
    name
      + String(
        format: " accuracy %.2f%%  macro-F1 %.2f%%  (C %g)", report.accuracy * 100,
        report.macroF1 * 100, c))
}

print("learning curve:")
for fraction in [0.1, 0.5, 1] {
  let subset = try StratifiedSplit.fraction(
    fraction, of: Array(trainTexts.indices), labels: trainLabels, seed: 1)
  for input in inputs {
    let pipeline = try TextFeaturePipeline(
      fitting: subset.map { trainTexts[$0] }, labels: subset.map { trainLabels[$0] },
      // The autoencoder still learns from all the training text; only the labels are fewer.
      unlabeled: trainTexts.indices.filter { !subset.contains($0) }.map { trainTexts[$0] },
      configuration: configuration(input))
    let report = try ClassificationReport(
      truth: testLabels, predicted: pipeline.predict(testTexts))
    let name = input.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0)
    print(
      "  " + name
        + String(
          format: " %4.0f%% of labels (%d): %.2f%%", fraction * 100, subset.count,
          report.accuracy * 100))
  }
}
