import Foundation
import Testing

@testable import SparseText

/// The outlier threshold's reference (issue 25 item 2): documents the autoencoder held out,
/// scored as if they were new, a quantile at the Weibull position, and documents without a
/// known term counted apart.
@Suite struct OutlierReferenceTests {
  /// 20 values 1…20: with a reference, the 0.9 quantile is at rank 0.9 · 21 = 18.9 (1-based),
  /// so a new value from the same source exceeds it with probability 0.1; without one, NumPy's
  /// linear rule (rank 1 + 0.9 · 19 = 18.1).
  @Test func quantilesAtTheWeibullPosition() throws {
    let values = (1...20).map(Float.init)
    let plain = try AnomalyScores.Distribution(values)
    #expect(abs(plain.quantile(0.9) - 18.1) < 1e-9)
    let held = try AnomalyScores.Distribution(
      values, reference: .init(heldOut: true, documents: 20, withoutKnownTerms: 0))
    #expect(abs(held.quantile(0.9) - 18.9) < 1e-9)
    #expect(held.quantile(0.999) == 20 && held.quantile(0.01) == 1)
    // Thinned to the capacity, the position still counts every document.
    let many = (0..<10_001).map(Float.init)
    let thinned = try AnomalyScores.Distribution(
      many, reference: .init(heldOut: true, documents: 10_001, withoutKnownTerms: 0))
    #expect(thinned.sortedValues.count == AnomalyScores.Distribution.capacity)
    #expect(abs(thinned.quantile(0.99) - 9_900.98) < 6)
    // A reference must count at least its values, and a share in [0, 1].
    #expect(throws: ConfigurationError.self) {
      try AnomalyScores.Distribution(
        values, reference: .init(heldOut: true, documents: 3, withoutKnownTerms: 0))
    }
    #expect(throws: ConfigurationError.self) {
      try AnomalyScores.Distribution(
        values, reference: .init(heldOut: true, documents: 20, withoutKnownTerms: 1.5))
    }
  }

  /// Documents without a known term are outliers when they were rarer than `1 − q` among the
  /// reference documents; an explicit threshold compares their score like any other.
  @Test func documentsWithoutKnownTermsFollowTheirShare() throws {
    let values = (1...20).map(Float.init)
    let rare = try AnomalyScores.Distribution(
      values, reference: .init(heldOut: true, documents: 20, withoutKnownTerms: 0))
    let common = try AnomalyScores.Distribution(
      values, reference: .init(heldOut: true, documents: 25, withoutKnownTerms: 0.2))
    #expect(rare.flagsDocumentsWithoutKnownTerms(at: 0.99) == true)
    #expect(common.flagsDocumentsWithoutKnownTerms(at: 0.99) == false)
    #expect(common.flagsDocumentsWithoutKnownTerms(at: 0.7) == true)
    #expect(try AnomalyScores.Distribution(values).flagsDocumentsWithoutKnownTerms(at: 0.99) == nil)
    func scores(_ flags: Bool?) -> AnomalyScores {
      AnomalyScores(
        method: .cosineDistance, squaredError: [0, 1], squaredNorm: [0, 1], ownTermsError: [0, 1],
        cosineDistance: [1, 0.5], ownTermsCosineDistance: [1, 0.5], codeMass: [1, 1],
        termCounts: [0, 3], threshold: 0.9, flagsDocumentsWithoutKnownTerms: flags)
    }
    #expect(scores(nil).outliers == [true, false])  // its score 1 is above 0.9
    #expect(scores(false).outliers == [false, false])
    #expect(scores(true).with(threshold: 2).outliers == [false, false])
  }

  /// Held-out rows keep only the terms the other rows would have put in the vocabulary,
  /// weighted by the idf the other rows give, and are normalized again.
  @Test func heldOutRowsLoseTheTermsOnlyTheyBroughtIn() throws {
    // Column 0 is in every row; column 1 in rows 0 and 1; column 2 in rows 1, 2 and 3.
    let x = try SparseMatrix(
      rows: [
        [(0, 0.6), (1, 0.8)], [(0, 0.6), (1, 0.48), (2, 0.64)], [(0, 0.6), (2, 0.8)],
        [(0, 0.6), (2, 0.8)],
      ], columns: 3)
    let vectorizer = try TfidfVectorizer.fitTransform(
      ["aa bb", "aa bb cc", "aa cc", "aa cc"],
      configuration: .init(counting: .init(minDocumentFrequency: .count(2)))
    ).vectorizer
    let unseen = TextFeaturePipeline.asIfUnseen(x, rows: [0, 3], vectorizer: vectorizer)
    // Row 0: column 1 is used by one other row only (below 2), so it goes; column 0 stays.
    // Row 3: column 2 is used by two other rows, so it stays, with the other rows' idf.
    #expect(unseen.rows == 2)
    #expect(Array(unseen.columnIndices) == [0, 0, 2])
    #expect(abs(unseen.values[0] - 1) < 1e-6)
    // Column 2's idf without rows 0 and 3 (2 of 2 other rows) is 1, against ln(5/4) + 1 with
    // them (3 of 4 rows); column 0's is 1 either way. Then the row is normalized again.
    let weighted = 0.8 / (log(5.0 / 4) + 1)
    let length = (0.36 + weighted * weighted).squareRoot()
    #expect(abs(Double(unseen.values[1]) - 0.6 / length) < 1e-6)
    #expect(abs(Double(unseen.values[2]) - weighted / length) < 1e-6)
  }

  /// A fit with enough rows calibrates on its validation slice and records it in the bundle.
  @Test func aFitCalibratesOnItsHeldOutRows() throws {
    let words = (0..<40).map { "w\($0)" }
    let texts = (0..<600).map { i in
      (0..<6).map { words[(i * 7 + $0 * 3) % words.count] }.joined(separator: " ")
    }
    let pipeline = try TextFeaturePipeline(
      fitting: texts,
      configuration: .init(
        vectorizer: .init(counting: .init(minDocumentFrequency: .count(2))),
        autoencoder: .init(hiddenUnits: 8, epochs: 3), classifier: nil))
    let stored = try #require(pipeline.trainingScores)
    let reference = try #require(stored.reference)
    #expect(reference.heldOut && reference.documents == 60)
    #expect(stored.sortedValues.count == 60 && reference.withoutKnownTerms == 0)
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-reference-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: url) }
    try pipeline.write(to: url)
    #expect(try TextFeaturePipeline(contentsOf: url).trainingScores == stored)
  }
}
