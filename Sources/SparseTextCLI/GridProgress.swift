import Foundation
import SparseText
import SparseTextExperiments

/// `experiment --grid` as it goes, on standard error: each setting as it starts, each fold as it
/// ends with the time left (from the mean time per fold so far), each setting's result, and a
/// warning for a setting whose codes lose the input (FVU above 1). Events arrive on the thread
/// that runs the search.
final class GridProgress: @unchecked Sendable {
  private let combinations:
    [(settings: [String: Double], configuration: SparseAutoencoder.Configuration)]
  private let grid: AutoencoderGrid
  private let quiet: Bool
  /// When the first setting started (after the folds were vectorized, which the time left
  /// does not count).
  private var start: Date?
  private let lock = NSLock()
  /// The console of the run (events may come from other threads).
  let console = Console.current

  init(
    combinations: [(settings: [String: Double], configuration: SparseAutoencoder.Configuration)],
    grid: AutoencoderGrid, quiet: Bool
  ) {
    self.combinations = combinations
    self.grid = grid
    self.quiet = quiet
  }

  /// Setting `index` (from 1) started.
  func started(_ index: Int) {
    lock.withLock {
      if start == nil { start = Date() }
    }
    let settings = grid.describe(combinations[index - 1].settings)
    Terminal.note(
      "grid \(index)/\(combinations.count): \(settings)", quiet: quiet, console: console)
  }

  /// Fold `fold` of `folds` of setting `combination` ended; `row` after its last fold.
  func finished(combination: Int, fold: Int, folds: Int, row: Experiment.GridRow?) {
    lock.lock()
    defer { lock.unlock() }
    let done = (combination - 1) * folds + fold
    let total = combinations.count * folds
    let elapsed = Date().timeIntervalSince(start ?? Date())
    let left =
      done < total
      ? "; about \(ProgressBar.duration(elapsed / Double(done) * Double(total - done))) left" : ""
    guard let row else {
      Terminal.note(
        "  fold \(fold)/\(folds) done, \(ProgressBar.duration(elapsed)) so far\(left)",
        quiet: quiet, console: console)
      return
    }
    Terminal.note(
      String(
        format:
          "  fold %d/%d done: accuracy %.2f%% (C = %g), FVU %.3f, %.1f active units; the autoencoder took %.1f s per fold",
        fold, folds, row.accuracy * 100, row.c, row.fractionOfVarianceUnexplained,
        row.activeUnitsPerDocument, row.fitSeconds) + left,
      quiet: quiet, console: console)
    if row.fractionOfVarianceUnexplained > 1 {
      console.writeError(
        String(
          format:
            "warning: %@: FVU %.3f is above 1, so these codes reconstruct held-out text worse than each term's training mean does; give this setting more epochs, another learning rate or input scale, or a weaker sparsity penalty\n",
          grid.describe(row.settings), row.fractionOfVarianceUnexplained))
    }
  }

  /// Options of `experiment` that `fit` does not take, with a value.
  static let experimentOptions: Set<String> = [
    "--train", "--test", "--corpus", "--split", "--test-fraction", "--cv", "--folds", "--grid",
    "--label-fractions", "--report", "--repeats",
  ]
  /// Flags of `experiment` that `fit` does not take (or that a grid cannot have been run with).
  static let experimentFlags: Set<String> = ["--novelty", "--retrieval", "--no-autoencoder"]

  /// Every spelling of the option each grid key sets.
  static func spellings(of parameter: AutoencoderGrid.Parameter) -> [String] {
    let aliases: [AutoencoderGrid.Parameter: String] = [
      .hiddenUnits: "--hidden-units", .sparsityTarget: "--sparsity-target",
      .sparsityWeight: "--sparsity-weight", .l1Weight: "--l1-weight",
    ]
    let key = GridAxisArgument.keys.first { $0.parameter == parameter }?.key ?? parameter.rawValue
    return ["--" + key] + (aliases[parameter].map { [$0] } ?? [])
  }

  /// The `sparsetext fit` command line that fits a model with the grid's `winner` settings:
  /// the experiment's `arguments` without what only `experiment` takes (the test part, the
  /// split, the grid, the report) and without the options the winner sets, the training text
  /// (INPUT, `--train`, or the fetched `corpus` with its reading options) as INPUT, `-o model/`,
  /// and the winner's settings as options.
  static func fitCommand(
    arguments: [String], winner: [String: Double], grid: AutoencoderGrid, corpus: String?
  ) -> String {
    let replaced = Set(grid.axes.flatMap { spellings(of: $0.parameter) })
    var input: [String] = []
    var kept: [String] = []
    var index = arguments.first == "experiment" ? 1 : 0
    while index < arguments.count {
      let word = arguments[index]
      index += 1
      if word == "--" {
        kept += arguments[index...]
        break
      }
      let name = word.hasPrefix("--") ? String(word.prefix { $0 != "=" }) : word
      let inline = name != word
      if name == "--train" {
        input = [inline ? String(word.dropFirst(name.count + 1)) : arguments[safe: index] ?? ""]
      }
      if experimentOptions.contains(name) || replaced.contains(name) {
        if !inline { index += 1 }
        continue
      }
      if experimentFlags.contains(name) { continue }
      kept.append(word)
    }
    if let corpus, let entry = try? CorpusCatalog.entry(named: corpus) {
      input = [CorpusCatalog.location(of: entry).path, "--format", entry.format.rawValue]
      input += ["--encoding", entry.encoding.rawValue]
      if let text = entry.textColumn { input += ["--text-column", text] }
      if let label = entry.labelColumn { input += ["--label-column", label] }
    }
    var settings: [String] = []
    for axis in grid.axes {
      guard let value = winner[axis.parameter.rawValue] else { continue }
      var text = axis.parameter.text(value)
      if value == 0 && axis.parameter == .topK { text = "off" }
      if value == 0 && axis.parameter == .inputScale { text = "auto" }
      settings += [spellings(of: axis.parameter)[0], text]
    }
    let words = ["sparsetext", "fit"] + input + kept + ["-o", "model/"] + settings
    return words.map(shellQuoted).joined(separator: " ")
  }

  /// `word` as a POSIX shell reads it back: as it is when it holds only safe characters, else in
  /// single quotes.
  static func shellQuoted(_ word: String) -> String {
    let safe = CharacterSet(
      charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=,:+@%")
    if !word.isEmpty && word.unicodeScalars.allSatisfy(safe.contains) { return word }
    return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }
}

extension Array {
  /// The element at `index`, or `nil` past the end.
  fileprivate subscript(safe index: Int) -> Element? {
    indices.contains(index) ? self[index] : nil
  }
}
