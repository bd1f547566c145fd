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

  /// The matrix of `texts` (TF-IDF, or counts with `--counts`), its values in Double when
  /// they are computed in Double (``weightsInDouble``), and the vectorizer whose columns it has.
  /// Documents are vectorized here only with fixed columns (`--model` or `--vocabulary-in`).
  func vectorize(_ texts: [String]) throws -> (
    matrix: SparseMatrix, doubleValues: [Double]?, vectorizer: TfidfVectorizer
  ) {
    if let model {
      let fitted = try TextFeaturePipeline.bundle(
        at: model, for: "vectorize --model", as: "--model"
      ).vectorizer
      if weightsInDouble {
        // The bundle's idf is float32 (a model is): it is widened, the rest computed in Double.
        let (x, values) = try Terminal.withActivity("vectorizing") {
          try fitted.doubleFeatures(texts)
        }
        return (x, values, fitted)
      }
      let matrix = try Terminal.withActivity(counts ? "counting" : "vectorizing") {
        counts ? try fitted.counter.transform(texts) : try fitted.transform(texts)
      }
      return (matrix, nil, fitted)
    }
    let configuration = try vectorizer.tfidf()
    if let vocabularyIn {
      try RunPaths.read(vocabularyIn, as: "--vocabulary-in")
      let vocabulary = try Vocabulary(contentsOf: URL(fileURLWithPath: vocabularyIn))
      try TokenizerWarnings.check(configuration.counting.tokenizer, vocabulary: vocabulary)
      if counts || weightsInDouble {
        let counter = try CountVectorizer(
          vocabulary: vocabulary, configuration: configuration.counting)
        let x = try Terminal.withActivity(counts ? "counting" : "vectorizing") {
          try counter.transform(texts)
        }
        if weightsInDouble {
          let (fitted, values) = try doubleWeighting(
            x, vocabulary: vocabulary, configuration: configuration)
          return (x, values, fitted)
        }
        return (x, nil, try weighting(x, vocabulary: vocabulary, configuration: configuration))
      }
      return try Terminal.withActivity("vectorizing") {
        let (fitted, x) = try TfidfVectorizer.fitTransform(
          texts, vocabulary: vocabulary, configuration: configuration)
        return (x, nil, fitted)
      }
    }
    if counts {
      let (fitted, x) = try Terminal.withActivity("counting") {
        try CountVectorizer.fitTransform(texts, configuration: configuration.counting)
      }
      return (
        x, nil, try weighting(x, vocabulary: fitted.vocabulary, configuration: configuration)
      )
    }
    if weightsInDouble {
      let (counter, x) = try Terminal.withActivity("vectorizing") {
        try CountVectorizer.fitTransform(texts, configuration: configuration.counting)
      }
      let (fitted, values) = try doubleWeighting(
        x, vocabulary: counter.vocabulary, configuration: configuration)
      return (x, values, fitted)
    }
    let (fitted, x) = try Terminal.withActivity("vectorizing") {
      try TfidfVectorizer.fitTransform(texts, configuration: configuration)
    }
    return (x, nil, fitted)
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
