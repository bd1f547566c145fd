import Foundation
import SparseTextExperiments
import Testing

@testable import SparseText

@Suite struct ROCTests {
  @Test func aucCountsPairsAndHalvesTies() {
    #expect(ROC.auc(scores: [0.1, 0.4, 0.35, 0.8], positives: [false, true, false, true]) == 1)
    #expect(ROC.auc(scores: [0.9, 0.4, 0.35, 0.1], positives: [false, true, false, true]) == 0.25)
    // Positives {1, 2}, negatives {1, 0}: pairs 0.5 + 1 + 1 + 1 over 4.
    #expect(ROC.auc(scores: [1, 1, 2, 0], positives: [true, false, true, false]) == 0.875)
    // All tied: one half.
    #expect(ROC.auc(scores: [3, 3, 3], positives: [true, false, false]) == 0.5)
    #expect(ROC.auc(scores: [1, 2], positives: [true, true]) == nil)
  }

  @Test func curveRunsFromOriginToOneOne() {
    let curve = ROC.curve(scores: [1, 1, 2, 0], positives: [true, false, true, false])
    #expect(curve.first! == (0, 0))
    #expect(curve.last! == (1, 1))
    #expect(curve.map(\.truePositiveRate) == [0, 0.5, 1, 1])
    #expect(ROC.truePositiveRate(curve, at: 0.25) == 0.75)
  }
}

@Suite struct AnomalyScoresTests {
  static let common = ["market", "shares", "profit", "bank", "rates", "growth", "bond", "fund"]
  static let rare = ["zebra", "walrus", "yak", "otter"]

  /// 60 documents over the common terms, and two that hold the rare terms (so they are in the
  /// vocabulary, min_df 2, but barely trained on).
  static func corpus() -> [String] {
    var texts = (0..<60).map { i in
      (0..<5).map { common[(i + 3 * $0) % common.count] }.joined(separator: " ")
    }
    texts.append("market zebra walrus yak otter")
    texts.append("shares zebra walrus yak otter")
    return texts
  }

  /// The reconstruction scores are what these tests examine: the bundle stores the own-terms
  /// error's distribution (the default, said explicitly).
  static let configuration = TextFeaturePipeline.Configuration(
    autoencoder: .init(hiddenUnits: 6, epochs: 30, batchSize: 8), classifier: nil,
    anomalyScore: .ownTermsError)

  @Test func theCodeDeficitIsTheNegatedCodeMass() throws {
    #expect(TextFeaturePipeline.Configuration().anomalyScore == .ownTermsGeometricMean)
    let pipeline = try TextFeaturePipeline(
      fitting: Self.corpus(),
      configuration: .init(
        autoencoder: .init(hiddenUnits: 6, epochs: 3, batchSize: 8), classifier: nil,
        anomalyScore: .codeDeficit))
    let scores = try pipeline.anomalyScores(for: ["market shares", "bank rates"])
    #expect(scores.method == .codeDeficit)
    #expect(scores.scores == scores.codeMass.map { -$0 })
  }

  @Test func geometricMeanCombinesTheRelativeOwnTermsErrorAndItsAngle() {
    // Norms 1, 4 and 0 (a document without a vocabulary term).
    let scores = AnomalyScores(
      method: .ownTermsGeometricMean, squaredError: [0.6, 3, 0], squaredNorm: [1, 4, 0],
      ownTermsError: [0.5, 2, 0], cosineDistance: [0.2, 0.6, 1],
      ownTermsCosineDistance: [0.18, 0.5, 1], codeMass: [1, 2, 3], termCounts: [3, 5, 0],
      threshold: 0.4)
    let expected = [(0.5 * 0.18).squareRoot(), (2.0 / 4 * 0.5).squareRoot(), 1]
    for (a, b) in zip(scores.scores, expected) { #expect(abs(a - b) <= 1e-12, "\(a) vs \(b)") }
    #expect(scores.outliers == [false, true, true])
    #expect(scores.isOutlier(1) && !scores.isOutlier(0))
    #expect(scores.values(.ownTermsCosineDistance) == [0.18, 0.5, 1])
  }

  @Test func ownTermsCosineDistanceMatchesTheDecodedTerms() throws {
    let pipeline = try TextFeaturePipeline(
      fitting: Self.corpus(), configuration: Self.configuration)
    let documents = ["market shares profit bank", "zebra walrus yak otter", "bank"]
    let x = try pipeline.features(for: documents)
    let autoencoder = try #require(pipeline.autoencoder)
    let decoded = try autoencoder.decode(try autoencoder.encode(x))
    let scores = try pipeline.anomalyScorer().scores(for: x)
    for r in 0..<x.rows {
      var dot = 0.0
      var own = 0.0
      var norm = 0.0
      for p in x.storageRange(ofRow: r) {
        let v = Double(x.values[p])
        let xhat = Double(decoded.values[r * x.columns + Int(x.columnIndices[p])])
        dot += v * xhat
        own += xhat * xhat
        norm += v * v
      }
      let expected = 1 - dot / (own * norm).squareRoot()
      #expect(abs(scores.ownTermsCosineDistance[r] - expected) <= 1e-5, "row \(r)")
    }
    // One term: x̂ at it points along x or against it, so the distance is 0 or 2.
    let single = scores.ownTermsCosineDistance[2]
    #expect(abs(single) <= 1e-6 || abs(single - 2) <= 1e-6, "\(single)")
  }

  @Test func configurationsWithoutAnAnomalyScoreKeepTheOwnTermsError() throws {
    let encoder = JSONEncoder()
    let current = TextFeaturePipeline.Configuration()
    #expect(current.anomalyScore == .ownTermsGeometricMean)
    var object =
      try JSONSerialization.jsonObject(with: encoder.encode(current)) as! [String: Any]
    #expect(object["anomaly_score"] as? String == "ownTermsGeometricMean")
    // A bundle written before the key existed was scored with the own-terms error.
    object["anomaly_score"] = nil
    let older = try JSONDecoder().decode(
      TextFeaturePipeline.Configuration.self,
      from: JSONSerialization.data(withJSONObject: object))
    #expect(older.anomalyScore == .ownTermsError)
  }

  @Test func documentsOfRareTermsScoreHigherThanDocumentsOfCommonOnes() throws {
    let pipeline = try TextFeaturePipeline(
      fitting: Self.corpus(), configuration: Self.configuration)
    let scores = try pipeline.anomalyScores(for: [
      "market shares profit bank", "zebra walrus yak otter",
    ])
    #expect(scores.method == .ownTermsError)
    for method in [
      AnomalyScores.Method.squaredError, .cosineDistance, .ownTermsError, .ownTermsGeometricMean,
    ] {
      let values = scores.values(method)
      #expect(values[0] < values[1], "\(method): \(values)")
    }
    #expect(scores.termCounts == [4, 4])
  }

  @Test func gramShortcutMatchesTheDenseReconstruction() throws {
    let pipeline = try TextFeaturePipeline(
      fitting: Self.corpus(), configuration: Self.configuration)
    let x = try pipeline.features(for: Self.corpus() + ["no known words", "bank"])
    let fast = try pipeline.anomalyScorer().scores(for: x)
    let dense = try AnomalyScorer(
      pipeline: pipeline, autoencoder: pipeline.autoencoder!, threshold: nil, dense: true
    )
    .scores(for: x)
    // A matrix of another width is refused, not read misaligned.
    #expect(throws: DataError.self) {
      try pipeline.anomalyScorer().scores(for: try SparseMatrix(zeros: 1, columns: x.columns + 1))
    }
    #expect(fast.termCounts.suffix(2) == [0, 1])
    for method in AnomalyScores.Method.allCases {
      for (a, b) in zip(fast.values(method), dense.values(method)) {
        #expect(abs(a - b) <= 1e-4 * max(1, abs(b)), "\(method): \(a) vs \(b)")
      }
    }
    // The squared error agrees with the autoencoder's own metric.
    let mean = fast.squaredError.reduce(0, +) / Double(x.rows)
    let metric = try pipeline.autoencoder!.metrics(on: x).halfSquaredErrorPerDocument * 2
    #expect(abs(mean - metric) <= 1e-4 * max(1, metric))
    // A document without a vocabulary term explains nothing.
    #expect(fast.cosineDistance[x.rows - 2] == 1 && fast.relativeError[x.rows - 2] == 1)
    // Enough rows to be split over cores: every row keeps its own scores, in order.
    let corpus = Self.corpus()
    let repeated = try pipeline.anomalyScorer().scores(
      for: pipeline.features(for: Array(repeating: corpus, count: 8).flatMap { $0 }))
    let single = try pipeline.anomalyScorer().scores(for: pipeline.features(for: corpus))
    #expect(repeated.count == 8 * corpus.count)
    for i in stride(from: 0, to: repeated.count, by: 7) {
      #expect(repeated.scores[i] == single.scores[i % corpus.count], "row \(i)")
    }
  }

  @Test func trainingScoresGiveTheThresholdAndSurviveTheBundle() throws {
    let texts = Self.corpus()
    let pipeline = try TextFeaturePipeline(fitting: texts, configuration: Self.configuration)
    let stored = try #require(pipeline.trainingScores)
    #expect(stored.sortedValues.count == texts.count)
    let scores = try pipeline.anomalyScores(for: texts)
    let threshold = try #require(scores.threshold)
    #expect(abs(threshold - stored.quantile(0.99)) < 1e-12)
    // 62 rows, too few to hold any out: the reference is every training row, and the 0.99
    // quantile's rank 0.99 · 63 lies past the last, so the threshold is the highest score.
    #expect(stored.reference?.heldOut == false && stored.reference?.documents == texts.count)
    #expect(threshold == Double(stored.sortedValues.last!))
    #expect(scores.outliers.allSatisfy { !$0 })
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-anomaly-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: url) }
    try pipeline.write(to: url)
    let loaded = try TextFeaturePipeline(contentsOf: url)
    #expect(loaded.trainingScores == stored)
    #expect(try loaded.anomalyScores(for: texts).threshold == threshold)
    #expect(
      try loaded.anomalyScores(for: texts, outlierQuantile: 0.5).threshold == stored.quantile(0.5))
    // Without stored scores: it still scores, with no threshold unless one is given.
    let bare = TextFeaturePipeline(
      configuration: pipeline.configuration, vectorizer: pipeline.vectorizer,
      autoencoder: pipeline.autoencoder, codeScaler: pipeline.codeScaler, classifier: nil)
    try bare.write(to: url)
    let old = try TextFeaturePipeline(contentsOf: url)
    #expect(old.trainingScores == nil)
    let unscored = try old.anomalyScores(for: texts)
    #expect(unscored.threshold == nil && unscored.outliers.allSatisfy { !$0 })
    #expect(unscored.scores == scores.scores)
    #expect(try old.anomalyScores(for: texts, threshold: 0).outliers.contains(true))
    #expect(throws: ConfigurationError.self) {
      try old.anomalyScores(for: texts, outlierQuantile: 1.5)
    }
  }

  @Test func distributionKeepsAThousandEvenlySpacedValues() throws {
    let distribution = try AnomalyScores.Distribution((0..<5001).map { Float($0) })
    #expect(distribution.sortedValues.count == 1000)
    #expect(distribution.sortedValues.first == 0 && distribution.sortedValues.last == 5000)
    #expect(abs(distribution.quantile(0.5) - 2500) <= 3)
    #expect(try AnomalyScores.Distribution([3, 1, 2]).quantile(0.25) == 1.5)
    #expect(throws: ConfigurationError.self) { try AnomalyScores.Distribution([]) }
  }

  /// A reference counting more documents than any corpus (a damaged bundle's `documents`) is
  /// refused; at the bound, quantiles stay exact (the mutation fuzzer found a trap converting a
  /// count near `Int.max` back from a `Double`).
  @Test func aReferenceOfImpossiblyManyDocumentsIsRefused() throws {
    for documents in [Int.max, AnomalyScores.Distribution.maximumDocuments + 1] {
      #expect(throws: ConfigurationError.self) {
        try AnomalyScores.Distribution(
          [1, 2, 3], reference: .init(heldOut: true, documents: documents, withoutKnownTerms: 0))
      }
    }
    let largest = try AnomalyScores.Distribution(
      [1, 2, 3],
      reference: .init(
        heldOut: true, documents: AnomalyScores.Distribution.maximumDocuments,
        withoutKnownTerms: 0))
    // The 0.99 quantile of 2^40 documents thinned to three values: 99% of the way from the
    // first to the last, on the line through them.
    #expect(abs(largest.quantile(0.99) - 2.98) < 1e-6)
    #expect(largest.quantile(0) == 1)
  }

  @Test func truncatedSVDBaselineReconstructsItsTrainingRowsAtFullRank() throws {
    let x = try TfidfVectorizer.fitTransform(Self.corpus(), configuration: .init()).1
    let full = NoveltyBaselines.TruncatedSVD(training: x, components: 62)
    let errors = full.reconstructionError(x)
    #expect(errors.allSatisfy { $0 < 1e-3 }, "\(errors.max()!)")
    let rankOne = NoveltyBaselines.TruncatedSVD(training: x, components: 1)
    #expect(rankOne.reconstructionError(x).reduce(0, +) > 1)
    let nn = NoveltyBaselines.nearestNeighbourDistance(x, training: x)
    #expect(nn.allSatisfy { abs($0) < 1e-5 })
  }
}
