import Foundation
import SparseText

/// The experiment's table, report.json, report.md and learning_curve.svg.
package struct ExperimentReport {
  package let results: [Experiment.Result]
  package let configuration: Experiment.Configuration
  package let data: ReportData
  /// What the results are: `"folds"` of a cross-validation or `"repeats"` (seeded resplits).
  package let runs: String

  /// A report of `results`.
  package init(
    results: [Experiment.Result], configuration: Experiment.Configuration, data: ReportData,
    runs: String = "folds"
  ) {
    self.results = results
    self.configuration = configuration
    self.data = data
    self.runs = runs
  }

  /// One pipeline's numbers over the runs (folds or repeats).
  package struct Summary: Sendable, Equatable {
    package var name: String
    /// Mean test accuracy.
    package var accuracy: Double
    /// Sample standard deviation of the test accuracy (0 for one run).
    package var accuracyStd: Double
    /// Mean test macro-F1.
    package var macroF1: Double
    /// The first run's C.
    package var c: Double
    /// Mean fit seconds.
    package var seconds: Double
    /// The first run's feature count.
    package var features: Int
    /// Mean of the per-run accuracy differences against `tfidf_lr` (paired).
    package var difference: Double
    /// Sample standard deviation of those per-run differences.
    package var differenceStd: Double
    /// What the classifier read in each run (for `best`, its choice), with the codes weight.
    package var inputs: [String]
  }

  /// Mean and sample standard deviation.
  static func meanAndStd(_ values: [Double]) -> (Double, Double) {
    let n = Double(values.count)
    guard n > 0 else { return (.nan, .nan) }
    let mean = values.reduce(0, +) / n
    guard n > 1 else { return (mean, 0) }
    let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1)
    return (mean, variance.squareRoot())
  }

  /// Each pipeline's numbers over the runs, with the paired comparison against `tfidf_lr`.
  package var summaries: [Summary] {
    guard let first = results.first else { return [] }
    let baseline = results.map { run in
      run.pipelines.first { $0.name == .tfidf }?.accuracy ?? .nan
    }
    return first.pipelines.indices.map { i in
      let all = results.map { $0.pipelines[i] }
      let (accuracy, accuracyStd) = Self.meanAndStd(all.map(\.accuracy))
      let (difference, differenceStd) = Self.meanAndStd(
        zip(all, baseline).map { $0.accuracy - $1 })
      return Summary(
        name: all[0].name.rawValue, accuracy: accuracy, accuracyStd: accuracyStd,
        macroF1: Self.meanAndStd(all.map(\.macroF1)).0, c: all[0].c,
        seconds: Self.meanAndStd(all.map(\.fitSeconds)).0, features: all[0].features,
        difference: difference, differenceStd: differenceStd,
        inputs: all.map { p in
          p.input.rawValue + (p.codesWeight.map { " w=\($0.formatted())" } ?? "")
            + " C=\(p.c.formatted())"
        })
    }
  }

  /// Mean over runs of each pipeline's numbers.
  var pipelines:
    [(name: String, accuracy: Double, macroF1: Double, c: Double, seconds: Double, features: Int)]
  {
    summaries.map { ($0.name, $0.accuracy, $0.macroF1, $0.c, $0.seconds, $0.features) }
  }

  /// The learning curve's accuracy for `pipeline` at `fraction`, averaged over the runs.
  func curveAccuracy(_ pipeline: String, _ fraction: Double) -> Double {
    let points = results.flatMap(\.learningCurve).filter {
      $0.pipeline.rawValue == pipeline && $0.fraction == fraction
    }
    return points.isEmpty ? .nan : points.map(\.accuracy).reduce(0, +) / Double(points.count)
  }

  package var table: String {
    let several = results.count > 1
    var lines = [
      "pipeline      accuracy   macro-F1          C   features   fit s"
        + (several ? "    ± std  Δ tfidf_lr ± std" : "") + "  input",
      "------------  --------  ---------  ---------  ---------  ------"
        + (several ? "  -------  ----------------" : "") + "  -----",
    ]
    for p in summaries {
      var line =
        p.name.padding(toLength: 12, withPad: " ", startingAt: 0)
        + String(
          format: "  %7.2f%%  %8.2f%%  %9g  %9d  %6.2f", p.accuracy * 100, p.macroF1 * 100, p.c,
          p.features, p.seconds)
      if several {
        line += String(
          format: "  %7.2f  %+7.2f ± %6.2f", p.accuracyStd * 100, p.difference * 100,
          p.differenceStd * 100)
      }
      line += "  " + (several ? Self.tally(p.inputs) : p.inputs.first ?? "")
      lines.append(line)
    }
    if several {
      lines.append(
        "(mean of \(results.count) \(runs); ± the standard deviation over them; Δ is paired: the mean and standard deviation of each run's difference from tfidf_lr, in points)"
      )
    }
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
          line += String(format: "%9.2f%% ", curveAccuracy(name, f) * 100)
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
      learningCurve: results.flatMap(\.learningCurve), config: configuration, data: data,
      libraryVersion: SparseTextVersion.library,
      folds: runs == "folds" ? results.count : nil,
      repeats: runs == "repeats" ? results.count : nil,
      summary: summaries.map(File.Row.init),
      autoencoderMetrics: results.first?.autoencoderMetrics,
      autoencoderMetricsTest: results.first?.autoencoderMetricsTest,
      unlabeledDocuments: results.first.map(\.unlabeledDocuments).flatMap { $0 > 0 ? $0 : nil })
    try AtomicFile.write(
      try JSONFormat.data(file), to: directory.appendingPathComponent("report.json"), in: commit)
    var markdown =
      "# SparseText experiment\n\nData: \(data.source), \(data.documents) documents.\n\n"
    markdown +=
      "| pipeline | accuracy | ± std | Δ tfidf_lr (paired) | macro-F1 | C | features | fit seconds | input |\n|---|---:|---:|---:|---:|---:|---:|---:|---|\n"
    for p in summaries {
      markdown += String(
        format: "| %@ | %.2f | %.2f | %+.2f ± %.2f | %.2f | %g | %d | %.2f | %@ |\n", p.name,
        p.accuracy * 100, p.accuracyStd * 100, p.difference * 100, p.differenceStd * 100,
        p.macroF1 * 100, p.c, p.features, p.seconds, Self.tally(p.inputs))
    }
    if results.count > 1 {
      markdown += "\nMean of \(results.count) \(runs); ± is the standard deviation over them.\n"
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

  /// Distinct entries with their counts, most frequent first (`nbsvm C=1 ×3, tfidf C=10 ×1`).
  static func tally(_ entries: [String]) -> String {
    var counts: [String: Int] = [:]
    for entry in entries { counts[entry, default: 0] += 1 }
    if counts.count == 1, let only = counts.first {
      return entries.count == 1 ? only.key : "\(only.key) ×\(only.value)"
    }
    return counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map {
      "\($0.key) ×\($0.value)"
    }
    .joined(separator: ", ")
  }

  /// report.json.
  struct File: Encodable {
    let pipelines: [Experiment.PipelineResult]
    let learningCurve: [Experiment.CurvePoint]
    let config: Experiment.Configuration
    let data: ReportData
    let libraryVersion: String
    let folds: Int?
    let repeats: Int?
    let summary: [Row]
    let autoencoderMetrics: SparseCodingMetrics?
    let autoencoderMetricsTest: SparseCodingMetrics?
    let unlabeledDocuments: Int?

    enum CodingKeys: String, CodingKey {
      case pipelines, config, data, folds, repeats, summary
      case learningCurve = "learning_curve"
      case libraryVersion = "library_version"
      case autoencoderMetrics = "autoencoder_metrics"
      case autoencoderMetricsTest = "autoencoder_metrics_test"
      case unlabeledDocuments = "unlabeled_documents"
    }

    /// One pipeline over the runs: mean and spread, and the paired difference from tfidf_lr.
    struct Row: Encodable {
      let name: String
      let accuracyMean: Double
      let accuracyStd: Double
      let macroF1Mean: Double
      let differenceMean: Double
      let differenceStd: Double
      let inputs: [String]

      init(_ summary: Summary) {
        name = summary.name
        accuracyMean = summary.accuracy
        accuracyStd = summary.accuracyStd
        macroF1Mean = summary.macroF1
        differenceMean = summary.difference
        differenceStd = summary.differenceStd
        inputs = summary.inputs
      }

      enum CodingKeys: String, CodingKey {
        case name, inputs
        case accuracyMean = "accuracy_mean"
        case accuracyStd = "accuracy_std"
        case macroF1Mean = "macro_f1_mean"
        case differenceMean = "difference_vs_tfidf_lr_mean"
        case differenceStd = "difference_vs_tfidf_lr_std"
      }
    }
  }

  /// Accuracy against label fraction (log scale), one line per pipeline.
  var svg: String {
    let curve = (results.first?.learningCurve ?? []).map { point in
      var mean = point
      mean.accuracy = curveAccuracy(point.pipeline.rawValue, point.fraction)
      return mean
    }
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
    let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
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
