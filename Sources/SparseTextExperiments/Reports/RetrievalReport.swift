import Foundation
import SparseText

/// `experiment --retrieval`: the table, report.json and report.md.
package struct RetrievalReport {
  /// What report.json holds.
  struct Contents: Encodable {
    var result: RetrievalExperiment.Result
    var summary: [Summary]
    var configuration: RetrievalExperiment.Configuration
    var data: ReportData
    var libraryVersion: String

    enum CodingKeys: String, CodingKey {
      case result, summary, configuration, data
      case libraryVersion = "library_version"
    }
  }

  /// One representation's means and spreads.
  struct Summary: Encodable {
    var name: String
    var precisionAtK: Double
    var meanAveragePrecision: Double
    var nmiMean: Double
    var nmiStandardDeviation: Double
    var probeAccuracyMean: Double
    var probeAccuracyStandardDeviation: Double

    enum CodingKeys: String, CodingKey {
      case name
      case precisionAtK = "precision_at_k"
      case meanAveragePrecision = "mean_average_precision"
      case nmiMean = "nmi_mean"
      case nmiStandardDeviation = "nmi_std"
      case probeAccuracyMean = "probe_accuracy_mean"
      case probeAccuracyStandardDeviation = "probe_accuracy_std"
    }
  }

  package let result: RetrievalExperiment.Result
  package let configuration: RetrievalExperiment.Configuration
  package let data: ReportData

  /// A report of `result`.
  package init(
    result: RetrievalExperiment.Result, configuration: RetrievalExperiment.Configuration,
    data: ReportData
  ) {
    self.result = result
    self.configuration = configuration
    self.data = data
  }

  /// The mean and the (population) standard deviation of `values`, as MTEB reports its draws.
  static func meanAndSpread(_ values: [Double]) -> (mean: Double, spread: Double) {
    guard !values.isEmpty else { return (.nan, .nan) }
    let mean = values.reduce(0, +) / Double(values.count)
    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
    return (mean, variance.squareRoot())
  }

  var summaries: [Summary] {
    result.arms.map { arm in
      let nmi = Self.meanAndSpread(arm.nmi)
      let probe = Self.meanAndSpread(arm.probeAccuracy)
      return Summary(
        name: arm.name, precisionAtK: arm.precisionAtK,
        meanAveragePrecision: arm.meanAveragePrecision, nmiMean: nmi.mean,
        nmiStandardDeviation: nmi.spread, probeAccuracyMean: probe.mean,
        probeAccuracyStandardDeviation: probe.spread)
    }
  }

  var headers: [String] {
    [
      "representation", "dim", "P@\(result.neighbors)", "MAP",
      "k-means NMI (±sd, \(configuration.clusteringRuns) runs)",
      "\(configuration.probeExamplesPerClass)-shot probe acc. (±sd, \(configuration.probeDraws) draws)",
    ]
  }

  func cells(_ summary: Summary, dimension: Int) -> [String] {
    [
      summary.name, "\(dimension)", String(format: "%.1f", summary.precisionAtK * 100),
      String(format: "%.1f", summary.meanAveragePrecision * 100),
      String(format: "%.3f ± %.3f", summary.nmiMean, summary.nmiStandardDeviation),
      String(
        format: "%.1f ± %.1f", summary.probeAccuracyMean * 100,
        summary.probeAccuracyStandardDeviation * 100),
    ]
  }

  /// The plain-text table.
  package var table: String {
    let rows = zip(summaries, result.arms).map { cells($0, dimension: $1.dimension) }
    let widths = headers.indices.map { column in
      ([headers[column]] + rows.map { $0[column] }).map(\.count).max() ?? 0
    }
    func line(_ cells: [String]) -> String {
      cells.enumerated().map { column, text in
        column == 0
          ? text.padding(toLength: widths[column], withPad: " ", startingAt: 0)
          : String(repeating: " ", count: widths[column] - text.count) + text
      }.joined(separator: "  ")
    }
    return ([line(headers)] + rows.map(line) + [footnote]).joined(separator: "\n")
  }

  var footnote: String {
    "(\(result.testDocuments) test documents query \(result.trainDocuments) training documents by cosine; "
      + "P@\(result.neighbors) and MAP of same-label neighbours in %; k-means with k = \(result.classes) on the test part; "
      + "the probe is logistic regression, C = \(configuration.probeClassifier.inverseRegularization), on \(configuration.probeExamplesPerClass) training documents per class"
      + (labelTrained
        ? "; the codes were trained with the training part's labels, as fit trains them, so their probe is not few-shot)"
        : ")")
  }

  /// Whether the codes were trained with the training part's labels.
  var labelTrained: Bool { configuration.autoencoder?.learnsFromLabels ?? false }

  /// Writes report.json and report.md into `directory`.
  package func write(to directory: URL, in commit: OutputCommit? = nil) throws {
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let contents = Contents(
      result: result, summary: summaries, configuration: configuration, data: data,
      libraryVersion: SparseTextVersion.library)
    try AtomicFile.write(
      try JSONFormat.data(contents), to: directory.appendingPathComponent("report.json"), in: commit
    )
    var markdown =
      "# SparseText retrieval experiment\n\nData: \(data.source), \(data.documents) documents. "
      + "Each test document queries the training part; the vectorizer, SVD and autoencoder are "
      + "fitted on the training part only"
      + (labelTrained ? " (the autoencoder with its labels, as `fit` trains it)" : "") + ".\n\n"
    markdown += "| " + headers.joined(separator: " | ") + " |\n|---|"
    markdown += String(repeating: "---:|", count: headers.count - 1) + "\n"
    for (summary, arm) in zip(summaries, result.arms) {
      markdown += "| " + cells(summary, dimension: arm.dimension).joined(separator: " | ") + " |\n"
    }
    markdown += "\n" + footnote + "\n"
    try AtomicFile.write(
      Data(markdown.utf8), to: directory.appendingPathComponent("report.md"), in: commit)
  }
}
