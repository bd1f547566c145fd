import ArgumentParser
import Foundation
import SparseText

/// `vectorize` as one stage of a distributed job: term statistics out (`--statistics-out`), a
/// vocabulary and idf from merged statistics in (`--statistics`), and rows streamed to standard
/// output (`-o -`).
struct DistributedVectorizeOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Write this part's exact term statistics (every term, its document frequency and total count) instead of a matrix; merge parts with `sparsetext statistics merge`.",
      valueName: "file"))
  var statisticsOut: String?

  @Option(
    help: ArgumentHelp(
      "Take the vocabulary and idf from (merged) term statistics instead of fitting them on INPUT; the tokenizer options must be the ones the statistics were counted with.",
      valueName: "file"))
  var statistics: String?

  @OptionGroup var stream: StreamOptions

  /// Checks the distributed options; `true` when the output needs no extension check.
  func validate(_ command: Vectorize) throws -> Bool {
    let fixedVocabulary = command.model != nil || statistics != nil
    if let statisticsOut {
      if statisticsOut == "-" {
        throw ValidationError("--statistics-out writes a binary file: give a path, not -")
      }
      if command.outputOption != nil {
        throw ValidationError("--statistics-out writes statistics, not a matrix; drop -o")
      }
      try OutputNames.require(statisticsOut, option: "--statistics-out", allowed: ".stats") {
        $0 == "stats"
      }
      if fixedVocabulary || command.hashing != nil || command.counts {
        throw ValidationError(
          "--statistics-out counts every term; drop --model, --statistics, --hashing and --counts")
      }
      return true
    }
    guard let output = command.outputOption else {
      throw ValidationError("give -o FILE (or --statistics-out FILE)")
    }
    if statistics != nil && (command.model != nil || command.hashing != nil || command.counts) {
      throw ValidationError(
        "--statistics gives the vocabulary and idf; drop --model, --hashing and --counts")
    }
    if try stream.isStandardOutput(output) {
      guard fixedVocabulary else {
        throw ValidationError(
          "-o - streams rows with a fixed vocabulary: give --model DIR or --statistics FILE")
      }
      return true
    }
    return false
  }
}

extension Vectorize {
  /// Runs the distributed modes; `false` when none was asked for.
  func runDistributed() throws -> Bool {
    if let statisticsOut = distributed.statisticsOut {
      try writeStatistics(to: statisticsOut)
      return true
    }
    if let statistics = distributed.statistics {
      try RunPaths.read(statistics, as: "--statistics")
      let terms = try TermStatistics(contentsOf: URL(fileURLWithPath: statistics))
      let fitted = try terms.vectorizer(configuration: try vectorizer.tfidf())
      let inDouble = weightsInDouble && output != "-"
      try streamRows(
        columns: fitted.vocabulary.count, vocabulary: fitted.vocabulary,
        inputs: [("--statistics", statistics)]
      ) { inDouble ? try fitted.doubleFeatures($0) : (try fitted.transform($0), nil) }
      return true
    }
    if let model, output == "-" {
      let pipeline = try TextFeaturePipeline.bundle(
        at: model, for: "vectorize --model", as: "--model")
      try streamRows(
        columns: pipeline.vectorizer.vocabulary.count, vocabulary: pipeline.vectorizer.vocabulary,
        inputs: [], models: [("--model", model)]
      ) { (try pipeline.features(for: $0), nil) }
      return true
    }
    return false
  }

  /// Counts the input block by block into unpruned term statistics: memory holds one block of
  /// text and the distinct terms. An empty input (an empty partition) gives statistics of no
  /// documents, which merge as nothing.
  func writeStatistics(to path: String) throws {
    let outputs = try OutputPlan(
      files: [("--statistics-out", path)], inputs: try input.readPaths() + vectorizer.readPaths)
    defer { outputs.release() }
    let tokenizer = try vectorizer.tfidf().counting.tokenizer
    var total = TermStatistics(empty: tokenizer)
    var bytes = 0
    let started = Date()
    var blocks = BlockAccumulator<String>(size: 16384) { block in
      let part = try TermStatistics(counting: block, tokenizer: tokenizer)
      total = try TermStatistics.merged([total, part])
    }
    try input.read.forEachDocument(input.input) { document in
      bytes += document.text.utf8.count
      try blocks.append(document.text)
    }
    try blocks.finish()
    try total.write(to: URL(fileURLWithPath: path))
    let seconds = Date().timeIntervalSince(started)
    if global.json {
      let summary: [String: Any] = [
        "documents": total.documents, "terms": total.count, "bytes": bytes, "seconds": seconds,
        "output": path, "tokenizer_digest": total.tokenizerDigest,
      ]
      let data = try JSONFormat.data(object: summary)
      try Console.current.print(String(decoding: data, as: UTF8.self))
    } else {
      Terminal.note(
        "\(total.documents) documents, \(total.count) distinct terms → \(path)", quiet: global.quiet
      )
    }
  }

  /// Transforms the input block by block with a fixed vocabulary, writing rows to the output
  /// file or, for `-o -`, as JSON lines to standard output as each block is done.
  func streamRows(
    columns: Int, vocabulary: Vocabulary, inputs: [OutputPlan.Named],
    models: [OutputPlan.Named] = [],
    transform: @escaping ([String]) throws -> (SparseMatrix, doubleValues: [Double]?)
  ) throws {
    let toStandardOutput = output == "-"
    let outputs = try OutputPlan(
      files: [
        ("-o", toStandardOutput ? nil : output), ("--vocabulary-out", vocabularyOut),
        ("--labels-out", labelsOut),
      ],
      inputs: try input.readPaths() + vectorizer.readPaths + inputs, models: models)
    defer { outputs.release() }
    let writer =
      toStandardOutput
      ? nil
      : try SparseRowWriter(
        url: URL(fileURLWithPath: output), columns: columns, valueType: valueType)
    let labelsWriter = try labelsOut.map { try StreamingFileWriter(url: URL(fileURLWithPath: $0)) }
    var rows = 0
    var nonzeros = 0
    var bytes = 0
    var seconds = 0.0
    var blocks = BlockAccumulator<LabeledDocument>(size: 4096) { block in
      let started = Date()
      let (part, doubleValues) = try transform(block.map(\.text))
      seconds += Date().timeIntervalSince(started)
      let labels = block.map(\.label)
      if let writer {
        let known = labels.compactMap { $0 }
        try writer.append(
          part, doubleValues: doubleValues, labels: known.count == labels.count ? known : nil)
      } else {
        try StandardOutputRows.write(
          StandardOutputRows.sparse(part, ids: block.map(\.id), labels: labels))
      }
      try labelsWriter?.append(labels.map { ($0 ?? "") + "\n" }.joined())
      rows += part.rows
      nonzeros += part.nonzeroCount
    }
    try input.read.forEachDocument(input.input, idField: distributed.stream.idField) { document in
      bytes += document.text.utf8.count
      try blocks.append(document)
    }
    try blocks.finish()
    // An empty stream (an empty partition) is no error; an empty file to write is.
    if rows == 0 && !toStandardOutput {
      throw DataError.noDocuments(source: input.input)
    }
    // Every output is put in place together, or none.
    let commit = OutputCommit()
    try writer?.finish(in: commit)
    try labelsWriter?.finish(in: commit)
    if let vocabularyOut {
      try writeVocabulary(vocabulary, to: URL(fileURLWithPath: vocabularyOut), in: commit)
    }
    try commit.commit()
    if toStandardOutput {
      Terminal.note(
        "\(rows) documents × \(columns) columns, \(nonzeros) nonzeros → standard output",
        quiet: global.quiet)
    } else {
      try report(rows: rows, columns: columns, nonzeros: nonzeros, bytes: bytes, seconds: seconds)
    }
  }
}
