import ArgumentParser
import Foundation
import SparseText

struct Predict: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Predict labels (and probabilities) for a corpus with a fitted model.",
    discussion: """
      Examples:
        sparsetext predict model/ new.txt -o predictions.tsv
        sparsetext predict model/ new.txt --probabilities --output-format jsonl
      """)

  @Argument(help: "The model bundle.")
  var model: String

  @OptionGroup var input: InputOptions

  @Option(name: .shortAndLong, help: "Write here instead of standard output.")
  var output: String?

  @Flag(help: "Include each class's probability.")
  var probabilities = false

  @Option(name: .customLong("output-format"), help: "tsv or jsonl.")
  var outputFormat: PredictionFormat = .tsv

  @OptionGroup var global: GlobalOptions

  func run() throws {
    let outputs = try OutputPlan(files: [output], inputs: [input.input], models: [model])
    defer { outputs.release() }
    let pipeline = try TextFeaturePipeline(contentsOf: URL(fileURLWithPath: model))
    let documents = try input.documents()
    let texts = documents.map(\.text)
    let predicted: [String]
    var p: DenseMatrix?
    if probabilities {
      let classified = try pipeline.classify(texts)
      (predicted, p) = (classified.labels, classified.probabilities)
    } else {
      predicted = try pipeline.predict(texts)
    }
    var text = ""
    if outputFormat == .tsv {
      text = "id\tlabel" + (p != nil ? pipeline.classes.map { "\t" + $0 }.joined() : "") + "\n"
    }
    for (r, document) in documents.enumerated() {
      if outputFormat == .tsv {
        text += "\(document.id)\t\(predicted[r])"
        if let p { for j in 0..<p.columns { text += "\t\(p[r, j])" } }
        text += "\n"
      } else {
        var object: [String: Any] = ["id": document.id, "label": predicted[r]]
        if let p {
          object["probabilities"] = Dictionary(
            uniqueKeysWithValues: pipeline.classes.enumerated().map { ($1, Double(p[r, $0])) })
        }
        let data = try JSONFormat.data(object: object)
        text += String(decoding: data, as: UTF8.self) + "\n"
      }
    }
    if let output {
      try AtomicFile.write(Data(text.utf8), to: URL(fileURLWithPath: output))
    } else {
      try Console.current.write(Data(text.utf8))
    }
  }
}
