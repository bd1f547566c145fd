import Foundation

extension TextFeaturePipeline {
  /// The fewest held-out documents an outlier threshold is calibrated on; with fewer, all the
  /// training documents are the reference (optimistic: the model has seen them).
  static let minimumHeldOut = 50

  /// The reference distribution of the outlier threshold.
  ///
  /// The documents the autoencoder held out of its training (`heldOut`, its validation slice)
  /// are scored as if they were new text: the vectorizer's vocabulary was counted with them,
  /// so a term only they (and fewer than the minimum document frequency of the others) use is
  /// in it, while a new document's such terms are not, and their terms' idf counts them. Each
  /// held-out row therefore keeps only the terms the other training rows would have put in the
  /// vocabulary, weighted by the idf those rows alone give, and is normalized again. Measured on the development corpora's test parts (default `fit --no-classifier`,
  /// quantile 0.99): the training documents' own scores flagged 5.4% (BBC) and 5.0% (CR) of
  /// unseen documents, the held-out rows without this correction 0.2% and 0.5%.
  ///
  /// With fewer than ``minimumHeldOut`` held-out rows every training row is the reference, as
  /// it is. Documents without a known term are counted apart (see
  /// ``AnomalyScores/Distribution/Reference``); `nil` when no document has one.
  static func referenceScores(_ scorer: AnomalyScorer, _ x: SparseMatrix, heldOut: [Int])
    -> AnomalyScores.Distribution?
  {
    let useHeldOut = heldOut.count >= minimumHeldOut
    let rows =
      useHeldOut
      ? asIfUnseen(x, rows: heldOut, vectorizer: scorer.pipeline.vectorizer)
      : x
    let scored = scorer.uncheckedScores(for: rows)
    let scores = scored.scores
    let known = (0..<scored.count).filter { scored.termCounts[$0] > 0 }
    return try? AnomalyScores.Distribution(
      known.map { Float(scores[$0]) },
      reference: .init(
        heldOut: useHeldOut, documents: scored.count,
        withoutKnownTerms: Double(scored.count - known.count) / Double(max(1, scored.count))))
  }

  /// `rows` of `x` with only the terms that the other rows of `x` use in at least the
  /// vectorizer's minimum document frequency, each weighted by the idf the other rows alone
  /// give it (instead of the idf all rows gave it) and the row normalized again as the
  /// vectorizer normalizes.
  static func asIfUnseen(_ x: SparseMatrix, rows: [Int], vectorizer: TfidfVectorizer)
    -> SparseMatrix
  {
    var frequency = [Int](repeating: 0, count: x.columns)
    for k in 0..<x.columnIndices.count { frequency[Int(x.columnIndices[k])] += 1 }
    for r in rows {
      for k in x.storageRange(ofRow: r) { frequency[Int(x.columnIndices[k])] -= 1 }
    }
    let others = x.rows - rows.count
    let minimum = vectorizer.configuration.counting.minDocumentFrequency.documents(
      outOf: others)
    let weighting = vectorizer.configuration.weighting
    let norm = weighting.norm
    // The idf the other rows alone give each term, against the one all rows gave it: a
    // held-out row's terms weigh what a new document's would.
    let smooth = weighting.smoothIDF ? 1.0 : 0.0
    func idf(_ df: Double, _ n: Int) -> Double { log((Double(n) + smooth) / (df + smooth)) + 1 }
    var allFrequency = [Int](repeating: 0, count: x.columns)
    for k in 0..<x.columnIndices.count { allFrequency[Int(x.columnIndices[k])] += 1 }
    var offsets: [Int64] = [0]
    var columns: [Int32] = []
    var values: [Float] = []
    offsets.reserveCapacity(rows.count + 1)
    for r in rows {
      let start = values.count
      for k in x.storageRange(ofRow: r)
      where Double(frequency[Int(x.columnIndices[k])]) >= minimum {
        let column = Int(x.columnIndices[k])
        var value = Double(x.values[k])
        if weighting.useIDF {
          value *=
            idf(Double(frequency[column]), others) / idf(Double(allFrequency[column]), x.rows)
        }
        columns.append(x.columnIndices[k])
        values.append(Float(value))
      }
      var length = 0.0
      for v in values[start...] {
        length += norm == .l1 ? Double(abs(v)) : Double(v) * Double(v)
      }
      if norm == .l2 { length = length.squareRoot() }
      if norm != .none && length > 0 {
        for k in start..<values.count { values[k] = Float(Double(values[k]) / length) }
      }
      offsets.append(Int64(values.count))
    }
    return SparseMatrix(
      uncheckedRows: rows.count, columns: x.columns, rowOffsets: offsets, columnIndices: columns,
      values: values)
  }
}
