import Foundation
import Testing

@testable import SparseText

/// scikit-learn's classification metrics and log-loss on small cases
/// (Tests/Golden/generate_metrics.py).
struct MetricsFixtures: Decodable {
  struct Case: Decodable {
    let name: String
    let truth: [String]
    let predicted: [String]
    let labels: [String]
    let accuracy: Double
    let precision: [Double]
    let recall: [Double]
    let f1: [Double]
    let support: [Int]
    let macroF1: Double
    let microF1: Double
    let weightedF1: Double
    let confusion: [[Int]]
    let classes: [String]?
    let probabilities: [[Double]]?
    let logLoss: Double?
  }

  let cases: [Case]
}

@Suite struct ClassificationMetricsGoldenTests {
  static let fixtures: MetricsFixtures = {
    // The fixture file is committed; failing to read it is a broken checkout.
    // swift-format-ignore: NeverUseForceTry
    try! GoldenFixtures.load(MetricsFixtures.self, "metrics/fixtures.json")
  }()

  static var caseNames: [String] { fixtures.cases.map(\.name) }

  @Test(arguments: caseNames)
  func matchesScikitLearn(_ name: String) throws {
    let fixture = try #require(Self.fixtures.cases.first { $0.name == name })
    let probabilities = try fixture.probabilities.map { rows in
      try DenseMatrix(rows: rows.map { $0.map(Float.init) }, columns: rows[0].count)
    }
    let report = try ClassificationReport(
      truth: fixture.truth, predicted: fixture.predicted, probabilities: probabilities,
      classes: fixture.classes)
    #expect(report.labels == fixture.labels)
    #expect(report.confusion == fixture.confusion)
    #expect(abs(report.accuracy - fixture.accuracy) < 1e-12)
    #expect(abs(report.macroF1 - fixture.macroF1) < 1e-12, "macro F1")
    #expect(abs(report.microF1 - fixture.microF1) < 1e-12, "micro F1")
    #expect(abs(report.weightedF1 - fixture.weightedF1) < 1e-12, "weighted F1")
    #expect(report.perClass.map(\.label) == fixture.labels)
    for (i, scores) in report.perClass.enumerated() {
      #expect(abs(scores.precision - fixture.precision[i]) < 1e-12, "precision of \(scores.label)")
      #expect(abs(scores.recall - fixture.recall[i]) < 1e-12, "recall of \(scores.label)")
      #expect(abs(scores.f1 - fixture.f1[i]) < 1e-12, "F1 of \(scores.label)")
      #expect(scores.support == fixture.support[i], "support of \(scores.label)")
    }
    if let expected = fixture.logLoss {
      let ours = try #require(report.logLoss)
      #expect(abs(ours - expected) <= 1e-5 * max(1, expected), "log-loss \(ours), \(expected)")
    } else {
      #expect(report.logLoss == nil)
    }
  }
}
