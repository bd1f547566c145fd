import ArgumentParser
import Foundation
import SparseText

struct Duplicates: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "List every pair of indexed documents whose codes are at least this similar.",
    discussion: """
      Examples:
        sparsetext duplicates index/ --threshold 0.95
        sparsetext duplicates index/ --threshold 0.9 -o pairs.csv

      One row per pair, each pair once (first_id is the document indexed first), best first: first_id, second_id, score (cosine similarity). Exact: every pair at or above the threshold is listed. The model is not needed.
      Outputs: JSONL on standard output (no -o, or -o -), or a .jsonl or .csv file. With rows on standard output, --json prints its summary on standard error.
      """)

  @Argument(help: "The index directory (written by `sparsetext index`).")
  var index: String

  @Option(
    help:
      "The lowest cosine similarity listed (default: \(EmbeddingIndex.DuplicateOptions().threshold))."
  )
  var threshold: Float?

  @Option(
    name: .shortAndLong,
    help: "pairs.jsonl or pairs.csv (default: JSONL on standard output; - too).")
  var output: String?

  @OptionGroup var global: GlobalOptions

  func validate() throws {
    try OutputNames.require(output, allowed: ".jsonl or .csv") {
      NeighborWriter.extensions.contains($0)
    }
  }

  func run() throws {
    let toStandardOutput = output == nil || output == "-"
    let outputs = try OutputPlan(
      files: [("-o", toStandardOutput ? nil : output)], models: [("INDEX", index)])
    defer { outputs.release() }
    var options = EmbeddingIndex.DuplicateOptions()
    if let threshold { options.threshold = threshold }
    try options.validate()
    let console = Console.current
    let writer =
      toStandardOutput
      ? NeighborWriter(stream: { try console.write(Data($0.utf8)) }, rows: .pairs)
      : try NeighborWriter(url: URL(fileURLWithPath: output!), rows: .pairs)
    try RunPaths.read(index, as: "INDEX")
    let loaded = try EmbeddingIndex(contentsOf: URL(fileURLWithPath: index))
    let started = Date()
    let pairs = try loaded.duplicates(options)
    let seconds = Date().timeIntervalSince(started)
    var start = 0
    while start < pairs.count {
      let end = min(pairs.count, start + 4096)
      try writer.append(pairs: pairs[start..<end])
      start = end
    }
    try writer.finish()
    if global.json {
      let summary: [String: Any] = [
        "documents": loaded.count, "pairs": pairs.count,
        "threshold": Double("\(options.threshold)") ?? 0,
        "seconds": seconds, "output": output ?? "-",
      ]
      try console.printSummary(summary, rowsOnStandardOutput: toStandardOutput)
    }
    Terminal.note(
      "\(pairs.count) pairs of \(loaded.count) documents at or above \(options.threshold)"
        + (toStandardOutput ? "" : " → \(output!)"), quiet: global.quiet)
  }
}
