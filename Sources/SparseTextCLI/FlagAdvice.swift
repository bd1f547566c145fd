import Foundation
import SparseText

/// The library's error messages name configuration fields (in backquotes: `textColumn`); the
/// command line names its flags. This table turns one into the other when an error is printed,
/// so advice reads as something to type.
enum FlagAdvice {
  /// Phrases of library messages, longest first, and what the command line says instead.
  static let phrases: [(library: String, command: String)] = [
    ("set `onBadRecord` to skip", "pass --on-bad-record skip"),
    ("Set `encoding` to", "Pass --encoding"),
    ("turn off `strictEncoding`", "drop --strict-encoding"),
    ("set `format` to folder", "pass --format folder"),
    ("Check the file and its `format`", "Check the file and --format"),
    (
      "Lower `minDocumentFrequency` or raise `maxDocumentFrequency`",
      "Lower --min-df or raise --max-df"
    ),
    ("Lower `learningRate` or `inputScale`", "Lower --learning-rate or --input-scale"),
    ("or fit without a classifier", "or pass --no-classifier to fit without labels"),
    ("and a classifier in its configuration", "(sparsetext fit INPUT --label-column …)"),
    ("pass it as `wheel`", "pass --wheel FILE"),
    ("Re-create it by fitting and writing the model again", "Re-create it with `sparsetext fit`"),
    ("(`textColumn`, `textField`)", "(--text-column, --text-field)"),
    ("(`labelColumn`, `labelField`)", "(--label-column, --label-field)"),
    ("(`labelColumn`, `labelField`, ", "(--label-column, --label-field, "),
    ("(as `Vocabulary.jsonObject()` writes it)", "(as vectorize --vocabulary-out writes it)"),
    (
      "Leave `idField` unset, or read JSONL or CSV/TSV input (`format`)",
      "Drop --id-field, or give JSONL or CSV/TSV input (--format)"
    ),
    ("`idField`", "--id-field"),
    ("`textColumn`", "--text-column"),
    ("`labelColumn`", "--label-column"),
    ("`textField`", "--text-field"),
    ("`labelField`", "--label-field"),
    ("a label column (--label-column)", "--label-column"),
    ("a label field (--label-field)", "--label-field"),
  ]

  /// `message` with configuration fields replaced by the flags that set them.
  static func forCommandLine(_ message: String, error: any Error) -> String {
    var text = message
    if case DataError.corpusNotFetched(let name) = error {
      text = text.replacingOccurrences(
        of: "Fetch it first (`CorpusFetcher.fetch`)",
        with: "Run `sparsetext corpus fetch \(name)` first")
    }
    for (library, command) in phrases {
      text = text.replacingOccurrences(of: library, with: command)
    }
    return text
  }
}
