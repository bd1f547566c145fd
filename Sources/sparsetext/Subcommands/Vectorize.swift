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
        sparsetext vectorize tweets.csv --label-column sentiment --hashing 1048576 -o x.npz
      Read the result in Python with scipy.sparse.load_npz("x.npz").
      """)

  @OptionGroup var input: InputOptions
  @OptionGroup var vectorizer: VectorizerOptions
  @OptionGroup var global: GlobalOptions

  @Option(
    name: .shortAndLong,
    help: "The file to write: .npz (SciPy CSR) or .svm/.libsvm/.svmlight (zero-based text).")
  var output: String

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

  @Option(help: "Use a fitted model bundle's vocabulary and idf (exactly the autoencoder's input).")
  var model: String?

  @Flag(help: "Keep alternate signs off when hashing.")
  var noAlternateSign = false

  func validate() throws {
    if [tfidf, counts, hashing != nil].filter({ $0 }).count > 1 {
      throw ValidationError("choose one of --tfidf, --counts and --hashing N")
    }
  }

  func run() throws {
    let documents = try input.read(quiet: global.quiet)
    let texts = documents.map(\.text)
    let bytes = texts.reduce(0) { $0 + $1.utf8.count }
    let started = Date()
    let matrix: SparseMatrix
    var vocabulary: Vocabulary?
    let configuration = try vectorizer.tfidf()
    if let model {
      let pipeline = try TextFeaturePipeline(contentsOf: URL(fileURLWithPath: model))
      matrix = pipeline.features(for: texts)
      vocabulary = pipeline.vectorizer.vocabulary
    } else if let hashing {
      let hasher = try HashingVectorizer(
        .init(
          tokenizer: configuration.tokenizer, features: hashing, alternateSign: !noAlternateSign,
          binary: configuration.binary, norm: configuration.norm))
      matrix = hasher.transform(texts)
    } else if counts {
      let (fitted, x) = try CountVectorizer.fitTransform(
        texts, configuration: configuration.counting)
      matrix = x
      vocabulary = fitted.vocabulary
    } else {
      let (fitted, x) = try TfidfVectorizer.fitTransform(texts, configuration: configuration)
      matrix = x
      vocabulary = fitted.vocabulary
    }
    let seconds = Date().timeIntervalSince(started)
    let url = URL(fileURLWithPath: output)
    switch url.pathExtension.lowercased() {
    case "svm", "libsvm", "svmlight":
      let labels = documents.allSatisfy { $0.label != nil } ? documents.map { $0.label! } : nil
      try AtomicFile.write(Data(matrix.svmlightText(labels: labels).utf8), to: url)
    default:
      try matrix.writeNPZ(to: url)
    }
    if let vocabularyOut, let vocabulary {
      try writeVocabulary(vocabulary, to: URL(fileURLWithPath: vocabularyOut))
    }
    if let labelsOut {
      let lines = documents.map { ($0.label ?? "") + "\n" }.joined()
      try AtomicFile.write(Data(lines.utf8), to: URL(fileURLWithPath: labelsOut))
    }
    let summary: [String: Any] = [
      "documents": matrix.rows, "bytes": bytes, "seconds": seconds,
      "terms": matrix.columns, "nonzeros": matrix.nonzeroCount, "output": output,
      "megabytes_per_second": seconds > 0 ? Double(bytes) / 1e6 / seconds : 0,
    ]
    if global.json {
      let data = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
      print(String(decoding: data, as: UTF8.self))
    } else {
      print(
        String(
          format:
            "%d documents × %d columns, %d nonzeros (%.2f%%), %.1f MB in %.2f s (%.1f MB/s) → %@",
          matrix.rows, matrix.columns, matrix.nonzeroCount, matrix.density * 100,
          Double(bytes) / 1e6, seconds, seconds > 0 ? Double(bytes) / 1e6 / seconds : 0, output))
    }
  }
}

/// Writes `{"term": column, …}` (scikit-learn's `vocabulary_`) atomically.
func writeVocabulary(_ vocabulary: Vocabulary, to url: URL) throws {
  try AtomicFile.write(vocabulary.jsonObject(), to: url)
}
