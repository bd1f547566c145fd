import ArgumentParser
import Foundation
import SparseText
import SparseTextExperiments

/// `--quiet` and `--json`, shared by every subcommand.
struct GlobalOptions: ParsableArguments {
  @Flag(name: .shortAndLong, help: "Print no progress or notes on standard error.")
  var quiet = false

  @Flag(
    help:
      "Print the summary as one JSON object on standard output (on standard error when the rows themselves go to standard output)."
  )
  var json = false

  /// Records `--quiet` in the run's console, where progress displays that are not handed the
  /// options can see it.
  func validate() throws { Console.current.quiet = quiet }
}

extension TextDecoder.Encoding: ExpressibleByArgument {}
extension BadRecordPolicy: ExpressibleByArgument {}
extension CorpusFormat: ExpressibleByArgument {}

/// How to read documents (everything but the path). An option left out keeps the reader's
/// default (`CorpusReader.Options()`), which the help shows.
struct ReadOptions: ParsableArguments {
  private static let defaults = CorpusReader.Options()

  @Option(help: "lines, fasttext, csv, tsv, jsonl or folder (default: from the extension).")
  var format: CorpusFormat?

  @Option(help: "CSV/TSV text column, by header name or 0-based index.")
  var textColumn: String?

  @Option(help: "CSV/TSV label column, by header name or 0-based index.")
  var labelColumn: String?

  @Option(help: "JSONL field holding the text (default: \(defaults.textField)).")
  var textField: String?

  @Option(help: "JSONL field holding the label(s) (default: \(defaults.labelField)).")
  var labelField: String?

  @Option(help: "fastText label prefix (default: \(defaults.labelPrefix)).")
  var labelPrefix: String?

  @Option(help: "The text encoding (default: \(defaults.encoding.rawValue)).")
  var encoding: TextDecoder.Encoding?

  @Flag(help: "Fail on invalid UTF-8 instead of replacing it with U+FFFD.")
  var strictEncoding = false

  @Option(help: "What to do with malformed records (default: \(defaults.onBadRecord.rawValue)).")
  var onBadRecord: BadRecordPolicy?

  @Flag(
    inversion: .prefixedNo,
    help: "Whether a CSV/TSV file starts with a header row (default: guessed).")
  var header: Bool?

  @Option(
    help: ArgumentHelp(
      "The largest record read, in bytes: a line, CSV/TSV record, JSONL line or folder file; a longer one is a data error, so that input without line breaks (/dev/zero) cannot take all memory (default: \(defaults.maximumRecordBytes), 64 MiB).",
      valueName: "bytes"))
  var maxRecordBytes: Int?

  func validate() throws {
    if let maxRecordBytes, maxRecordBytes < 1 {
      throw ValidationError("--max-record-bytes is \(maxRecordBytes), but it must be at least 1")
    }
  }

  /// The reader's options with those given.
  var options: CorpusReader.Options {
    var options = Self.defaults
    options.format = format
    options.textColumn = textColumn
    options.labelColumn = labelColumn
    if let textField { options.textField = textField }
    if let labelField { options.labelField = labelField }
    if let labelPrefix { options.labelPrefix = labelPrefix }
    if let encoding { options.encoding = encoding }
    if strictEncoding { options.strictEncoding = true }
    if let onBadRecord { options.onBadRecord = onBadRecord }
    options.hasHeader = header
    if let maxRecordBytes { options.maximumRecordBytes = maxRecordBytes }
    return options
  }

  func reader(_ path: String) -> CorpusReader {
    CorpusReader(path: path, options: options)
  }

  /// Reads every document of `path` (read as `role`, see ``RunPaths``), warning once about
  /// replaced bytes and skipped records.
  func read(_ path: String, as role: String = "INPUT") throws -> [LabeledDocument] {
    var documents: [LabeledDocument] = []
    try forEachDocument(path, as: role) { documents.append($0) }
    if documents.isEmpty {
      throw DataError.noDocuments(source: path)
    }
    return documents
  }
}

extension ReadOptions {
  /// Streams the documents of `path` to `body` with a progress line on standard error for
  /// reads that take more than a second, then warns once about replaced bytes and skipped
  /// records. With `idField`, each JSONL document's id is that field of its record. `path` is
  /// registered as read as `role` first (see ``RunPaths``).
  @discardableResult
  func forEachDocument(
    _ path: String, as role: String = "INPUT", idField: String? = nil,
    _ body: (LabeledDocument) throws -> Void
  ) throws -> CorpusReadReport {
    try RunPaths.read(path, as: role)
    let progress = ReadingProgress(path: path)
    defer { progress.finish() }
    var options = reader(path).options
    options.idField = idField
    let report = try CorpusReader(path: path, options: options).forEachDocument { document in
      try body(document)
      progress.advance(bytes: document.text.utf8.count + 1)
    }
    progress.finish()
    report.warnAboutProblems()
    return report
  }

  /// ``forEachDocument(_:idField:_:)`` in blocks of about `blockBytes` bytes of text (see
  /// `CorpusReader.forEachBlock`), keeping each document's first label when `keepsLabels` is
  /// set.
  @discardableResult
  func forEachBlock(
    _ path: String, blockBytes: Int, keepsLabels: Bool, _ body: (DocumentBlock) throws -> Void
  ) throws -> CorpusReadReport {
    try RunPaths.read(path, as: "INPUT")
    let progress = ReadingProgress(path: path)
    defer { progress.finish() }
    let report = try reader(path).forEachBlock(blockBytes: blockBytes, keepsLabels: keepsLabels) {
      block in
      try body(block)
      progress.advance(bytes: block.byteCount + block.count, documents: block.count)
    }
    progress.finish()
    report.warnAboutProblems()
    return report
  }
}

/// Where documents come from and how to read them.
struct InputOptions: ParsableArguments {
  @Argument(
    help: ArgumentHelp(
      "The corpus: a file, a DIR/<label>/*.txt folder, or - for standard input.",
      valueName: "input"))
  var input: String

  @OptionGroup var read: ReadOptions

  var reader: CorpusReader { read.reader(input) }

  /// Reads every document, warning once about replaced bytes and skipped records.
  func documents() throws -> [LabeledDocument] { try read.read(input) }
}

/// A labelled corpus and how to divide it into training and test parts: INPUT or `--corpus`,
/// then a fixed `--split` file or a stratified split by `--test-fraction`.
struct SplitOptions: ParsableArguments {
  @Option(help: "A default corpus (bbc, twitter), read with its reference decoding.")
  var corpus: String?

  @Option(help: "A fixed split file (id, split, label, sha1_12) for --corpus or INPUT.")
  var split: String?

  @Option(help: "Test fraction of a stratified split of INPUT.")
  var testFraction = 0.2

  /// The documents of `--corpus` or `input`, and where they came from.
  func documents(input: String?, read: ReadOptions) throws -> (
    documents: [LabeledDocument], source: String
  ) {
    if let corpus {
      let entry = try CorpusCatalog.entry(named: corpus)
      try RunPaths.read(CorpusCatalog.location(of: entry, in: Corpus.cache).path, as: "--corpus")
      return (try CorpusCatalog.load(entry, in: Corpus.cache).documents, entry.requirement)
    }
    guard let input else { throw CommandError.usage("give INPUT or --corpus NAME") }
    return (try read.read(input), input)
  }

  /// The paths these options read, for the output checks.
  func readPaths() throws -> [OutputPlan.Named] {
    var paths: [OutputPlan.Named] = [("--split", split)]
    if let corpus {
      let entry = try CorpusCatalog.entry(named: corpus)
      paths.append(("--corpus", CorpusCatalog.location(of: entry, in: Corpus.cache).path))
    }
    return paths
  }

  /// One training/test division: the fixed split when given, else stratified with `seed`.
  func divide(_ documents: [LabeledDocument], seed: UInt64) throws -> (
    train: [LabeledDocument], test: [LabeledDocument]
  ) {
    if let split {
      try RunPaths.read(split, as: "--split")
      return try FixedSplit(contentsOf: URL(fileURLWithPath: split)).apply(to: documents)
    }
    let labels = try documents.map { try Experiment.label(of: $0) }
    let parts = try StratifiedSplit.trainTest(
      labels: labels, testFraction: testFraction, seed: seed)
    return (parts.train.map { documents[$0] }, parts.test.map { documents[$0] })
  }
}

extension CorpusReadReport {
  /// Prints one warning for replaced bytes and one for skipped records, if there were any.
  func warnAboutProblems() {
    if replacedBytes > 0, let first = firstEncodingProblem {
      Terminal.warn(
        "\(replacedBytes) invalid UTF-8 byte sequence(s) replaced by U+FFFD, first at \(first); "
          + "use --encoding windows-1252 or latin-1 for legacy files, or --strict-encoding to stop")
    }
    if skippedRecords > 0 {
      Terminal.warn("skipped \(skippedRecords) malformed record(s); first: \(firstSkipped ?? "?")")
    }
  }
}
