import ArgumentParser
import Foundation
import SparseText

struct Vectorize: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Turn a corpus into a sparse TF-IDF, count or hashed matrix (SciPy .npz).",
    discussion: """
      Examples:
        sparsetext vectorize reviews.txt -o x.npz --vocabulary-out vocab.json
        sparsetext vectorize bbc/ --preset sklearn --sublinear-tf --min-df 2 -o x.npz
        sparsetext vectorize tweets.csv --hashing 1048576 -o x.npz
        sparsetext vectorize big.txt --hashing 262144 -o x.safetensors
        sparsetext vectorize part.jsonl --statistics-out part.stats
        sparsetext vectorize --model model/ part.jsonl -o - --id-field id
      With --hashing, documents are read, hashed and written block by block, so an input of any \
      size streams through in flat memory. --statistics-out counts every term of a part for \
      `sparsetext statistics merge` (see its help). -o - streams JSONL rows with a fitted \
      vocabulary (--model or --statistics), as a stage of a Spark or Dask job that feeds it \
      standard input (- as INPUT, with --format jsonl).
      Read the result in Python with scipy.sparse.load_npz("x.npz"), or with \
      safetensors.numpy.load_file("x.safetensors") and scipy.sparse.csr_matrix((t["data"], \
      t["indices"], t["indptr"]), shape=t["shape"]).
      """)

  @OptionGroup var input: VectorizeInputOptions
  @OptionGroup var vectorizer: VectorizerOptions
  @OptionGroup var global: GlobalOptions

  @Option(
    name: [.customShort("o"), .customLong("output")],
    help: """
      The file to write: .npz (SciPy CSR), .safetensors (CSR tensors), .svm/.libsvm/.svmlight \
      (zero-based), .mtx (Matrix Market), .jsonl or .csv (row,column,value triplets), .npy (the \
      dense matrix, every zero written); - writes JSONL rows to standard output (with --model or \
      --statistics).
      """)
  var outputOption: String?
  var output: String { outputOption ?? "" }

  @OptionGroup var distributed: DistributedVectorizeOptions

  @Option(help: "Also write the vocabulary as a JSON object term → column.")
  var vocabularyOut: String?

  @Option(help: "Also write each document's label, one per line.")
  var labelsOut: String?

  @Flag(help: "TF-IDF values (the default).")
  var tfidf = false

  @Flag(help: "Raw counts instead of TF-IDF.")
  var counts = false

  @Option(
    help: ArgumentHelp(
      "Hash terms into N columns instead of learning a vocabulary.", valueName: "N"))
  var hashing: Int?

  @Option(
    help:
      "Use a fitted model bundle's vocabulary and idf (exactly the autoencoder's input); with --counts, the counts over its vocabulary."
  )
  var model: String?

  @Option(
    help: ArgumentHelp(
      "Use these terms as the columns, in the file's order, without pruning; idf is fitted on INPUT. A JSON object term → column (as --vocabulary-out writes it) or one term per line.",
      valueName: "file"))
  var vocabularyIn: String?

  @Option(
    help: ArgumentHelp(
      "Also write the fitted vectorizer (vocabulary, idf, settings) as a model bundle, for --model.",
      valueName: "dir"))
  var vectorizerOut: String?

  @Option(
    help: ArgumentHelp(
      "The stored values of .npz, .safetensors and .npy: float32, float64 or int64 (default: int64 with --counts, else float32). Text formats print int64 as whole numbers.",
      valueName: "type"))
  var dtype: SparseRowWriter.ValueType?

  @Flag(help: "Keep alternate signs off when hashing.")
  var noAlternateSign = false

  func validate() throws {
    if [tfidf, counts, hashing != nil].filter({ $0 }).count > 1 {
      throw ValidationError("choose one of --tfidf, --counts and --hashing N")
    }
    try validateFittedInputs()
    try validateValueType()
    try OutputNames.require(vocabularyOut, option: "--vocabulary-out", allowed: ".json") {
      $0 == "json"
    }
    try OutputNames.require(labelsOut, option: "--labels-out", allowed: ".txt (one label per line)")
    {
      $0 == "txt"
    }
    try OutputNames.requireDirectory(vectorizerOut, option: "--vectorizer-out")
    if try distributed.validate(self) { return }
    try OutputNames.require(output, allowed: SparseRowWriter.Format.extensions) {
      SparseRowWriter.Format(extension: $0) != nil
    }
  }

  func run() throws {
    if try runDistributed() { return }
    let outputs = try OutputPlan(
      files: [("-o", output), ("--vocabulary-out", vocabularyOut), ("--labels-out", labelsOut)],
      directories: vectorizerOutDirectory,
      inputs: try input.readPaths() + vectorizer.readPaths + [("--vocabulary-in", vocabularyIn)],
      models: [("--model", model)])
    defer { outputs.release() }
    if let hashing, model == nil {
      return try runHashing(features: hashing)
    }
    if model == nil && vocabularyIn == nil {
      return try runFitting()
    }
    try runFixedColumns()
  }

  /// Fits the vocabulary (and idf) while reading: documents are handed to the library in
  /// blocks of about 4 MB of text (one buffer each, with no `String` per document where the
  /// input's bytes are the text), each counted on the workers while the next is read, so
  /// reading and counting overlap and memory never holds the corpus's text, only the counts.
  /// Labels are kept only when an output needs them.
  func runFitting() throws {
    var timer = PhaseTimer()
    let configuration = try vectorizer.tfidf()
    let format = SparseRowWriter.Format(extension: URL(fileURLWithPath: output).pathExtension)
    let keepsLabels = labelsOut != nil || format == .svmlight || format == .jsonl
    // Each document's label as a number (-1: none), so a million documents' labels take 4 MB.
    var labels = LabelColumn()
    var documents = 0
    var bytes = 0
    var readAll = false
    func readBlocks(_ add: (DocumentBlock) -> Void) throws {
      try input.forEachBlock(blockBytes: 4 << 20, keepsLabels: keepsLabels) { block in
        bytes += block.byteCount
        documents += block.count
        for label in block.labels { labels.append(label) }
        add(block)
      }
      readAll = true
    }
    let started = Date()
    let matrix: SparseMatrix
    var doubleValues: [Double]?
    let fitted: TfidfVectorizer
    // No activity line: the reading progress is shown while the blocks are counted.
    do {
      if counts {
        let (counter, x) = try CountVectorizer.fitTransform(
          configuration: configuration.counting, readBlocks: readBlocks)
        matrix = x
        fitted = try weighting(x, vocabulary: counter.vocabulary, configuration: configuration)
      } else if weightsInDouble {
        // float64 output: the counts, then idf and weights computed in Double from them.
        let (counter, x) = try CountVectorizer.fitTransform(
          configuration: configuration.counting, readBlocks: readBlocks)
        matrix = x
        (fitted, doubleValues) = try doubleWeighting(
          x, vocabulary: counter.vocabulary, configuration: configuration)
      } else {
        (fitted, matrix) = try TfidfVectorizer.fitTransform(
          configuration: configuration, readBlocks: readBlocks)
      }
    } catch is DataError where readAll && documents == 0 {
      // The library's "empty vocabulary" says less than this.
      throw DataError.noDocuments(source: input.input)
    }
    let seconds = Date().timeIntervalSince(started)
    timer.lap("read+fit")
    // The vocabulary's JSON is built on another core while the matrix is written; its file is
    // written after the matrix's, as before.
    let vocabulary = fitted.vocabulary
    let vocabularyJSON = vocabularyOut.map { _ in Background { vocabulary.jsonObject() } }
    // Every output is written to its temporary file, then all are put in place together.
    let commit = OutputCommit()
    try SparseRowWriter.write(
      matrix, doubleValues: doubleValues,
      labels: keepsLabels && labels.count == documents ? labels.allKnown : nil,
      to: URL(fileURLWithPath: output), valueType: valueType, in: commit)
    timer.lap("matrix")
    if let vocabularyOut, let vocabularyJSON {
      try AtomicFile.write(
        vocabularyJSON.value, to: URL(fileURLWithPath: vocabularyOut), in: commit)
      timer.lap("vocabulary")
    }
    if let vectorizerOut {
      try fitted.write(to: URL(fileURLWithPath: vectorizerOut), in: commit)
    }
    if let labelsOut {
      try AtomicFile.write(labels.lines(), to: URL(fileURLWithPath: labelsOut), in: commit)
    }
    try commit.commit()
    timer.report()
    try report(
      rows: matrix.rows, columns: matrix.columns, nonzeros: matrix.nonzeroCount, bytes: bytes,
      seconds: seconds)
  }

  /// Hashing needs no vocabulary, so documents are read, hashed and written in blocks: memory
  /// holds one block of text and its rows, never the corpus or the whole matrix.
  func runHashing(features: Int) throws {
    let configuration = try vectorizer.tfidf()
    let hasher = try HashingVectorizer(
      .init(
        tokenizer: configuration.counting.tokenizer, features: features,
        alternateSign: !noAlternateSign,
        binary: configuration.counting.binary, norm: configuration.weighting.norm))
    let writer = try SparseRowWriter(
      url: URL(fileURLWithPath: output), columns: features, valueType: valueType)
    let labelsWriter = try labelsOut.map { try StreamingFileWriter(url: URL(fileURLWithPath: $0)) }
    var bytes = 0
    var seconds = 0.0
    let inDouble = valueType == .float64
    var blocks = BlockAccumulator<LabeledDocument>(size: 8192) { block in
      let started = Date()
      let texts = block.map(\.text)
      // float64 output: the norm computed in Double.
      let (part, doubleValues) =
        inDouble
        ? try hasher.doubleFeatures(texts) : (try hasher.transform(texts), nil)
      seconds += Date().timeIntervalSince(started)
      let labels = block.map(\.label)
      let known = labels.compactMap { $0 }
      try writer.append(
        part, doubleValues: doubleValues, labels: known.count == labels.count ? known : nil)
      try labelsWriter?.append(labels.map { ($0 ?? "") + "\n" }.joined())
    }
    try input.forEachDocument { document in
      bytes += document.text.utf8.count
      try blocks.append(document)
    }
    try blocks.finish()
    guard writer.rows > 0 else {
      throw DataError.noDocuments(source: input.input)
    }
    let commit = OutputCommit()
    try writer.finish(in: commit)
    try labelsWriter?.finish(in: commit)
    try commit.commit()
    try report(
      rows: writer.rows, columns: features, nonzeros: writer.nonzeros, bytes: bytes,
      seconds: seconds)
  }

  /// Prints the summary (JSON with --json).
  func report(rows: Int, columns: Int, nonzeros: Int, bytes: Int, seconds: Double) throws {
    let summary: [String: Any] = [
      "documents": rows, "bytes": bytes, "seconds": seconds,
      "terms": columns, "nonzeros": nonzeros, "output": output,
      "megabytes_per_second": seconds > 0 ? Double(bytes) / 1e6 / seconds : 0,
    ]
    if global.json {
      let data = try JSONFormat.data(object: summary)
      try Console.current.print(String(decoding: data, as: UTF8.self))
    } else {
      try Console.current.print(
        String(
          format:
            "%d documents × %d columns, %d nonzeros (%.2f%%), %.1f MB in %.2f s (%.1f MB/s) → %@",
          rows, columns, nonzeros, Double(nonzeros) / Double(max(1, rows * columns)) * 100,
          Double(bytes) / 1e6, seconds, seconds > 0 ? Double(bytes) / 1e6 / seconds : 0, output))
    }
  }
}

/// Writes `{"term": column, …}` (scikit-learn's `vocabulary_`) atomically, or stages it in
/// `commit`.
func writeVocabulary(_ vocabulary: Vocabulary, to url: URL, in commit: OutputCommit? = nil) throws {
  try AtomicFile.write(vocabulary.jsonObject(), to: url, in: commit)
}

/// Documents' labels, each kept as a number into a table of the distinct labels: a corpus's
/// labels are a handful of strings repeated, so they take 4 bytes a document.
struct LabelColumn {
  private var ids: [Int32] = []
  private var names: [String] = []
  private var index: [String: Int32] = [:]

  /// The documents counted so far.
  var count: Int { ids.count }

  /// Adds the next document's label (`nil`: none).
  mutating func append(_ label: String?) {
    guard let label else { return ids.append(-1) }
    if let id = index[label] { return ids.append(id) }
    let id = Int32(names.count)
    names.append(label)
    index[label] = id
    ids.append(id)
  }

  /// Every document's label, or `nil` when a document has none.
  var allKnown: [String]? {
    ids.contains(-1) ? nil : ids.map { names[Int($0)] }
  }

  /// One label a line (an empty line for none), as `--labels-out` writes them.
  func lines() -> Data {
    let encoded = names.map { Data($0.utf8) }
    var data = Data()
    for id in ids {
      if id >= 0 { data.append(encoded[Int(id)]) }
      data.append(0x0A)
    }
    return data
  }
}
