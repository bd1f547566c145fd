import ArgumentParser
import Foundation
import SparseText
import SparseTextExperiments

struct Evaluate: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Score a fitted model on a labelled corpus: accuracy, F1, confusion matrix.",
    discussion: """
      Examples:
        sparsetext evaluate model/ test.jsonl
        sparsetext evaluate model/ test.jsonl --json
      """)

  @Argument(help: "The model bundle.")
  var model: String

  @OptionGroup var input: InputOptions
  @OptionGroup var global: GlobalOptions

  func run() throws {
    let pipeline = try TextFeaturePipeline.bundle(at: model, for: "evaluate")
    let documents = try input.documents()
    let truth = try documents.map { try Experiment.label(of: $0) }
    let known = Set(pipeline.classes)
    let unseen = truth.filter { !known.contains($0) }
    if !unseen.isEmpty {
      let names = Set(unseen).sorted().prefix(5).joined(separator: ", ")
      Terminal.warn(
        "\(unseen.count) of \(truth.count) documents have labels the model never saw (\(names)); "
          + "they count as errors. The model knows: \(pipeline.classes.joined(separator: ", "))")
    }
    let texts = documents.map(\.text)
    let classified = try pipeline.classify(texts)
    let report = try ClassificationReport(
      truth: truth, predicted: classified.labels, probabilities: classified.probabilities,
      classes: pipeline.classes)
    if global.json {
      try Console.current.print(
        String(decoding: try JSONFormat.data(report, pretty: false), as: UTF8.self))
      return
    }
    try Console.current.print(report.table)
    if let logLoss = report.logLoss {
      try Console.current.print(String(format: "log-loss    %.4f", logLoss))
    }
    try Console.current.print(
      "\nconfusion (rows: truth, columns: predicted; order \(report.labels.joined(separator: ", "))):"
    )
    for row in report.confusion {
      try Console.current.print(row.map { String(format: "%6d", $0) }.joined())
    }
  }
}
