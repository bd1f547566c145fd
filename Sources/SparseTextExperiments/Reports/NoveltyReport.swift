import Foundation
import SparseText

/// `experiment --novelty`: the AUC table, report.json, report.md and roc.svg.
package struct NoveltyReport {
  package let results: [NoveltyExperiment.ClassResult]
  package let configuration: NoveltyExperiment.Configuration
  package let data: ReportData

  /// A report of `results`.
  package init(
    results: [NoveltyExperiment.ClassResult], configuration: NoveltyExperiment.Configuration,
    data: ReportData
  ) {
    self.results = results
    self.configuration = configuration
    self.data = data
  }

  var names: [String] { NoveltyExperiment.scoreNames }

  /// report.json.
  struct File: Encodable {
    let heldOut: [NoveltyExperiment.ClassResult]
    let meanAUC: [String: Double]
    let defaultScore: String
    let config: NoveltyExperiment.Configuration
    let data: ReportData
    let libraryVersion: String

    enum CodingKeys: String, CodingKey {
      case config, data
      case heldOut = "held_out"
      case meanAUC = "mean_auc"
      case defaultScore = "default_score"
      case libraryVersion = "library_version"
    }
  }

  /// The default score's name in the table.
  var defaultName: String { "sae_" + configuration.pipeline.anomalyScore.rawValue }

  func mean(_ name: String) -> Double {
    let values = results.compactMap { $0.auc[name] }
    return values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
  }

  package var table: String {
    let width = max(10, (results.map(\.heldOut.count).max() ?? 0) + 2)
    func pad(_ s: String) -> String { s.padding(toLength: width, withPad: " ", startingAt: 0) }
    var lines = [
      "ROC-AUC of picking out the held-out class (higher is better; default score: \(defaultName))",
      pad("held out") + names.map { String(format: " %@", $0) }.joined(),
    ]
    for result in results {
      var line = pad(result.heldOut)
      for name in names {
        line += String(format: " %*.3f", name.count, result.auc[name] ?? .nan)
      }
      lines.append(line)
    }
    var meanLine = pad("mean")
    for name in names { meanLine += String(format: " %*.3f", name.count, mean(name)) }
    lines.append(meanLine)
    return lines.joined(separator: "\n")
  }

  package func write(to directory: URL, in commit: OutputCommit? = nil) throws {
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let file = File(
      heldOut: results, meanAUC: Dictionary(uniqueKeysWithValues: names.map { ($0, mean($0)) }),
      defaultScore: defaultName, config: configuration, data: data,
      libraryVersion: SparseTextVersion.library)
    try AtomicFile.write(
      try JSONFormat.data(file), to: directory.appendingPathComponent("report.json"), in: commit)
    var markdown =
      "# SparseText novelty experiment\n\nData: \(data.source), \(data.documents) documents. "
      + "For each class, the pipeline is fitted on the other classes' training documents and every "
      + "test document is scored; the table gives the ROC-AUC of picking out the held-out class.\n\n"
    markdown += "| held out | " + names.joined(separator: " | ") + " |\n|---|"
    markdown += String(repeating: "---:|", count: names.count) + "\n"
    for result in results {
      markdown +=
        "| \(result.heldOut) | "
        + names.map { String(format: "%.3f", result.auc[$0] ?? .nan) }.joined(separator: " | ")
        + " |\n"
    }
    markdown +=
      "| **mean** | " + names.map { String(format: "**%.3f**", mean($0)) }.joined(separator: " | ")
      + " |\n"
    markdown += "\nDefault score: `\(defaultName)`.\n\n![ROC curves](roc.svg)\n"
    try AtomicFile.write(
      Data(svg.utf8), to: directory.appendingPathComponent("roc.svg"), in: commit)
    try AtomicFile.write(
      Data(markdown.utf8), to: directory.appendingPathComponent("report.md"), in: commit)
  }

  /// ROC curves averaged over the held-out classes (mean true-positive rate at each
  /// false-positive rate) for the default score and the two baselines.
  var svg: String {
    let shown = [defaultName, "svd_error", "nn_cosine_distance"]
    let colors = ["#d62728", "#1f77b4", "#2ca02c"]
    let size = 400.0
    let left = 60.0
    let top = 30.0
    let legend = 230.0
    let plot = size - left - 20
    func x(_ v: Double) -> Double { left + v * plot }
    func y(_ v: Double) -> Double { top + (1 - v) * plot }
    var out = """
      <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(size + legend))" height="\(Int(size + 30))" font-family="sans-serif" font-size="12">
      <rect width="100%" height="100%" fill="white"/>
      <text x="\(left + plot / 2)" y="18" text-anchor="middle" font-size="14">ROC, mean over held-out classes</text>
      <rect x="\(left)" y="\(top)" width="\(plot)" height="\(plot)" fill="none" stroke="black"/>
      <line x1="\(x(0))" y1="\(y(0))" x2="\(x(1))" y2="\(y(1))" stroke="#bbb" stroke-dasharray="4 4"/>
      <text x="\(left + plot / 2)" y="\(top + plot + 35)" text-anchor="middle">false-positive rate</text>
      <text x="18" y="\(top + plot / 2)" text-anchor="middle" transform="rotate(-90 18 \(top + plot / 2))">true-positive rate</text>

      """
    for tick in stride(from: 0.0, through: 1.0, by: 0.25) {
      out += "<text x=\"\(x(tick))\" y=\"\(top + plot + 16)\" text-anchor=\"middle\">\(tick)</text>"
      out += "<text x=\"\(left - 6)\" y=\"\(y(tick) + 4)\" text-anchor=\"end\">\(tick)</text>\n"
    }
    for (i, name) in shown.enumerated() {
      let curves = results.compactMap { $0.curves[name] }
      guard let first = curves.first else { continue }
      let points = first.indices.map { k -> String in
        let tpr = curves.map { $0[k][1] }.reduce(0, +) / Double(curves.count)
        return String(format: "%.2f,%.2f", x(first[k][0]), y(tpr))
      }
      out +=
        "<polyline fill=\"none\" stroke=\"\(colors[i])\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"/>\n"
      let ly = top + 20 + Double(i) * 20
      out +=
        "<line x1=\"\(size)\" y1=\"\(ly)\" x2=\"\(size + 25)\" y2=\"\(ly)\" stroke=\"\(colors[i])\" stroke-width=\"2\"/>"
      out +=
        "<text x=\"\(size + 30)\" y=\"\(ly + 4)\">\(name) (AUC \(String(format: "%.3f", mean(name))))</text>\n"
    }
    return out + "</svg>\n"
  }
}
