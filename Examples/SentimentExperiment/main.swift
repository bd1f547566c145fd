// TF-IDF against sparse codes against both, for sentiment, with a learning curve over label
// fractions: the library's Experiment, in a few lines.
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

let experiment = Experiment(
  .init(
    vectorizer: .init(minDocumentFrequency: .count(2), sublinearTF: true),
    autoencoder: .init(hiddenUnits: 16, epochs: 20, batchSize: 16),
    cValues: [1, 10], labelFractions: [0.1, 0.5, 1]))
let result = try experiment.run(train: train, test: test)
for pipeline in result.pipelines {
  let name = pipeline.name.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)
  print(
    name
      + String(
        format: " accuracy %.2f%%  macro-F1 %.2f%%  (C %g)", pipeline.accuracy * 100,
        pipeline.macroF1 * 100, pipeline.c))
}
print("learning curve:")
for point in result.learningCurve {
  let name = point.pipeline.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)
  print(
    "  " + name
      + String(
        format: " %4.0f%% of labels (%d): %.2f%%", point.fraction * 100, point.labelled,
        point.accuracy * 100))
}
