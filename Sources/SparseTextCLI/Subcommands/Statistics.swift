import ArgumentParser
import Foundation
import SparseText

struct Statistics: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Work with term statistics: the mergeable counts behind a vocabulary and its idf.",
    discussion: """
      Fitting past one machine: count each part on its worker, merge the counts anywhere, fit from \
      the merged statistics (the vocabulary and idf), and vectorize with them:
        sparsetext vectorize part-1.jsonl --statistics-out part-1.stats
        sparsetext statistics merge part-*.stats -o all.stats
        sparsetext fit sample.jsonl --statistics all.stats -o model/
        sparsetext vectorize corpus.jsonl --statistics all.stats -o x.npz
      The vocabulary and idf equal a fit on all parts together, bit for bit, however the corpus \
      was divided.
      """,
    subcommands: [Merge.self])

  struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Add up term statistics of disjoint parts (counted with the same tokenizer).",
      discussion: """
        Example:
          sparsetext statistics merge part-1.stats part-2.stats -o all.stats
        """)

    @Argument(help: "Term-statistics files written by `vectorize --statistics-out`.")
    var inputs: [String]

    @Option(name: .shortAndLong, help: "The merged statistics file to write.")
    var output: String

    @OptionGroup var global: GlobalOptions

    func validate() throws {
      if inputs.isEmpty { throw ValidationError("give at least one statistics file") }
      try OutputNames.require(output, allowed: ".stats") { $0 == "stats" }
    }

    func run() throws {
      let outputs = try OutputPlan(files: [("-o", output)], inputs: inputs.map { ("PART", $0) })
      defer { outputs.release() }
      // One part in memory at a time beside the running sum.
      var total: TermStatistics?
      for path in inputs {
        try RunPaths.read(path, as: "PART")
        let part = try TermStatistics(contentsOf: URL(fileURLWithPath: path))
        do {
          total = try total.map { try TermStatistics.merged([$0, part]) } ?? part
        } catch ConfigurationError.conflict {
          throw ConfigurationError.conflict(
            reason:
              "'\(path)' was counted with another tokenizer configuration or sparsetext build than '\(inputs[0])' (digest \(part.tokenizerDigest.prefix(12)), not \(total!.tokenizerDigest.prefix(12)))",
            suggestion:
              "Count every part with the same tokenizer options and the same sparsetext binary."
          )
        }
      }
      let merged = total!
      try merged.write(to: URL(fileURLWithPath: output))
      if global.json {
        let summary: [String: Any] = [
          "parts": inputs.count, "documents": merged.documents, "terms": merged.count,
          "output": output, "tokenizer_digest": merged.tokenizerDigest,
        ]
        let data = try JSONFormat.data(object: summary)
        try Console.current.print(String(decoding: data, as: UTF8.self))
      }
      Terminal.note(
        "\(inputs.count) parts: \(merged.documents) documents, \(merged.count) distinct terms → \(output)",
        quiet: global.quiet)
    }
  }
}
