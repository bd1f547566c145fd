import ArgumentParser
import Foundation
import SparseText

/// Where `vectorize` takes its columns from: a vocabulary learned from INPUT (the default), a
/// given one (`--vocabulary-in`) or a fitted bundle's (`--model`); and what it writes: TF-IDF
/// or counts.
extension Vectorize {
  /// `--model` and `--vocabulary-in` fix the columns, so they exclude each other, hashing and
  /// the pruning options.
  func validateFittedInputs() throws {
    if vectorizerOut != nil && hashing != nil {
      throw ValidationError("--hashing fits nothing to save; drop --vectorizer-out")
    }
    if vocabularyOut != nil && hashing != nil {
      throw ValidationError(
        "--hashing keeps no vocabulary (terms are hashed to columns), so --vocabulary-out would write nothing; drop it"
      )
    }
    if model != nil && vocabularyIn != nil {
      throw ValidationError("choose one of --model and --vocabulary-in")
    }
    let fixed = model != nil ? "--model" : vocabularyIn != nil ? "--vocabulary-in" : nil
    guard let fixed else { return }
    if hashing != nil {
      throw ValidationError("\(fixed) gives the columns; drop --hashing")
    }
    // The bundle's vectorizer fixes the tokenizer, the columns and the weighting: every
    // vectorizer option is refused alike (none would be used).
    if model != nil, let first = vectorizer.given.first {
      throw ValidationError(
        "--model vectorizes exactly as the bundle's vectorizer does (its tokenizer, vocabulary and weighting); drop \(first)"
      )
    }
    let pruning = [
      ("--min-df", vectorizer.minDf != nil), ("--max-df", vectorizer.maxDf != nil),
      ("--max-features", vectorizer.maxFeatures != nil),
    ].filter(\.1).map(\.0)
    if let first = pruning.first {
      throw ValidationError("\(fixed) keeps every term of its vocabulary; drop \(first)")
    }
  }

  /// `--dtype`, or int64 for counts.
  var valueType: SparseRowWriter.ValueType {
    dtype ?? (counts ? .int64 : .float32)
  }

  /// TF-IDF stored as float64 is computed in Double (idf, sublinear tf, weights and norm), as
  /// scikit-learn computes it for `dtype=np.float64`; float32 features are computed as always.
  var weightsInDouble: Bool { valueType == .float64 && !counts }

  /// `--dtype int64` holds whole numbers only: counts.
  func validateValueType() throws {
    if dtype == .int64 && !counts {
      throw ValidationError(
        "--dtype int64 holds counts only; add --counts or choose float32/float64")
    }
  }

  /// `--vectorizer-out` as a bundle directory output.
  var vectorizerOutDirectory: [OutputPlan.Directory] {
    vectorizerOut.map {
      [
        .init(
          name: "--vectorizer-out", path: $0, formats: [TextFeaturePipeline.formatName],
          entries: TextFeaturePipeline.bundleEntries)
      ]
    } ?? []
  }

  /// Vectorizes with fixed columns (`--model` or `--vocabulary-in`), reading the input block by
  /// block: with `--model` (or `--counts`) each block is written as soon as it is vectorized;
  /// with `--vocabulary-in` the idf is fitted on the whole input, so the blocks' counts are kept
  /// (the output's size) and weighted and written once every block is read. Memory holds one
  /// block of text, never the corpus.
  func runFixedColumns() throws {
    var timer = PhaseTimer()
    let configuration = try vectorizer.tfidf()
    let bundled: TfidfVectorizer?
    let counter: CountVectorizer
    if let model {
      bundled = try TextFeaturePipeline.bundle(
        at: model, for: "vectorize --model", as: "--model"
      ).vectorizer
      counter = bundled!.counter
    } else {
      let vocabularyIn = vocabularyIn ?? ""
      try RunPaths.read(vocabularyIn, as: "--vocabulary-in")
      let vocabulary = try Vocabulary(contentsOf: URL(fileURLWithPath: vocabularyIn))
      try TokenizerWarnings.check(configuration.counting.tokenizer, vocabulary: vocabulary)
      bundled = nil
      counter = try CountVectorizer(vocabulary: vocabulary, configuration: configuration.counting)
    }
    let vocabulary = counter.vocabulary
    let columns = vocabulary.count
    let writer = try SparseRowWriter(
      url: URL(fileURLWithPath: output), columns: columns, valueType: valueType)
    let labelsWriter = try labelsOut.map { try StreamingFileWriter(url: URL(fileURLWithPath: $0)) }
    // The idf is fitted on INPUT for TF-IDF with --vocabulary-in, and for the bundle that
    // --vectorizer-out saves after --counts: each column's document frequency, block by block.
    let fitsIDF = bundled == nil && (!counts || vectorizerOut != nil)
    var documentFrequency = [Double](repeating: 0, count: fitsIDF ? columns : 0)
    var documents = 0
    // Counts waiting for the idf (TF-IDF with --vocabulary-in), with their rows' labels.
    var waiting: [(counts: SparseMatrix, labels: [String]?)] = []
    var bytes = 0
    var seconds = 0.0
    var blocks = BlockAccumulator<LabeledDocument>(size: 4096) { block in
      let started = Date()
      let texts = block.map(\.text)
      let known = block.compactMap(\.label)
      let labels = known.count == block.count ? known : nil
      try labelsWriter?.append(block.map { ($0.label ?? "") + "\n" }.joined())
      documents += block.count
      if let bundled, !counts {
        if weightsInDouble {
          // The bundle's idf is float32 (a model is): widened; the rest is computed in Double.
          let (x, values) = try bundled.doubleFeatures(texts)
          seconds += Date().timeIntervalSince(started)
          try writer.append(x, doubleValues: values, labels: labels)
        } else {
          let x = try bundled.transform(texts)
          seconds += Date().timeIntervalSince(started)
          try writer.append(x, labels: labels)
        }
        return
      }
      let x = try counter.transform(texts)
      if fitsIDF {
        for column in x.columnIndices { documentFrequency[Int(column)] += 1 }
      }
      seconds += Date().timeIntervalSince(started)
      if counts {
        try writer.append(x, labels: labels)
      } else {
        waiting.append((x, labels))
      }
    }
    try input.forEachDocument { document in
      bytes += document.text.utf8.count
      try blocks.append(document)
    }
    try blocks.finish()
    guard documents > 0 else {
      throw DataError.noDocuments(source: input.input)
    }
    timer.lap(waiting.isEmpty ? "read+vectorize" : "read+count")
    var fitted = bundled
    if fitsIDF {
      let started = Date()
      let transformer = TfidfTransformer(
        documentFrequency: documentFrequency, documents: documents,
        configuration: configuration.weighting)
      fitted = try TfidfVectorizer(
        vocabulary: vocabulary, idf: transformer.idf, configuration: configuration)
      // Each block's counts are weighted, written and let go in turn.
      for k in waiting.indices {
        let (x, labels) = waiting[k]
        waiting[k].counts = try SparseMatrix(zeros: 0, columns: columns)
        if weightsInDouble {
          try writer.append(x, doubleValues: try transformer.doubleValues(x), labels: labels)
        } else {
          try writer.append(try transformer.transform(x), labels: labels)
        }
      }
      seconds += Date().timeIntervalSince(started)
      timer.lap("weight")
    }
    // Every output is written to its temporary file, then all are put in place together.
    let commit = OutputCommit()
    try writer.finish(in: commit)
    try labelsWriter?.finish(in: commit)
    if let vocabularyOut {
      try writeVocabulary(vocabulary, to: URL(fileURLWithPath: vocabularyOut), in: commit)
    }
    if let vectorizerOut, let fitted {
      try fitted.write(to: URL(fileURLWithPath: vectorizerOut), in: commit)
    }
    try commit.commit()
    timer.lap("write")
    timer.report()
    try report(
      rows: writer.rows, columns: columns, nonzeros: writer.nonzeros, bytes: bytes,
      seconds: seconds)
  }

  /// The TF-IDF vectorizer of a count matrix's columns, its idf fitted on the counts (what
  /// `--vectorizer-out` saves after `--counts`).
  func weighting(
    _ counts: SparseMatrix, vocabulary: Vocabulary, configuration: TfidfVectorizer.Configuration
  ) throws -> TfidfVectorizer {
    let idf =
      vectorizerOut == nil
      ? [Float](repeating: 1, count: vocabulary.count)
      : TfidfTransformer(fitting: counts, configuration: configuration.weighting).idf
    return try TfidfVectorizer(vocabulary: vocabulary, idf: idf, configuration: configuration)
  }

  /// TF-IDF of a count matrix computed in Double (``weightsInDouble``): the vectorizer of its
  /// columns, its idf fitted on the counts (the float32 idf a bundle saves), and each stored
  /// entry's value, weighted with the idf as fitted in Double.
  func doubleWeighting(
    _ counts: SparseMatrix, vocabulary: Vocabulary, configuration: TfidfVectorizer.Configuration
  ) throws -> (vectorizer: TfidfVectorizer, values: [Double]) {
    let transformer = TfidfTransformer(fitting: counts, configuration: configuration.weighting)
    let fitted = try TfidfVectorizer(
      vocabulary: vocabulary, idf: transformer.idf, configuration: configuration)
    return (fitted, try transformer.doubleValues(counts))
  }
}
