import Foundation
import SparseText

/// Representations judged as embeddings are judged, on one labelled split: TF-IDF (cosine),
/// its rank-256 truncated SVD (LSA, computed here) and the autoencoder's codes (as the pipeline
/// hands them out, and raw when it standardizes them). For each:
///
/// - **neighbours**: each test document queries the training part by cosine similarity;
///   P@k is the share of its k nearest training documents that carry its label, MAP the mean
///   over test documents of the average precision of the whole ranking (same label = relevant;
///   ties ordered by training row);
/// - **clustering**: k-means (k = the test part's classes, k-means++, seeded) on the test
///   part's L2-normalized rows, scored by the normalized mutual information with the labels,
///   over several seeds;
/// - **few-shot probe**, as MTEB runs its classification tasks: logistic regression (C = 1,
///   100 iterations) fitted on 8 training documents per class, test accuracy, over 10 seeded
///   draws.
///
/// The vectorizer, SVD and autoencoder are fitted on the training text only.
package struct RetrievalExperiment: Sendable {
  /// Settings of the experiment.
  package struct Configuration: Codable, Sendable, Equatable {
    /// The vectorizer, fitted on the training text.
    package var vectorizer: TfidfVectorizer.Configuration
    /// The autoencoder; `nil` measures TF-IDF and SVD only.
    package var autoencoder: SparseAutoencoder.Configuration?
    /// How the pipeline hands codes out (the `codes` arm); with ``CodeScaler/Method/standardize``
    /// the raw codes are measured too (`codes_raw`).
    package var codeScaling: CodeScaler.Method
    /// Components of the SVD arm; 256 by default.
    package var svdComponents: Int
    /// The k of P@k; 10 by default.
    package var neighbors: Int
    /// Seeded k-means runs per representation; 10 by default.
    package var clusteringRuns: Int
    /// Labelled training documents per class of each probe draw; 8 by default (MTEB's).
    package var probeExamplesPerClass: Int
    /// Seeded probe draws; 10 by default (MTEB's).
    package var probeDraws: Int
    /// The probe's classifier: C = 1, at most 100 iterations by default (scikit-learn's
    /// `LogisticRegression(max_iter=100)`, as MTEB uses it).
    package var probeClassifier: LogisticRegression.Configuration
    /// The seed of the SVD, the k-means runs (seed, seed + 1, …) and the probe draws.
    package var seed: UInt64

    /// Creates a configuration; see each property for its default.
    package init(
      vectorizer: TfidfVectorizer.Configuration = TextFeaturePipeline.Configuration().vectorizer,
      autoencoder: SparseAutoencoder.Configuration? = .init(),
      codeScaling: CodeScaler.Method = TextFeaturePipeline.Configuration().codeScaling,
      svdComponents: Int = 256, neighbors: Int = 10, clusteringRuns: Int = 10,
      probeExamplesPerClass: Int = 8, probeDraws: Int = 10,
      probeClassifier: LogisticRegression.Configuration = .init(
        inverseRegularization: 1, maxIterations: 100),
      seed: UInt64 = 13
    ) {
      self.vectorizer = vectorizer
      self.autoencoder = autoencoder
      self.codeScaling = codeScaling
      self.svdComponents = svdComponents
      self.neighbors = neighbors
      self.clusteringRuns = clusteringRuns
      self.probeExamplesPerClass = probeExamplesPerClass
      self.probeDraws = probeDraws
      self.probeClassifier = probeClassifier
      self.seed = seed
    }

    enum CodingKeys: String, CodingKey {
      case vectorizer, autoencoder, neighbors, seed
      case codeScaling = "code_scaling"
      case svdComponents = "svd_components"
      case clusteringRuns = "clustering_runs"
      case probeExamplesPerClass = "probe_examples_per_class"
      case probeDraws = "probe_draws"
      case probeClassifier = "probe_classifier"
    }

    /// Checks the experiment's own fields.
    ///
    /// - Throws: ``ConfigurationError/outOfRange(field:value:allowed:)`` naming the field.
    package func validate() throws {
      guard svdComponents >= 1 else {
        throw ConfigurationError.outOfRange(
          field: .svdComponents, value: "\(svdComponents)", allowed: "1 or more")
      }
      guard neighbors >= 1 else {
        throw ConfigurationError.outOfRange(
          field: .k, value: "\(neighbors)", allowed: "1 or more")
      }
      for (value, what) in [
        (clusteringRuns, "clustering runs"), (probeExamplesPerClass, "probe examples per class"),
        (probeDraws, "probe draws"),
      ] where value < 1 {
        throw ConfigurationError.conflict(
          reason: "the retrieval experiment's \(what) are \(value)", suggestion: "Use 1 or more.")
      }
      try probeClassifier.validate()
    }
  }

  /// One representation's results.
  package struct ArmResult: Sendable, Codable, Equatable {
    /// `tfidf`, `svd_256`, `codes` or `codes_raw`.
    package var name: String
    /// The width of its rows.
    package var dimension: Int
    /// P@k of same-label neighbours, test against training part (0–1).
    package var precisionAtK: Double
    /// Mean average precision of same-label neighbours (0–1).
    package var meanAveragePrecision: Double
    /// NMI of each k-means run on the test part.
    package var nmi: [Double]
    /// Test accuracy of each probe draw.
    package var probeAccuracy: [Double]

    enum CodingKeys: String, CodingKey {
      case name, dimension, nmi
      case precisionAtK = "precision_at_k"
      case meanAveragePrecision = "mean_average_precision"
      case probeAccuracy = "probe_accuracy"
    }
  }

  /// Everything measured.
  package struct Result: Sendable, Codable, Equatable {
    /// One entry per representation, in the order above.
    package var arms: [ArmResult]
    /// The k of P@k.
    package var neighbors: Int
    /// Training documents (the corpus searched, the probe's pool).
    package var trainDocuments: Int
    /// Test documents (the queries, the clustered rows, the probe's test).
    package var testDocuments: Int
    /// Classes of the test part (k of k-means).
    package var classes: Int
    /// TF-IDF columns.
    package var vocabularySize: Int

    enum CodingKeys: String, CodingKey {
      case arms, neighbors, classes
      case trainDocuments = "train_documents"
      case testDocuments = "test_documents"
      case vocabularySize = "vocabulary_size"
    }
  }

  /// Progress.
  package enum Event: Sendable {
    /// A step started.
    case step(String)
    /// An autoencoder training event.
    case autoencoder(SparseAutoencoder.TrainingEvent)
  }

  /// The settings.
  package let configuration: Configuration

  /// Creates an experiment.
  package init(_ configuration: Configuration = .init()) { self.configuration = configuration }

  /// Fits on `train`'s text and measures every representation.
  ///
  /// - Throws: ``DataError`` for unlabelled documents or a single class,
  ///   ``ConfigurationError`` for an invalid configuration, and what fitting throws.
  package func run(
    train: [LabeledDocument], test: [LabeledDocument],
    progress: (@Sendable (Event) -> Void)? = nil
  ) throws -> Result {
    let c = configuration
    try c.validate()
    let trainLabels = try train.map { try Experiment.label(of: $0) }
    let testLabels = try test.map { try Experiment.label(of: $0) }
    guard Set(trainLabels).count >= 2 else {
      throw DataError.singleClass(label: trainLabels.first ?? "")
    }
    let testClasses = Set(testLabels).count
    guard !test.isEmpty else {
      throw DataError.tooFewDocuments(
        got: test.count, needed: 1, purpose: "the retrieval experiment's test part")
    }
    progress?(.step("vectorizer"))
    let (vectorizer, xTrain) = try TfidfVectorizer.fitTransform(
      train.map(\.text), configuration: c.vectorizer)
    let xTest = try vectorizer.transform(test.map(\.text))
    var arms: [(String, EmbeddingRows, EmbeddingRows)] = [
      ("tfidf", .sparse(xTrain), .sparse(xTest))
    ]
    progress?(.step("svd"))
    let svd = LatentSemanticProjection(
      fitting: xTrain, components: c.svdComponents, seed: c.seed)
    arms.append(
      ("svd_\(c.svdComponents)", .dense(svd.transform(xTrain)), .dense(svd.transform(xTest))))
    if let sae = c.autoencoder {
      progress?(.step("autoencoder"))
      // As `fit` trains them: with the training part's labels when the label term is on (the
      // test part's labels are never seen, so its neighbours and clusters are honest).
      let classes = Array(Set(trainLabels)).sorted()
      let classIndex = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
      let trained = try SparseAutoencoder(
        training: xTrain, labels: trainLabels.map { classIndex[$0]! }, classes: classes.count,
        configuration: sae
      ) { event in
        progress?(.autoencoder(event))
      }
      let rawTrain = try trained.encode(xTrain)
      let rawTest = try trained.encode(xTest)
      if c.codeScaling == .standardize {
        let scaler = CodeScaler(fitting: rawTrain)
        arms.append(
          ("codes", .dense(try scaler.transform(rawTrain)), .dense(try scaler.transform(rawTest))))
        arms.append(("codes_raw", .dense(rawTrain), .dense(rawTest)))
      } else {
        arms.append(("codes", .dense(rawTrain), .dense(rawTest)))
      }
    }
    let labelIndex = Dictionary(
      uniqueKeysWithValues: Array(Set(trainLabels + testLabels)).sorted().enumerated().map {
        ($1, $0)
      })
    let trainCodes = trainLabels.map { labelIndex[$0]! }
    let testCodes = testLabels.map { labelIndex[$0]! }
    var results: [ArmResult] = []
    for (name, trainRows, testRows) in arms {
      progress?(.step("\(name): neighbours"))
      let unitTrain = trainRows.normalized()
      let unitTest = testRows.normalized()
      let (precision, map) = Self.neighbourAgreement(
        queries: unitTest, queryLabels: testCodes, corpus: unitTrain, corpusLabels: trainCodes,
        k: c.neighbors)
      progress?(.step("\(name): k-means"))
      let nmi = (0..<c.clusteringRuns).map { run in
        KMeans.normalizedMutualInformation(
          KMeans(clustering: unitTest, k: testClasses, seed: c.seed &+ UInt64(run)).assignments,
          testCodes)
      }
      progress?(.step("\(name): probe"))
      let accuracy = try Self.probe(
        train: trainRows, trainLabels: trainLabels, test: testRows, testLabels: testLabels,
        perClass: c.probeExamplesPerClass, draws: c.probeDraws, classifier: c.probeClassifier,
        seed: c.seed)
      results.append(
        ArmResult(
          name: name, dimension: trainRows.columns, precisionAtK: precision,
          meanAveragePrecision: map, nmi: nmi, probeAccuracy: accuracy))
    }
    return Result(
      arms: results, neighbors: c.neighbors, trainDocuments: train.count,
      testDocuments: test.count, classes: testClasses, vocabularySize: xTrain.columns)
  }

  /// P@k and MAP of same-label neighbours: each query row against every corpus row by inner
  /// product (cosine for unit rows), the corpus ranked by descending score, ties by row.
  /// Queries whose label no corpus row has count in P@k (as 0) but not in MAP.
  package static func neighbourAgreement(
    queries: EmbeddingRows, queryLabels: [Int], corpus: EmbeddingRows, corpusLabels: [Int],
    k: Int
  ) -> (precision: Double, meanAveragePrecision: Double) {
    let m = corpus.rows
    guard m > 0, queries.rows > 0 else { return (0, 0) }
    let relevant = corpusLabels.reduce(into: [Int: Int]()) { $0[$1, default: 0] += 1 }
    let top = min(k, m)
    let block = 256
    var precisionSum = 0.0
    var apSum = 0.0
    var apCount = 0
    var start = 0
    while start < queries.rows {
      let end = min(queries.rows, start + block)
      let scores = similarities(queries, start..<end, corpus)
      let first = start
      let perQuery = Parallel.map(count: end - start, minimumChunk: 8) { range in
        range.map { q -> (Double, Double?) in
          let label = queryLabels[first + q]
          let row = scores[(q * m)..<((q + 1) * m)]
          var keys = [UInt64](repeating: 0, count: m)
          for (j, score) in row.enumerated() {
            // Order-preserving bits of the score, flipped so that ascending keys are
            // descending scores, then the row.
            let bits = (score == 0 ? Float(0) : score).bitPattern
            let ordered = bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
            keys[j] = UInt64(~ordered) << 32 | UInt64(j)
          }
          keys.sort()
          var hits = 0
          var precisionAtK = 0.0
          var sum = 0.0
          for (rank, key) in keys.enumerated() where corpusLabels[Int(key & 0xFFFF_FFFF)] == label {
            hits += 1
            sum += Double(hits) / Double(rank + 1)
            if rank < top { precisionAtK += 1 }
          }
          let total = relevant[label] ?? 0
          return (precisionAtK / Double(top), total > 0 ? sum / Double(total) : nil)
        }
      }.flatMap { $0 }
      for (precision, ap) in perQuery {
        precisionSum += precision
        if let ap {
          apSum += ap
          apCount += 1
        }
      }
      start = end
    }
    return (precisionSum / Double(queries.rows), apCount > 0 ? apSum / Double(apCount) : 0)
  }

  /// Inner products of the query rows in `range` with every corpus row (range.count × rows).
  static func similarities(_ queries: EmbeddingRows, _ range: Range<Int>, _ corpus: EmbeddingRows)
    -> [Float]
  {
    let selection = Array(range)
    switch (queries.selecting(selection), corpus) {
    case (.dense(let q), .dense(let x)):
      var out = [Float](repeating: 0, count: q.rows * x.rows)
      BLAS.sgemm(
        .none, .transpose, m: q.rows, n: x.rows, k: q.columns, alpha: 1, a: q.values,
        lda: q.columns, b: x.values, ldb: x.columns, beta: 0, c: &out, ldc: x.rows)
      return out
    case (.sparse(let q), .sparse(let x)):
      return NoveltyBaselines.innerProducts(q, x).values
    default:
      preconditionFailure("queries and corpus of different kinds")
    }
  }

  /// Test accuracy of logistic regression fitted on `perClass` training rows per class, for
  /// each of `draws` seeded draws (MTEB's undersampling: the training rows shuffled, then the
  /// first `perClass` of each class; all of a class that has fewer).
  static func probe(
    train: EmbeddingRows, trainLabels: [String], test: EmbeddingRows, testLabels: [String],
    perClass: Int, draws: Int, classifier: LogisticRegression.Configuration, seed: UInt64
  ) throws -> [Double] {
    let testFeatures = features(test)
    return try (0..<draws).map { draw in
      var generator = SeededGenerator(seed: seed &+ UInt64(draw))
      var order = Array(0..<trainLabels.count)
      for i in stride(from: order.count - 1, to: 0, by: -1) {
        order.swapAt(i, Int(generator.next() % UInt64(i + 1)))
      }
      var taken: [String: Int] = [:]
      var chosen: [Int] = []
      for i in order where taken[trainLabels[i], default: 0] < perClass {
        taken[trainLabels[i], default: 0] += 1
        chosen.append(i)
      }
      let model = try LogisticRegression(
        fitting: features(train.selecting(chosen)), labels: chosen.map { trainLabels[$0] },
        configuration: classifier, isCancelled: nil)
      let predicted = try model.predictedLabels(testFeatures)
      let correct = zip(predicted, testLabels).filter { $0 == $1 }.count
      return Double(correct) / Double(max(1, testLabels.count))
    }
  }

  static func features(_ rows: EmbeddingRows) -> any FeatureMatrix {
    switch rows {
    case .dense(let x): x
    case .sparse(let x): x
    }
  }
}
