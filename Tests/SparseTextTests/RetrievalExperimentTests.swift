import Foundation
import SparseText
import Testing

@testable import SparseTextExperiments

/// The retrieval experiment's parts against plain references: neighbour agreement (P@k, MAP)
/// against a double-precision loop, NMI against hand-derived values, k-means on separated
/// groups, the SVD against an exact decomposition, and a run on a tiny corpus.
@Suite struct RetrievalExperimentTests {
  /// P@k and MAP the plain way: every score in double precision, the corpus sorted by
  /// descending score then row.
  static func reference(
    queries: [[Double]], queryLabels: [Int], corpus: [[Double]], corpusLabels: [Int], k: Int
  ) -> (Double, Double) {
    func unit(_ v: [Double]) -> [Double] {
      let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
      return norm > 0 ? v.map { $0 / norm } : v
    }
    var precision = 0.0
    var apSum = 0.0
    var apCount = 0
    for (q, query) in queries.enumerated() {
      let u = unit(query)
      let scores = corpus.map { row in zip(unit(row), u).reduce(0) { $0 + $1.0 * $1.1 } }
      let order = scores.indices.sorted {
        scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1
      }
      let top = min(k, corpus.count)
      precision +=
        Double(order.prefix(top).filter { corpusLabels[$0] == queryLabels[q] }.count) / Double(top)
      var hits = 0
      var sum = 0.0
      for (rank, row) in order.enumerated() where corpusLabels[row] == queryLabels[q] {
        hits += 1
        sum += Double(hits) / Double(rank + 1)
      }
      if hits > 0 {
        apSum += sum / Double(hits)
        apCount += 1
      }
    }
    return (precision / Double(queries.count), apCount > 0 ? apSum / Double(apCount) : 0)
  }

  static func gaussianRows(_ rows: Int, _ columns: Int, seed: UInt64) -> [[Double]] {
    var generator = SeededGenerator(seed: seed)
    return (0..<rows).map { _ in (0..<columns).map { _ in generator.nextGaussian() } }
  }

  static func dense(_ rows: [[Double]]) throws -> EmbeddingRows {
    .dense(try DenseMatrix(rows: rows.map { $0.map(Float.init) }, columns: rows[0].count))
  }

  @Test(arguments: [(30, 300, 10), (7, 40, 3), (5, 12, 50)])
  func neighbourAgreementMatchesADoublePrecisionLoop(queries: Int, corpus: Int, k: Int) throws {
    let q = Self.gaussianRows(queries, 16, seed: UInt64(queries))
    let x = Self.gaussianRows(corpus, 16, seed: UInt64(corpus))
    var generator = SeededGenerator(seed: 3)
    let queryLabels = (0..<queries).map { _ in Int(generator.next() % 4) }
    // Label 4 is in no query, and label 3 in no corpus row for the small cases.
    let corpusLabels = (0..<corpus).map { _ in Int(generator.next() % (corpus > 20 ? 5 : 3)) }
    let found = RetrievalExperiment.neighbourAgreement(
      queries: try Self.dense(q).normalized(), queryLabels: queryLabels,
      corpus: try Self.dense(x).normalized(), corpusLabels: corpusLabels, k: k)
    let expected = Self.reference(
      queries: q, queryLabels: queryLabels, corpus: x, corpusLabels: corpusLabels, k: k)
    #expect(abs(found.precision - expected.0) < 1e-12)
    #expect(abs(found.meanAveragePrecision - expected.1) < 1e-12)
    // Sparse rows of the same values give the same answer.
    let sparse = RetrievalExperiment.neighbourAgreement(
      queries: .sparse(try Self.dense(q).normalized().denseMatrix.sparsified()),
      queryLabels: queryLabels,
      corpus: .sparse(try Self.dense(x).normalized().denseMatrix.sparsified()),
      corpusLabels: corpusLabels, k: k)
    #expect(abs(sparse.precision - expected.0) < 1e-12)
    #expect(abs(sparse.meanAveragePrecision - expected.1) < 1e-12)
  }

  /// One query, four corpus rows: two ties and a zero row, worked out by hand.
  @Test func averagePrecisionOfAHandWorkedRanking() throws {
    let query = try SparseMatrix(rows: [[(0, 1)]], columns: 2)
    // Scores 0.6, 1, 0.6, 0 (rows 0 and 2 tie: row 0 ranks first).
    let corpus = try SparseMatrix(
      rows: [[(0, 0.6), (1, 0.8)], [(0, 1)], [(0, 0.6), (1, 0.8)], []], columns: 2)
    // Ranking: row 1 (label 0), row 0 (label 1), row 2 (label 0), row 3 (label 0).
    let found = RetrievalExperiment.neighbourAgreement(
      queries: .sparse(query), queryLabels: [0], corpus: .sparse(corpus),
      corpusLabels: [1, 0, 0, 0], k: 2)
    #expect(found.precision == 0.5)
    #expect(abs(found.meanAveragePrecision - (1.0 + 2.0 / 3 + 3.0 / 4) / 3) < 1e-15)
  }

  @Test func normalizedMutualInformationOfHandWorkedLabellings() {
    #expect(KMeans.normalizedMutualInformation([0, 0, 1, 1, 2], ["a", "a", "b", "b", "c"]) == 1)
    #expect(KMeans.normalizedMutualInformation([0, 0, 1, 1], [0, 1, 0, 1]) == 0)
    #expect(KMeans.normalizedMutualInformation([0, 0, 0], [1, 1, 1]) == 1)
    // a = 0 0 1 1, b = 0 0 0 1: MI = ½ln(4/3) + ¼ln(2/3) + ¼ln 2; H(a) = ln 2;
    // H(b) = −(¾ln ¾ + ¼ln ¼).
    let mi = 0.5 * log(4.0 / 3) + 0.25 * log(2.0 / 3) + 0.25 * log(2.0)
    let ha = log(2.0)
    let hb = -(0.75 * log(0.75) + 0.25 * log(0.25))
    #expect(
      abs(KMeans.normalizedMutualInformation([0, 0, 1, 1], [0, 0, 0, 1]) - mi / ((ha + hb) / 2))
        < 1e-15)
  }

  @Test func kMeansFindsSeparatedGroupsTheSameForEverySeedAndLayout() throws {
    // Three groups around orthogonal directions, 20 rows each.
    var generator = SeededGenerator(seed: 7)
    var rows: [[Double]] = []
    var truth: [Int] = []
    for i in 0..<60 {
      let group = i % 3
      var row = (0..<12).map { _ in 0.05 * generator.nextGaussian() }
      for j in 0..<4 { row[group * 4 + j] += 1 }
      rows.append(row)
      truth.append(group)
    }
    let dense = try Self.dense(rows).normalized()
    let sparse = EmbeddingRows.sparse(dense.denseMatrix.sparsified())
    for seed in UInt64(0)..<5 {
      let clusters = KMeans(clustering: dense, k: 3, seed: seed)
      #expect(KMeans.normalizedMutualInformation(clusters.assignments, truth) == 1)
      #expect(clusters.assignments == KMeans(clustering: dense, k: 3, seed: seed).assignments)
      #expect(clusters.assignments == KMeans(clustering: sparse, k: 3, seed: seed).assignments)
      #expect(clusters.iterations >= 1 && clusters.inertia < 60 * 0.05)
    }
    // More clusters than groups still assigns every row to one of k clusters.
    let many = KMeans(clustering: dense, k: 7, seed: 1)
    #expect(Set(many.assignments).count == 7)
  }

  /// The randomized SVD's singular values are the exact ones (eigenvalues of XᵀX by Jacobi),
  /// and with every component kept the projection keeps the training rows' inner products.
  @Test func theProjectionIsTheTruncatedSVD() throws {
    var generator = SeededGenerator(seed: 11)
    let rows = 40
    let columns = 25
    let entries: [[(column: Int, value: Float)]] = (0..<rows).map { _ in
      (0..<columns).compactMap { c in
        generator.nextDouble() < 0.3 ? (c, Float(generator.nextDouble() + 0.1)) : nil
      }
    }
    let x = try SparseMatrix(rows: entries, columns: columns)
    let dense = x.densified()
    var gram = [Double](repeating: 0, count: columns * columns)
    for r in 0..<rows {
      for i in 0..<columns {
        for j in 0..<columns { gram[i * columns + j] += Double(dense[r, i]) * Double(dense[r, j]) }
      }
    }
    let exact = NoveltyBaselines.TruncatedSVD.symmetricEigen(gram, size: columns).0.sorted(by: >)
      .map { $0.squareRoot() }
    let svd = LatentSemanticProjection(fitting: x, components: 5, seed: 1)
    #expect(svd.components == 5)
    for (found, expected) in zip(svd.singularValues, exact) {
      #expect(abs(found - expected) <= 1e-4 * exact[0], "\(found) vs \(expected)")
    }
    let full = LatentSemanticProjection(fitting: x, components: columns, seed: 1)
    let projected = full.transform(x)
    for (a, b) in [(0, 1), (3, 17), (39, 39)] {
      var original = 0.0
      var kept = 0.0
      for c in 0..<columns { original += Double(dense[a, c]) * Double(dense[b, c]) }
      for c in 0..<projected.columns {
        kept += Double(projected[a, c]) * Double(projected[b, c])
      }
      #expect(abs(original - kept) < 1e-4)
    }
    // Dependent columns (a repeated column) are handled: no more components than the rank.
    let twice = try SparseMatrix(
      rows: entries.map { $0 + $0.map { (column: $0.column + columns, value: $0.value) } },
      columns: 2 * columns)
    let repeated = LatentSemanticProjection(fitting: twice, components: 2 * columns, seed: 1)
    #expect(repeated.components <= columns)
    #expect(abs(repeated.singularValues[0] - 2.0.squareRoot() * exact[0]) <= 1e-4 * exact[0])
  }

  @Test func aRunMeasuresEveryRepresentationReproducibly() throws {
    let words = [
      ["match", "goal", "team", "season", "coach", "league", "cup", "striker"],
      ["bank", "shares", "profit", "market", "rates", "investors", "growth", "bond"],
      ["album", "band", "singer", "chart", "tour", "guitar", "song", "stage"],
    ]
    let labels = ["sport", "money", "music"]
    func documents(_ count: Int, offset: Int) -> [LabeledDocument] {
      (offset..<(offset + count)).map { i in
        let topic = i % 3
        let text = (0..<5).map { words[topic][(i + 3 * $0) % 8] }.joined(separator: " ")
        return LabeledDocument(id: "\(i)", text: text, labels: [labels[topic]])
      }
    }
    let train = documents(60, offset: 0)
    let test = documents(21, offset: 60)
    let configuration = RetrievalExperiment.Configuration(
      autoencoder: .init(hiddenUnits: 6, epochs: 3, batchSize: 8, seed: 2), svdComponents: 8,
      clusteringRuns: 3, probeExamplesPerClass: 2, probeDraws: 4)
    let result = try RetrievalExperiment(configuration).run(train: train, test: test)
    #expect(result.arms.map(\.name) == ["tfidf", "svd_8", "codes", "codes_raw"])
    #expect(result.arms.map(\.dimension) == [result.vocabularySize, 8, 6, 6])
    #expect(result.classes == 3 && result.trainDocuments == 60 && result.testDocuments == 21)
    for arm in result.arms {
      #expect((0...1).contains(arm.precisionAtK) && (0...1).contains(arm.meanAveragePrecision))
      #expect(arm.nmi.count == 3 && arm.probeAccuracy.count == 4)
      #expect(arm.nmi.allSatisfy { (0...1).contains($0) })
    }
    // The topics share no word: TF-IDF neighbours and clusters are perfect.
    #expect(result.arms[0].precisionAtK == 1 && result.arms[0].meanAveragePrecision == 1)
    #expect(result.arms[0].nmi.allSatisfy { $0 > 0.999 })
    #expect(try RetrievalExperiment(configuration).run(train: train, test: test) == result)
    let report = RetrievalReport(
      result: result, configuration: configuration,
      data: ReportData(source: "topics", documents: train + test, parts: [(train, test)]))
    #expect(report.table.contains("P@10") && report.table.contains("svd_8"))
    #expect(throws: ConfigurationError.self) {
      try RetrievalExperiment(.init(svdComponents: 0)).run(train: train, test: test)
    }
  }
}

extension EmbeddingRows {
  /// The dense matrix of dense rows.
  var denseMatrix: DenseMatrix {
    if case .dense(let x) = self { return x }
    preconditionFailure("sparse rows")
  }
}
