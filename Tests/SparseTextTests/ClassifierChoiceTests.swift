import Foundation
import Testing

@testable import SparseText

/// The classifier input chosen by cross-validation in `fit`, NBSVM in the pipeline and its
/// bundle, and the per-fold codes seam.
@Suite struct ClassifierChoiceTests {
  /// Three topics, with words shared across them so the inputs do not all tie at 100%.
  static func corpus(_ count: Int) -> (texts: [String], labels: [String]) {
    let topics = [
      ["match", "goal", "team", "season", "coach", "league", "cup", "striker"],
      ["bank", "shares", "profit", "market", "rates", "investors", "growth", "bond"],
      ["film", "actor", "scene", "director", "plot", "drama", "award", "cinema"],
    ]
    let shared = ["news", "today", "report", "week"]
    var texts: [String] = []
    var labels: [String] = []
    for i in 0..<count {
      let k = i % 3
      var words = (0..<4).map { topics[k][(i + 3 * $0) % 8] }
      words.append(shared[i % 4])
      // Every fifth document borrows a word of the next topic.
      if i % 5 == 0 { words.append(topics[(k + 1) % 3][i % 8]) }
      texts.append(words.joined(separator: " "))
      labels.append(["sport", "money", "film"][k])
    }
    return (texts, labels)
  }

  static let small = SparseAutoencoder.Configuration(hiddenUnits: 4, epochs: 2, batchSize: 8)

  static func temporaryDirectory() -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-choice-\(UUID().uuidString)")
  }

  /// A classifier handed the only reference to its codes weights their block in place, and
  /// fits what it fits on a shared copy; the caller's other copy is not scaled.
  @Test func handedOverCodesFitTheSameClassifier() throws {
    let (texts, labels) = Self.corpus(60)
    let x = try TfidfVectorizer.fitTransform(texts, configuration: .init()).1
    var generator = SeededGenerator(seed: 5)
    let values = (0..<(x.rows * 4)).map { _ in generator.nextFloat() }
    let codes = DenseMatrix(uncheckedRows: x.rows, columns: 4, values: values)
    for input in [TextFeaturePipeline.ClassifierInput.both, .nbsvmCodes, .codes] {
      let candidate = TextFeaturePipeline.InputCandidate(input, codesWeight: 0.5)
      let shared = try FittedClassifier(
        fitting: x, codes: codes, labels: labels, candidate: candidate, standardized: true,
        configuration: .init(), isCancelled: nil)
      var owned: DenseMatrix? = DenseMatrix(uncheckedRows: x.rows, columns: 4, values: values)
      let handedOver = try FittedClassifier(
        fitting: x, codes: owned.take(), labels: labels, candidate: candidate,
        standardized: true, configuration: .init(), isCancelled: nil)
      #expect(owned == nil)
      #expect(handedOver.parameters == shared.parameters, "\(input)")
      #expect(codes.values == values)
      #expect(
        try handedOver.predict(x, codes: codes) == shared.predict(x, codes: codes), "\(input)")
    }
  }

  @Test func theDefaultComparesEveryInputAndKeepsTheBest() throws {
    let (texts, labels) = Self.corpus(45)
    let fitted = try TextFeaturePipeline(
      fitting: texts, labels: labels, configuration: .init(autoencoder: Self.small))
    let choice = try #require(fitted.classifierChoice)
    // tfidf, nbsvm, codes, then both and nbsvm_codes with each of the two weights, × 4 C.
    #expect(choice.crossValidation.count == 7 * 4)
    let inputs = Set(choice.crossValidation.map(\.input))
    #expect(inputs == Set(TextFeaturePipeline.ClassifierInput.allCases))
    // The halving search scored every pair on the first fold, and chose among those it scored
    // on every fold.
    #expect(choice.crossValidation.allSatisfy { ($0.scoredFolds ?? 0) >= 1 })
    // 45 labelled rows: the 3 folds are drawn 5 times (15 splits).
    let splits = 3 * TextFeaturePipeline.choiceRounds(labelled: texts.count)
    let finalists = choice.crossValidation.filter { $0.scoredFolds == splits }
    #expect(finalists.count >= TextFeaturePipeline.halvingKeeps)
    let best = try #require(finalists.map(\.accuracy).max())
    #expect(choice.accuracy == best)
    #expect(choice.folds == 3)
    #expect(fitted.configuration.classifier?.inverseRegularization == choice.c)
    #expect(fitted.configuration.classifierInput == nil)
    // The first finalist reaching the best accuracy is the one chosen (simpler inputs, smaller C).
    let first = try #require(finalists.first { $0.accuracy == best })
    #expect(first.input == choice.input && first.c == choice.c)
  }

  @Test func anExplicitInputIsKeptAndOnlyItsWeightAndCAreCrossValidated() throws {
    let (texts, labels) = Self.corpus(45)
    let fitted = try TextFeaturePipeline(
      fitting: texts, labels: labels,
      configuration: .init(
        autoencoder: Self.small, classifierInput: .nbsvmCodes, codesWeights: [0.5, 2]))
    let choice = try #require(fitted.classifierChoice)
    #expect(choice.input == .nbsvmCodes)
    #expect(choice.crossValidation.count == 2 * 4)
    #expect(Set(choice.crossValidation.compactMap(\.codesWeight)) == [0.5, 2])
    #expect(fitted.naiveBayesClassifier?.weighting.models == 3)
    #expect(fitted.naiveBayesClassifier?.denseColumns == 4)
    #expect(fitted.classifier == nil)
    let tfidfOnly = try TextFeaturePipeline(
      fitting: texts, labels: labels,
      configuration: .init(autoencoder: nil, classifierInput: .tfidf, cValues: [3]))
    #expect(tfidfOnly.classifierChoice == .init(input: .tfidf, codesWeight: nil, c: 3))
  }

  @Test func withoutAnAutoencoderTheChoiceIsBetweenTfidfAndNBSVM() throws {
    let (texts, labels) = Self.corpus(30)
    let fitted = try TextFeaturePipeline(
      fitting: texts, labels: labels, configuration: .init(autoencoder: nil))
    let choice = try #require(fitted.classifierChoice)
    #expect(Set(choice.crossValidation.map(\.input)) == [.tfidf, .nbsvm])
    #expect(try fitted.predict(texts).count == texts.count)
    #expect(throws: ConfigurationError.self) {
      try TextFeaturePipeline(
        fitting: texts, labels: labels,
        configuration: .init(autoencoder: nil, classifierInput: .nbsvmCodes))
    }
  }

  /// The seam for label-trained codes: each fold asks for its own codes with its training and
  /// held-out rows, which partition the labelled rows, and the choice is made on those codes.
  /// Past `maximumRows` labelled rows, cross-validation reads a seeded stratified sample: the
  /// choice is the one made on the sample's rows alone, and the folds' codes are asked for
  /// sample rows only.
  @Test func manyLabelledRowsAreChosenOnAStratifiedSample() throws {
    let (texts, labels) = Self.corpus(300)
    let x = try TfidfVectorizer.fitTransform(texts).1
    final class Rows: @unchecked Sendable { var seen: Set<Int> = [] }
    let rows = Rows()
    let zeros: TextFeaturePipeline.FoldCodes = { train, valid in
      (DenseMatrix(zeros: train.count, columns: 2), DenseMatrix(zeros: valid.count, columns: 2))
    }
    let recording: TextFeaturePipeline.FoldCodes = { train, valid in
      rows.seen.formUnion(train)
      rows.seen.formUnion(valid)
      return try zeros(train, valid)
    }
    let candidates = [
      TextFeaturePipeline.InputCandidate(.tfidf), TextFeaturePipeline.InputCandidate(.codes),
    ]
    func choose(
      _ x: SparseMatrix, _ labels: [String], _ codes: @escaping TextFeaturePipeline.FoldCodes,
      maximumRows: Int?
    ) throws -> TextFeaturePipeline.ClassifierChoice {
      try TextFeaturePipeline.chooseClassifier(
        x, labels: labels, candidates: candidates, cValues: [0.1, 10], folds: 3, seed: 5,
        configuration: .init(), foldCodes: codes, standardized: false, maximumRows: maximumRows)
    }
    let sampled = try choose(x, labels, recording, maximumRows: 120)
    let sample = try StratifiedSplit.fraction(
      120.0 / 300, of: Array(0..<300), labels: labels, seed: 5)
    #expect(sample.count == 120)
    #expect(sampled.sampledRows == 120)
    #expect(rows.seen == Set(sample))
    var alone = try choose(
      x.selectingRows(sample), sample.map { labels[$0] }, zeros, maximumRows: nil)
    #expect(alone.sampledRows == nil)
    alone.sampledRows = 120
    #expect(sampled == alone)
    // At the limit, every row.
    #expect(try choose(x, labels, zeros, maximumRows: 300).sampledRows == nil)
  }

  /// The pipeline's limit: 10,000 by default, recorded in the configuration's JSON, absent
  /// (every row) in bundles written before it, and at least 100.
  @Test func choiceRowsIsADefaultTheBundleRecordsAndIsChecked() throws {
    var configuration = TextFeaturePipeline.Configuration()
    #expect(configuration.choiceRows == 10_000)
    let json = try JSONFormat.data(configuration, pretty: false)
    #expect(String(decoding: json, as: UTF8.self).contains("\"choice_rows\":10000"))
    let decoded = try JSONFormat.decoder().decode(
      TextFeaturePipeline.Configuration.self, from: json)
    #expect(decoded.choiceRows == 10_000)
    var tree = try #require(JSONSerialization.jsonObject(with: json) as? [String: Any])
    tree["choice_rows"] = nil
    let older = try JSONFormat.decoder().decode(
      TextFeaturePipeline.Configuration.self, from: try JSONFormat.data(object: tree))
    #expect(older.choiceRows == nil)
    configuration.choiceRows = 99
    #expect {
      try configuration.validate()
    } throws: { error in
      guard case ConfigurationError.outOfRange(.choiceRows, "99", _) = error else { return false }
      return true
    }
  }

  @Test func eachFoldAsksForItsOwnCodes() throws {
    let (texts, labels) = Self.corpus(36)
    final class Calls: @unchecked Sendable {
      var folds: [(train: [Int], valid: [Int])] = []
    }
    let calls = Calls()
    // A fake fold trainer: codes that are one-hot labels on the training rows (as memorized
    // codes would be) and zero on the held-out rows, which know no labels.
    let classes = Array(Set(labels)).sorted()
    let foldCodes: TextFeaturePipeline.FoldCodes = { train, valid in
      calls.folds.append((train, valid))
      var codes = DenseMatrix(zeros: train.count, columns: 4)
      for (r, row) in train.enumerated() {
        codes.values[r * 4 + classes.firstIndex(of: labels[row])!] = 1
      }
      return (codes, DenseMatrix(zeros: valid.count, columns: 4))
    }
    let fitted = try TextFeaturePipeline(
      fitting: texts, labels: labels,
      configuration: .init(autoencoder: Self.small, classifierInput: .codes), isCancelled: nil,
      foldCodes: foldCodes)
    #expect(calls.folds.count == 3 * TextFeaturePipeline.choiceRounds(labelled: texts.count))
    for fold in calls.folds {
      #expect(Set(fold.train).isDisjoint(with: fold.valid))
      #expect(Set(fold.train).union(fold.valid) == Set(0..<texts.count))
    }
    // The memorized fold codes tell nothing about held-out rows: at most the majority rate.
    let choice = try #require(fitted.classifierChoice)
    #expect(choice.crossValidation.allSatisfy { $0.accuracy <= 0.34 })
  }

  /// The halving search drops the pairs that lose the first fold, asks for no codes once no
  /// pair that reads them is racing, and chooses among the pairs scored on every fold; the
  /// exhaustive search scores every pair on every fold.
  @Test func theHalvingSearchDropsLosersAndTheirCodes() throws {
    let (texts, labels) = Self.corpus(45)
    let x = try TfidfVectorizer.fitTransform(texts).1
    final class Calls: @unchecked Sendable { var count = 0 }
    func choose(_ search: TextFeaturePipeline.Configuration.ChoiceSearch) throws -> (
      TextFeaturePipeline.ClassifierChoice, Int
    ) {
      let calls = Calls()
      // Codes that know nothing: every row zero, so reading them scores the majority rate.
      let choice = try TextFeaturePipeline.chooseClassifier(
        x, labels: labels, candidates: [.init(.tfidf), .init(.codes)], cValues: [1, 10, 100],
        folds: 3, seed: 13, configuration: .init(maxIterations: 200),
        foldCodes: { train, valid in
          calls.count += 1
          return (
            DenseMatrix(zeros: train.count, columns: 3), DenseMatrix(zeros: valid.count, columns: 3)
          )
        }, standardized: false, search: search)
      return (choice, calls.count)
    }
    let (halving, halvingCalls) = try choose(.halving)
    let (exhaustive, exhaustiveCalls) = try choose(.exhaustive)
    // 45 labelled rows: 5 draws of the 3 folds.
    let splits = 3 * TextFeaturePipeline.choiceRounds(labelled: labels.count)
    #expect(exhaustiveCalls == splits)
    #expect(exhaustive.crossValidation.allSatisfy { $0.scoredFolds == splits })
    #expect(halvingCalls == 1)
    for row in halving.crossValidation {
      #expect(row.scoredFolds == (row.input == .tfidf ? splits : 1), "\(row)")
    }
    #expect(halving.input == .tfidf)
    #expect(halving.input == exhaustive.input && halving.c == exhaustive.c)
    // The rows scored on every fold have the exhaustive search's accuracies.
    for (a, b) in zip(halving.crossValidation, exhaustive.crossValidation)
    where a.scoredFolds == splits {
      #expect(abs(a.accuracy - b.accuracy) < 1e-9)
    }
  }

  /// With few labelled rows the folds are drawn again with other seeds until about 1,000
  /// held-out predictions score each pair (at most 5 draws); from 1,000 rows up, once.
  @Test func fewLabelsDrawTheFoldsSeveralTimes() throws {
    #expect(TextFeaturePipeline.choiceRounds(labelled: 17) == 5)
    #expect(TextFeaturePipeline.choiceRounds(labelled: 305) == 4)
    #expect(TextFeaturePipeline.choiceRounds(labelled: 999) == 2)
    #expect(TextFeaturePipeline.choiceRounds(labelled: 1000) == 1)
    #expect(TextFeaturePipeline.choiceRounds(labelled: 30_000) == 1)
    let (texts, labels) = Self.corpus(45)
    let x = try TfidfVectorizer.fitTransform(texts).1
    final class Calls: @unchecked Sendable { var valid: [[Int]] = [] }
    let calls = Calls()
    let choice = try TextFeaturePipeline.chooseClassifier(
      x, labels: labels, candidates: [.init(.tfidf), .init(.codes)], cValues: [1, 10],
      folds: 3, seed: 13, configuration: .init(maxIterations: 200),
      foldCodes: { train, valid in
        calls.valid.append(valid)
        return (
          DenseMatrix(zeros: train.count, columns: 2), DenseMatrix(zeros: valid.count, columns: 2)
        )
      }, standardized: false, search: .exhaustive)
    // 45 rows: 5 draws of 3 folds, each draw covering every row once, the draws different.
    #expect(choice.rounds == 5)
    #expect(calls.valid.count == 15)
    #expect(choice.crossValidation.allSatisfy { $0.scoredFolds == 15 })
    for draw in 0..<5 {
      let rows = calls.valid[(3 * draw)..<(3 * draw + 3)].flatMap { $0 }
      #expect(rows.sorted() == Array(0..<45))
    }
    #expect(Set(calls.valid.map { $0.sorted() }).count > 3)
  }

  @Test(arguments: [2, 3]) func anNBSVMBundleRoundTrips(classes: Int) throws {
    var (texts, labels) = Self.corpus(45)
    if classes == 2 {
      let keep = labels.indices.filter { labels[$0] != "film" }
      texts = keep.map { texts[$0] }
      labels = keep.map { labels[$0] }
    }
    let fitted = try TextFeaturePipeline(
      fitting: texts, labels: labels,
      configuration: .init(autoencoder: Self.small, classifierInput: .nbsvmCodes))
    let url = Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: url) }
    try fitted.write(to: url)
    let loaded = try TextFeaturePipeline(contentsOf: url)
    #expect(loaded.classifierChoice == fitted.classifierChoice)
    #expect(try loaded.probabilities(for: texts) == fitted.probabilities(for: texts))
    #expect(try loaded.predict(texts) == fitted.predict(texts))
    let (tensors, _) = try SafeTensors.read(from: url.appendingPathComponent("model.safetensors"))
    let ratios = try #require(tensors[NaiveBayesLogisticRegression.ratiosTensor])
    // NBSVM reads the classifier's own terms (word pairs by default).
    let terms = try #require(fitted.classifierVectorizer).vocabulary.count
    #expect(terms > fitted.vectorizer.vocabulary.count)
    #expect(ratios.shape == [classes == 2 ? 1 : 3, terms])
  }

  @Test func aDamagedNBSVMBundleIsRefused() throws {
    let (texts, labels) = Self.corpus(45)
    let fitted = try TextFeaturePipeline(
      fitting: texts, labels: labels,
      configuration: .init(autoencoder: nil, classifierInput: .nbsvm))
    let url = Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: url) }
    try fitted.write(to: url)
    let file = url.appendingPathComponent("model.safetensors")
    let (tensors, _) = try SafeTensors.read(from: file)
    func rewrite(_ change: (inout [String: Tensor]) throws -> Void) throws {
      var copy = tensors
      try change(&copy)
      try SafeTensors.encode(copy, metadata: [:]).write(to: file)
    }
    // Ratios of the wrong shape.
    try rewrite {
      $0[NaiveBayesLogisticRegression.ratiosTensor] = try Tensor(
        shape: [2, 3], values: [0, 0, 0, 0, 0, 0])
    }
    #expect(throws: ModelFormatError.self) { try TextFeaturePipeline(contentsOf: url) }
    // No ratios at all.
    try rewrite { $0[NaiveBayesLogisticRegression.ratiosTensor] = nil }
    #expect(throws: ModelFormatError.self) { try TextFeaturePipeline(contentsOf: url) }
    // A ratio that is not finite.
    try rewrite {
      let r = $0[NaiveBayesLogisticRegression.ratiosTensor]!
      var values = r.values
      values[0] = .infinity
      $0[NaiveBayesLogisticRegression.ratiosTensor] = try Tensor(shape: r.shape, values: values)
    }
    #expect(throws: ModelFormatError.self) { try TextFeaturePipeline(contentsOf: url) }
    try rewrite { _ in }
    #expect(try TextFeaturePipeline(contentsOf: url).predict(texts) == fitted.predict(texts))
  }
}

/// A warm start (the solution at the previous C) reaches the same optimum as a cold start.
@Suite struct WarmStartTests {
  @Test(arguments: [2, 3]) func aWarmStartFindsTheSameModel(classes: Int) throws {
    var (texts, labels) = ClassifierChoiceTests.corpus(45)
    if classes == 2 {
      let keep = labels.indices.filter { labels[$0] != "film" }
      texts = keep.map { texts[$0] }
      labels = keep.map { labels[$0] }
    }
    let x = try TfidfVectorizer.fitTransform(texts, configuration: .init()).1
    let tight = LogisticRegression.Configuration(inverseRegularization: 10, tolerance: 1e-7)
    var loose = tight
    loose.inverseRegularization = 1
    let first = try LogisticRegression(
      fitting: x, labels: labels, configuration: loose, isCancelled: nil)
    let cold = try LogisticRegression(
      fitting: x, labels: labels, configuration: tight, isCancelled: nil)
    let warm = try LogisticRegression(
      fitting: x, labels: labels, configuration: tight, isCancelled: nil, start: first)
    #expect(warm.convergence.converged && cold.convergence.converged)
    for (a, b) in zip(warm.weights.values, cold.weights.values) { #expect(abs(a - b) < 1e-3) }
    let nbFirst = try NaiveBayesLogisticRegression(
      fitting: x, labels: labels, configuration: loose, isCancelled: nil)
    let nbCold = try NaiveBayesLogisticRegression(
      fitting: x, labels: labels, configuration: tight, isCancelled: nil)
    let nbWarm = try NaiveBayesLogisticRegression(
      fitting: x, labels: labels, configuration: tight, isCancelled: nil, start: nbFirst)
    for (a, b) in zip(nbWarm.weights.values, nbCold.weights.values) { #expect(abs(a - b) < 1e-3) }
    #expect(try nbWarm.predict(x) == nbCold.predict(x))
  }
}

/// With an autoencoder trained with labels, each fold's codes come from an autoencoder trained
/// again with only that fold's training labels.
@Suite struct LabelTrainedFoldTests {
  @Test func eachFoldTrainsItsOwnAutoencoder() throws {
    let (texts, labels) = ClassifierChoiceTests.corpus(36)
    final class Stages: @unchecked Sendable {
      var seen: [TextFeaturePipeline.Stage] = []
      let lock = NSLock()
    }
    // The stages a fit with the codes input and autoencoder `sae` goes through.
    func stages(_ sae: SparseAutoencoder.Configuration) throws -> [TextFeaturePipeline.Stage] {
      let stages = Stages()
      _ = try TextFeaturePipeline(
        fitting: texts, labels: labels,
        configuration: .init(autoencoder: sae, classifierInput: .codes)
      ) { event in
        if case .stage(let stage) = event {
          stages.lock.lock()
          stages.seen.append(stage)
          stages.lock.unlock()
        }
      }
      return stages.seen
    }
    var sae = ClassifierChoiceTests.small
    sae.labelWeight = 1
    sae.validationFraction = 0
    let labelTrained = try stages(sae)
    #expect(labelTrained.filter { $0 == .autoencoder }.count == 1)
    // One per fold of each draw of the folds (36 labelled rows: 5 draws).
    #expect(
      labelTrained.filter { $0 == .foldAutoencoder }.count
        == 3 * TextFeaturePipeline.choiceRounds(labelled: texts.count))
    // So does one whose reconstruction alone is weighted by the labels.
    sae.labelWeight = 0
    sae.taskWeight = 0.5
    #expect(try stages(sae).contains(.foldAutoencoder))
    // Unsupervised codes need no retraining: one autoencoder serves every fold.
    sae.taskWeight = 0
    #expect(try !stages(sae).contains(.foldAutoencoder))
  }

  /// A fold's autoencoder takes the final one's batch and step size (an automatic batch would
  /// shrink with the fold's rows), at most 5 epochs and no validation slice; the rest is the
  /// configuration's.
  @Test func foldsTrainWithTheFinalBatchAndStepSize() {
    var sae = SparseAutoencoder.Configuration(epochs: 20, seed: 7, labelWeight: 0.3)
    var final = sae
    final.batchSize = 1024
    final.learningRate = 0.002
    final.inputScale = 117
    let fold = TextFeaturePipeline.foldAutoencoderConfiguration(sae, final: final)
    #expect(fold.batchSize == 1024 && fold.learningRate == 0.002)
    #expect(fold.epochs == TextFeaturePipeline.foldAutoencoderEpochs)
    #expect(fold.validationFraction == 0)
    // The input scale is the fold's own (from its rows), as are seed and label weight.
    #expect(fold.inputScale == nil && fold.seed == 7 && fold.labelWeight == 0.3)
    sae.epochs = 2
    #expect(TextFeaturePipeline.foldAutoencoderConfiguration(sae, final: final).epochs == 2)
  }

  /// A fold's autoencoder reads the fold's training rows and the unlabelled rows; past the
  /// choice's row limit, a seeded sample of the unlabelled rows that fills it, the same for
  /// every fold.
  @Test func foldsSampleTheUnlabelledTextPastTheChoiceRows() {
    let train = [4, 0, 7, 2]
    let all = TextFeaturePipeline.foldAutoencoderRows(
      train: train, unlabelled: 10..<20, limit: 14, seed: 3)
    #expect(all == train + Array(10..<20))
    #expect(
      TextFeaturePipeline.foldAutoencoderRows(
        train: train, unlabelled: 10..<20, limit: nil, seed: 3) == all)
    let sampled = TextFeaturePipeline.foldAutoencoderRows(
      train: train, unlabelled: 10..<1_010, limit: 54, seed: 3)
    #expect(sampled.count == 54)
    #expect(Array(sampled.prefix(4)) == train)
    let drawn = Array(sampled.dropFirst(4))
    #expect(Set(drawn).count == 50 && drawn.allSatisfy { (10..<1_010).contains($0) })
    #expect(drawn == drawn.sorted())
    // Spread over the range, not its first rows.
    #expect(drawn.last! > 500)
    // The same seed gives the same sample whatever the fold's rows; another seed another one.
    let otherFold = TextFeaturePipeline.foldAutoencoderRows(
      train: [1, 3, 5, 6], unlabelled: 10..<1_010, limit: 54, seed: 3)
    #expect(Array(otherFold.dropFirst(4)) == drawn)
    let otherSeed = TextFeaturePipeline.foldAutoencoderRows(
      train: train, unlabelled: 10..<1_010, limit: 54, seed: 4)
    #expect(Array(otherSeed.dropFirst(4)) != drawn)
    // A fold with more labelled rows than the limit keeps them all and reads no unlabelled row.
    #expect(
      TextFeaturePipeline.foldAutoencoderRows(
        train: Array(0..<60), unlabelled: 100..<200, limit: 54, seed: 3) == Array(0..<60))
  }

  /// A fold's autoencoder reads at least 50,000 rows before sampling the unlabelled text,
  /// however few labelled rows the choice samples; every row when the choice reads every row.
  @Test func foldAutoencodersReadMoreRowsThanTheChoiceSamples() {
    let limit = TextFeaturePipeline.foldAutoencoderRowLimit
    #expect(limit(10_000) == 50_000)
    #expect(limit(100) == 50_000)
    #expect(limit(80_000) == 80_000)
    #expect(limit(nil) == nil)
  }
}
