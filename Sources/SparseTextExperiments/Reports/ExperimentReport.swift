import Foundation
import SparseText

/// The experiment's table, report.json, report.md and learning_curve.svg.
package struct ExperimentReport {
  package let results: [Experiment.Result]
  package let configuration: Experiment.Configuration
  package let data: ReportData

  /// A report of `results`.
  package init(
    results: [Experiment.Result], configuration: Experiment.Configuration, data: ReportData
  ) {
    self.results = results
    self.configuration = configuration
    self.data = data
  }

  /// Mean over folds of each pipeline's numbers.
  var pipelines:
    [(name: String, accuracy: Double, macroF1: Double, c: Double, seconds: Double, features: Int)]
  {
    guard let first = results.first else { return [] }
    return first.pipelines.indices.map { i in
      let all = results.map { $0.pipelines[i] }
      let n = Double(all.count)
      return (
        all[0].name.rawValue, all.map(\.accuracy).reduce(0, +) / n,
        all.map(\.macroF1).reduce(0, +) / n,
        all[0].c, all.map(\.fitSeconds).reduce(0, +) / n, all[0].features
      )
    }
  }

  package var table: String {
    var lines = [
      "pipeline      accuracy   macro-F1          C   features   fit s",
      "------------  --------  ---------  ---------  ---------  ------",
    ]
    for p in pipelines {
      lines.append(
        p.name.padding(toLength: 12, withPad: " ", startingAt: 0)
          + String(
            format: "  %7.2f%%  %8.2f%%  %9g  %9d  %6.2f", p.accuracy * 100, p.macroF1 * 100, p.c,
            p.features, p.seconds))
    }
    if results.count > 1 { lines.append("(mean of \(results.count) folds)") }
    if let metrics = results.first?.autoencoderMetrics {
      var line = String(
        format:
          "autoencoder: mean activation %.4f, %d/%d dead units, %.1f active per document, FVU %.3f (training text)",
        metrics.meanActivation, metrics.deadUnits, metrics.hiddenUnits,
        metrics.activeUnitsPerDocument, metrics.fractionOfVarianceUnexplained)
      if let test = results.first?.autoencoderMetricsTest {
        line += String(
          format: ", %.3f (test; %.1f active per document)", test.fractionOfVarianceUnexplained,
          test.activeUnitsPerDocument)
      }
      lines.append(line)
    }
    let curve = results.first?.learningCurve ?? []
    if !curve.isEmpty {
      lines.append("")
      lines.append("learning curve (test accuracy by fraction of training labels):")
      let fractions = Array(Set(curve.map(\.fraction))).sorted()
      let names = pipelines.map(\.name)
      lines.append(
        "fraction  labelled  "
          + names.map { $0.padding(toLength: 10, withPad: " ", startingAt: 0) }.joined(
            separator: " "))
      for f in fractions {
        let points = curve.filter { $0.fraction == f }
        var line = String(format: "%8g  %8d  ", f, points.first?.labelled ?? 0)
        for name in names {
          let a = points.first { $0.pipeline.rawValue == name }?.accuracy ?? .nan
          line += String(format: "%9.2f%% ", a * 100)
        }
        lines.append(line)
      }
    }
    return lines.joined(separator: "\n")
  }

  package func write(to directory: URL, in commit: OutputCommit? = nil) throws {
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let file = File(
      pipelines: results.count == 1 ? results[0].pipelines : results.flatMap(\.pipelines),
      learningCurve: results.first?.learningCurve ?? [], config: configuration, data: data,
      libraryVersion: SparseTextVersion.library, folds: results.count,
      autoencoderMetrics: results.first?.autoencoderMetrics,
      autoencoderMetricsTest: results.first?.autoencoderMetricsTest,
      unlabeledDocuments: results.first.map(\.unlabeledDocuments).flatMap { $0 > 0 ? $0 : nil })
    try AtomicFile.write(
      try JSONFormat.data(file), to: directory.appendingPathComponent("report.json"), in: commit)
    var markdown =
      "# SparseText experiment\n\nData: \(data.source), \(data.documents) documents.\n\n"
    markdown +=
      "| pipeline | accuracy | macro-F1 | C | features | fit seconds |\n|---|---:|---:|---:|---:|---:|\n"
    for p in pipelines {
      markdown += String(
        format: "| %@ | %.2f | %.2f | %g | %d | %.2f |\n", p.name, p.accuracy * 100,
        p.macroF1 * 100, p.c, p.features, p.seconds)
    }
    markdown += "\n```\n\(table)\n```\n"
    if !(results.first?.learningCurve.isEmpty ?? true) {
      markdown += "\n![learning curve](learning_curve.svg)\n"
      try AtomicFile.write(
        Data(svg.utf8), to: directory.appendingPathComponent("learning_curve.svg"), in: commit)
    }
    try AtomicFile.write(
      Data(markdown.utf8), to: directory.appendingPathComponent("report.md"), in: commit)
  }

  /// report.json.
  struct File: Encodable {
    let pipelines: [Experiment.PipelineResult]
    let learningCurve: [Experiment.CurvePoint]
    let config: Experiment.Configuration
    let data: ReportData
    let libraryVersion: String
    let folds: Int
    let autoencoderMetrics: SparseCodingMetrics?
    let autoencoderMetricsTest: SparseCodingMetrics?
    let unlabeledDocuments: Int?

    enum CodingKeys: String, CodingKey {
      case pipelines, config, data, folds
      case learningCurve = "learning_curve"
      case libraryVersion = "library_version"
      case autoencoderMetrics = "autoencoder_metrics"
      case autoencoderMetricsTest = "autoencoder_metrics_test"
      case unlabeledDocuments = "unlabeled_documents"
    }
  }

  /// Accuracy against label fraction (log scale), one line per pipeline.
  var svg: String {
    let curve = results.first?.learningCurve ?? []
    let width = 640.0
    let height = 400.0
    let left = 70.0
    let right = 160.0
    let top = 30.0
    let bottom = 60.0
    let fractions = Array(Set(curve.map(\.fraction))).sorted()
    let low = log10(fractions.first ?? 0.01)
    let high = log10(fractions.last ?? 1)
    let accuracies = curve.map(\.accuracy)
    let minA = max(0, ((accuracies.min() ?? 0) * 10).rounded(.down) / 10)
    let maxA = min(1, ((accuracies.max() ?? 1) * 10).rounded(.up) / 10)
    func x(_ f: Double) -> Double {
      left + (high > low ? (log10(f) - low) / (high - low) : 0.5) * (width - left - right)
    }
    func y(_ a: Double) -> Double {
      top + (1 - (maxA > minA ? (a - minA) / (maxA - minA) : 0.5)) * (height - top - bottom)
    }
    let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]
    var out = """
      <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="12">
      <rect width="100%" height="100%" fill="white"/>
      <text x="\(Int(width - right) / 2 + 35)" y="18" text-anchor="middle" font-size="14">Test accuracy by fraction of training labels</text>
      <line x1="\(left)" y1="\(height - bottom)" x2="\(width - right)" y2="\(height - bottom)" stroke="black"/>
      <line x1="\(left)" y1="\(top)" x2="\(left)" y2="\(height - bottom)" stroke="black"/>
      <text x="\((left + width - right) / 2)" y="\(height - 15)" text-anchor="middle">fraction of training labels (log scale)</text>
      <text x="18" y="\((top + height - bottom) / 2)" text-anchor="middle" transform="rotate(-90 18 \((top + height - bottom) / 2))">test accuracy (%)</text>

      """
    for f in fractions {
      out +=
        "<line x1=\"\(x(f))\" y1=\"\(height - bottom)\" x2=\"\(x(f))\" y2=\"\(height - bottom + 5)\" stroke=\"black\"/>"
      out +=
        "<text x=\"\(x(f))\" y=\"\(height - bottom + 18)\" text-anchor=\"middle\">\(f)</text>\n"
    }
    var tick = minA
    while tick <= maxA + 1e-9 {
      out +=
        "<line x1=\"\(left - 5)\" y1=\"\(y(tick))\" x2=\"\(width - right)\" y2=\"\(y(tick))\" stroke=\"#ddd\"/>"
      out +=
        "<text x=\"\(left - 8)\" y=\"\(y(tick) + 4)\" text-anchor=\"end\">\(Int((tick * 100).rounded()))</text>\n"
      tick += (maxA - minA) / 5 > 0 ? (maxA - minA) / 5 : 1
    }
    for (i, name) in pipelines.map(\.name).enumerated() {
      let points = curve.filter { $0.pipeline.rawValue == name }.sorted {
        $0.fraction < $1.fraction
      }
      let color = colors[i % colors.count]
      let path = points.map { "\(x($0.fraction)),\(y($0.accuracy))" }.joined(separator: " ")
      out += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(path)\"/>\n"
      for p in points {
        out +=
          "<circle cx=\"\(x(p.fraction))\" cy=\"\(y(p.accuracy))\" r=\"3\" fill=\"\(color)\"/>\n"
      }
      let ly = top + 20 + Double(i) * 20
      out +=
        "<line x1=\"\(width - right + 15)\" y1=\"\(ly)\" x2=\"\(width - right + 40)\" y2=\"\(ly)\" stroke=\"\(color)\" stroke-width=\"2\"/>"
      out += "<text x=\"\(width - right + 45)\" y=\"\(ly + 4)\">\(name)</text>\n"
    }
    return out + "</svg>\n"
  }
}
