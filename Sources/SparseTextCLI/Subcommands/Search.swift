import ArgumentParser
import Foundation
import SparseText

struct Search: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Find the indexed documents nearest to each query text (cosine similarity of codes).",
    discussion: """
      Examples:
        sparsetext search index/ "a late goal in the cup final" -k 5
        sparsetext search index/ --queries questions.jsonl --id-field id -o hits.csv
        cat questions.txt | sparsetext search index/ --queries - --format lines
        sparsetext search index/ --like doc-17 -k 5

      One row per neighbour, best first within each query, queries in input order: query (the query's text when given as an argument; from --queries, its id: the --id-field value or the 0-based record index; with --like, the indexed document's id), id (the indexed document's id), score (cosine similarity, in [-1, 1]) and rank (1 for the nearest). Results are exact, ties ordered by index row. Queries are embedded with the model bundle the index was built with: the one index.json records, or --model. With --like, the queries are indexed documents (their own row left out), and no model is needed. Queries from a file are searched and written in blocks as they are read.
      Outputs: JSONL on standard output (no -o, or -o -), or a .jsonl or .csv file. With rows on standard output, --json prints its summary on standard error.
      """)

  @Argument(help: "The index directory (written by `sparsetext index`).")
  var index: String

  @Argument(help: ArgumentHelp("Query texts (or use --queries).", valueName: "query"))
  var queryTexts: [String] = []

  @Option(
    help: ArgumentHelp(
      "A corpus of queries, read like the inputs of other commands (- for standard input).",
      valueName: "file"))
  var queries: String?

  @Option(
    help: ArgumentHelp(
      "Find documents like this indexed document, by id, leaving its own row out (repeatable).",
      valueName: "id"))
  var like: [String] = []

  @Option(
    name: .short,
    help: "Neighbours per query (default: \(EmbeddingIndex.SearchOptions().k)).")
  var k: Int?

  @Option(
    help: ArgumentHelp(
      "Only neighbours with at least this cosine similarity (default: no bound).",
      valueName: "score"))
  var minScore: Float?

  @Option(
    help: ArgumentHelp(
      "The model bundle the index was built with, when it is no longer where index.json says.",
      valueName: "dir"))
  var model: String?

  @Option(
    name: .shortAndLong,
    help: "hits.jsonl or hits.csv (default: JSONL on standard output; - too).")
  var output: String?

  @Option(
    help:
      "JSONL field or CSV/TSV column (name or 0-based index) holding each query's id, written as `query` (default: the 0-based record index)."
  )
  var idField: String?

  @OptionGroup var read: ReadOptions

  @OptionGroup var global: GlobalOptions

  func validate() throws {
    let sources = [!queryTexts.isEmpty, queries != nil, !like.isEmpty].filter { $0 }.count
    guard sources == 1 else {
      throw ValidationError(
        sources == 0
          ? "give query texts, --queries FILE (- for standard input) or --like ID"
          : "give one of query texts, --queries and --like")
    }
    try OutputNames.require(output, allowed: ".jsonl or .csv") {
      NeighborWriter.extensions.contains($0)
    }
  }

  func run() throws {
    let toStandardOutput = output == nil || output == "-"
    let outputs = try OutputPlan(
      files: [("-o", toStandardOutput ? nil : output)], inputs: [("--queries", queries)],
      models: [("INDEX", index), ("--model", model)])
    defer { outputs.release() }
    var options = EmbeddingIndex.SearchOptions()
    if let k { options.k = k }
    options.minimumScore = minScore
    try options.validate()
    let indexURL = URL(fileURLWithPath: index)
    try RunPaths.read(index, as: "INDEX")
    // Neighbours of indexed documents need no model; text queries the one given or recorded.
    var loaded: EmbeddingIndex
    if !like.isEmpty {
      loaded = try EmbeddingIndex(contentsOf: indexURL)
    } else if let model {
      loaded = try EmbeddingIndex(contentsOf: indexURL).using(
        TextFeaturePipeline.bundle(at: model, for: "search", as: "--model"))
      loaded.modelBundle = URL(fileURLWithPath: model)
    } else {
      loaded = try EmbeddingIndex(contentsOf: indexURL, modelBundle: nil)
      // The bundle the index records was read too (checked before any output is written).
      try RunPaths.read(loaded.modelBundle?.path, as: "the model INDEX records")
    }
    let console = Console.current
    let writer =
      toStandardOutput
      ? NeighborWriter(stream: { try console.write(Data($0.utf8)) }, rows: .neighbors)
      : try NeighborWriter(url: URL(fileURLWithPath: output!), rows: .neighbors)
    var searched = 0
    var seconds = 0.0
    func search(_ texts: [String], names: [String]) throws {
      let started = Date()
      let hits = try loaded.search(texts, options: options)
      seconds += Date().timeIntervalSince(started)
      try writer.append(queries: names, neighbors: hits)
      searched += texts.count
    }
    if let queries {
      var blocks = BlockAccumulator<LabeledDocument>(size: loaded.configuration.blockSize) {
        block in try search(block.map(\.text), names: block.map(\.id))
      }
      try read.forEachDocument(queries, as: "--queries", idField: idField) { try blocks.append($0) }
      try blocks.finish()
      // An empty stream (an empty partition) is no error; an empty file is.
      guard searched > 0 || queries == "-" else { throw DataError.noDocuments(source: queries) }
    } else if !like.isEmpty {
      let started = Date()
      let hits = try loaded.neighbors(of: like, options: options)
      seconds += Date().timeIntervalSince(started)
      try writer.append(queries: like, neighbors: hits)
      searched += like.count
    } else {
      try search(queryTexts, names: queryTexts)
    }
    try writer.finish()
    if global.json {
      let summary: [String: Any] = [
        "queries": searched, "neighbors": writer.count, "k": options.k, "seconds": seconds,
        "queries_per_second": seconds > 0 ? Double(searched) / seconds : 0,
        "output": output ?? "-",
      ]
      try console.printSummary(summary, rowsOnStandardOutput: toStandardOutput)
    }
    Terminal.note(
      "\(searched) queries, \(writer.count) neighbours"
        + (toStandardOutput ? "" : " → \(output!)"), quiet: global.quiet)
  }
}
