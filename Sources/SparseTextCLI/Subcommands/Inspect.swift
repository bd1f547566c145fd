import ArgumentParser
import Foundation
import SparseText

struct Inspect: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Show what each latent unit learned: its top terms and how often it fires.",
    discussion: """
      Examples:
        sparsetext inspect model/ --units 20
        sparsetext inspect sae/ --vocabulary vocab.json --top 10
      Units are listed most frequently firing first, with the share of training documents each \
      fires on: fit stores it in the bundle, train-sae in training.json.
      """)

  @Argument(help: "An autoencoder directory or a model bundle.")
  var model: String

  @Option(help: "The vocabulary (vectorize --vocabulary-out) for an autoencoder directory.")
  var vocabulary: String?

  @Option(help: "Terms per unit.")
  var top = 10

  @Option(help: "Show only this many units (most frequently firing first).")
  var units: Int?

  @OptionGroup var global: GlobalOptions

  func validate() throws {
    guard top >= 1 else { throw ValidationError("--top is \(top), but it must be at least 1") }
    if let units, units < 1 {
      throw ValidationError("--units is \(units), but it must be at least 1")
    }
  }

  func run() throws {
    let url = URL(fileURLWithPath: model)
    let sae: SparseAutoencoder
    let terms: [String]
    var stored: [Double]?
    if try ModelDirectory.kind(of: url) == .autoencoder {
      sae = try ModelDirectory.autoencoder(at: url)
      guard let vocabulary else {
        throw CommandError.usage(
          "pass --vocabulary vocab.json (written by vectorize --vocabulary-out)")
      }
      terms = try Vocabulary(contentsOf: URL(fileURLWithPath: vocabulary)).terms
      guard terms.count == sae.inputColumns else {
        throw DataError.shapeMismatch(
          what:
            "terms in \(URL(fileURLWithPath: vocabulary).lastPathComponent) (the model's inputs)",
          expected: sae.inputColumns, actual: terms.count)
      }
    } else {
      let pipeline = try TextFeaturePipeline(contentsOf: url)
      guard let autoencoder = pipeline.autoencoder else {
        throw CommandError.usage("this model has no autoencoder to inspect")
      }
      sae = autoencoder
      terms = pipeline.vectorizer.vocabulary.terms
      stored = pipeline.firingRates
    }
    var firing = [Double](repeating: .nan, count: sae.configuration.hiddenUnits)
    if stored == nil,
      let report = try? SparseAutoencoder.TrainingReport(
        contentsOf: url.appendingPathComponent("training.json"))
    {
      stored = report.firingRates
    }
    if let stored, stored.count == firing.count {
      firing = stored
    } else {
      Terminal.warn(
        "'\(model)' stores no firing rates (a bundle written before fit stored them, or an autoencoder directory without training.json), so units are listed in index order; fit or train it again to order them by how often they fire"
      )
    }
    var order = Array(0..<sae.configuration.hiddenUnits)
    if !firing.contains(where: \.isNaN) {
      order.sort { firing[$0] != firing[$1] ? firing[$0] > firing[$1] : $0 < $1 }
    }
    if let units { order = Array(order.prefix(units)) }
    var rows: [[String: Any]] = []
    for unit in order {
      let top = try sae.topTerms(latent: unit, count: self.top)
      rows.append([
        "unit": unit, "firing_rate": firing[unit].isNaN ? NSNull() : firing[unit],
        "terms": top.map { terms[$0.column] }, "weights": top.map { Double($0.weight) },
      ])
      if !global.json {
        let rate = firing[unit].isNaN ? "" : String(format: " fires on %5.1f%%", firing[unit] * 100)
        try Console.current.print(
          String(format: "unit %3d%@: ", unit, rate)
            + top.map { terms[$0.column] }.joined(separator: " "))
      }
    }
    if global.json {
      let data = try JSONFormat.data(object: rows)
      try Console.current.print(String(decoding: data, as: UTF8.self))
    }
  }
}
