import ArgumentParser
import Foundation
import SparseText

extension Corpus {
  struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Count documents, labels, tokens and encoding problems in a corpus.",
      discussion: """
        Examples:
          sparsetext corpus stats reviews.csv
          sparsetext corpus stats bbc/ --json
        """)

    @OptionGroup var input: InputOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
      let (documents, report) = try input.reader.readAll()
      var labelCounts: [String: Int] = [:]
      for document in documents {
        for label in document.labels { labelCounts[label, default: 0] += 1 }
      }
      let (tokens, vocabulary) = try Tokenizer().countTerms(in: documents.lazy.map(\.text))
      let summary: [String: Any] = [
        "documents": documents.count, "labels": labelCounts, "tokens": tokens,
        "vocabulary": vocabulary, "replaced_bytes": report.replacedBytes,
        "skipped_records": report.skippedRecords,
        "bytes": documents.reduce(0) { $0 + $1.text.utf8.count },
      ]
      if global.json {
        let data = try JSONFormat.data(object: summary)
        try Console.current.print(String(decoding: data, as: UTF8.self))
        return
      }
      try Console.current.print("documents: \(documents.count)")
      try Console.current.print(
        "labels: \(labelCounts.isEmpty ? "none" : labelCounts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))"
      )
      try Console.current.print("tokens: \(tokens) (unicode preset), vocabulary: \(vocabulary)")
      try Console.current.print(
        "encoding problems: \(report.replacedBytes) replaced byte sequence(s)\(report.firstEncodingProblem.map { ", first at " + $0 } ?? "")"
      )
      try Console.current.print("malformed records skipped: \(report.skippedRecords)")
    }
  }
}
