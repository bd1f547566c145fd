import ArgumentParser
import Foundation
import SparseText

extension Corpus {
  struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Count documents, labels, tokens and encoding problems in a corpus.")

    @OptionGroup var input: InputOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
      let (documents, report) = try input.reader.readAll()
      let tokenizer = try Tokenizer()
      var labelCounts: [String: Int] = [:]
      var tokens = 0
      var types = Set<String>()
      for document in documents {
        for label in document.labels { labelCounts[label, default: 0] += 1 }
        let terms = try tokenizer.terms(in: document.text)
        tokens += terms.count
        types.formUnion(terms)
      }
      let summary: [String: Any] = [
        "documents": documents.count, "labels": labelCounts, "tokens": tokens,
        "vocabulary": types.count, "replaced_bytes": report.replacedBytes,
        "skipped_records": report.skippedRecords,
        "bytes": documents.reduce(0) { $0 + $1.text.utf8.count },
      ]
      if global.json {
        let data = try JSONFormat.data(object: summary)
        print(String(decoding: data, as: UTF8.self))
        return
      }
      print("documents: \(documents.count)")
      print(
        "labels: \(labelCounts.isEmpty ? "none" : labelCounts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))"
      )
      print("tokens: \(tokens) (unicode preset), vocabulary: \(types.count)")
      print(
        "encoding problems: \(report.replacedBytes) replaced byte sequence(s)\(report.firstEncodingProblem.map { ", first at " + $0 } ?? "")"
      )
      print("malformed records skipped: \(report.skippedRecords)")
    }
  }
}
