import Foundation
import SparseText

/// `experiment --grid`: the ranked table, grid.json and grid.md.
package struct GridReport {
  package let rows: [Experiment.GridRow]
  package let grid: AutoencoderGrid
  package let data: ReportData

  /// A report of `rows`.
  package init(rows: [Experiment.GridRow], grid: AutoencoderGrid, data: ReportData) {
    self.rows = rows
    self.grid = grid
    self.data = data
  }

  var keys: [String] { grid.axes.map(\.parameter.rawValue) }

  /// The value of setting `key` in `row`, as the table prints it.
  func setting(_ key: String, of row: Experiment.GridRow) -> String {
    guard let value = row.settings[key] else { return "-" }
    return AutoencoderGrid.Parameter(rawValue: key)?.text(value) ?? String(format: "%g", value)
  }

  /// A mean of counts over folds: a whole number without a fraction.
  static func count(_ value: Double) -> String {
    value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
  }

  /// Whether a row's codes reconstruct the held-out text worse than the training means do.
  static func losesTheInput(_ row: Experiment.GridRow) -> Bool {
    row.fractionOfVarianceUnexplained > 1
  }

  package var table: String {
    let settingWidth = max(8, keys.map(\.count).max() ?? 8)
    var header = "rank  "
    for key in keys {
      header += key.padding(toLength: settingWidth, withPad: " ", startingAt: 0) + "  "
    }
    header += "accuracy          C     FVU      L0   dead   fit s"
    var lines = [header, String(repeating: "-", count: header.count)]
    for row in rows {
      var line = String(format: "%4d  ", row.rank)
      for key in keys {
        line +=
          setting(key, of: row).padding(toLength: settingWidth, withPad: " ", startingAt: 0)
          + "  "
      }
      let dead = Self.count(row.deadUnits)
      line += String(
        format: "%7.2f%%  %9g  %6.3f", row.accuracy * 100, row.c,
        row.fractionOfVarianceUnexplained)
      line +=
        (Self.losesTheInput(row) ? "!" : " ")
        + String(format: " %6.1f  ", row.activeUnitsPerDocument)
        + String(repeating: " ", count: max(0, 5 - dead.count)) + dead
        + String(format: "  %6.1f", row.fitSeconds)
      lines.append(line)
    }
    let folds = rows.first.map { "\($0.folds)" } ?? "the"
    lines.append(
      "(accuracy: mean held-out accuracy of LR on the codes over \(folds) folds of the training part, at the best C; FVU, L0 (active units per document) and dead units on the held-out folds; fit s: seconds to fit the autoencoder on one fold)"
    )
    if rows.contains(where: Self.losesTheInput) {
      lines.append(
        "! FVU above 1: these codes reconstruct held-out text worse than the training mean of each term does, so they have lost the input; such a setting needs more epochs, another learning rate or input scale, or a weaker sparsity penalty."
      )
    }
    return lines.joined(separator: "\n")
  }

  package func write(to directory: URL, in commit: OutputCommit? = nil) throws {
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let file = File(
      rows: rows, grid: grid, data: data, libraryVersion: SparseTextVersion.library)
    try AtomicFile.write(
      try JSONFormat.data(file), to: directory.appendingPathComponent("grid.json"), in: commit)
    var markdown = "# SparseText grid search\n\nData: \(data.source).\n\n| rank | "
    markdown += keys.joined(separator: " | ")
    markdown += " | accuracy | C | FVU | L0 | dead | fit seconds |\n|---:|"
    markdown += String(repeating: "---:|", count: keys.count + 6) + "\n"
    for row in rows {
      markdown += "| \(row.rank) | "
      markdown += keys.map { key in row.settings[key].map { String(format: "%g", $0) } ?? "-" }
        .joined(separator: " | ")
      markdown += String(
        format: " | %.2f | %g | %.3f | %.1f | %.1f | %.1f |\n", row.accuracy * 100, row.c,
        row.fractionOfVarianceUnexplained, row.activeUnitsPerDocument, row.deadUnits,
        row.fitSeconds)
    }
    try AtomicFile.write(
      Data(markdown.utf8), to: directory.appendingPathComponent("grid.md"), in: commit)
  }

  /// grid.json.
  struct File: Encodable {
    let rows: [Experiment.GridRow]
    let grid: AutoencoderGrid
    let data: ReportData
    let libraryVersion: String

    enum CodingKeys: String, CodingKey {
      case rows, grid, data
      case libraryVersion = "library_version"
    }
  }
}
