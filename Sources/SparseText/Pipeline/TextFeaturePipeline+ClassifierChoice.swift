import Foundation

extension TextFeaturePipeline {
  /// What the fitted classifier reads and with which C, and the cross-validated table it was
  /// chosen from (``Configuration/classifierInput`` `nil` compares every input the pipeline can
  /// make; an explicit one compares only its codes weights and C). Written into the bundle's
  /// `config.json` as `classifier_choice`.
  public struct ClassifierChoice: Codable, Sendable, Equatable {
    /// One row of the cross-validated table.
    public struct Score: Codable, Sendable, Equatable {
      /// The input.
      public var input: ClassifierInput
      /// The codes block's weight, for an input with one.
      public var codesWeight: Double?
      /// The classifier's C.
      public var c: Double
      /// Accuracy over the held-out rows of the folds it was scored on.
      public var accuracy: Double
      /// The folds it was scored on: all of them, or fewer when the halving search
      /// (``Configuration/ChoiceSearch/halving``) dropped it early; `nil` in bundles written
      /// before the halving search, whose every row was scored on every fold.
      public var scoredFolds: Int?

      /// Creates a row.
      package init(
        input: ClassifierInput, codesWeight: Double?, c: Double, accuracy: Double,
        scoredFolds: Int? = nil
      ) {
        self.input = input
        self.codesWeight = codesWeight
        self.c = c
        self.accuracy = accuracy
        self.scoredFolds = scoredFolds
      }

      enum CodingKeys: String, CodingKey {
        case input, accuracy
        case codesWeight = "codes_weight"
        case c
        case scoredFolds = "scored_folds"
      }
    }

    /// The input the classifier reads.
    public var input: ClassifierInput
    /// The weight `w` of the codes block (`w·z/√units`) when ``input`` has one.
    public var codesWeight: Double?
    /// The classifier's C.
    public var c: Double
    /// The folds of the cross-validation, or `nil` when nothing was compared.
    public var folds: Int?
    /// How many times the folds were drawn (with seeds one apart): more than once when the
    /// labelled rows are few (below about 1,000, up to 5 draws); `nil` in
    /// bundles written before rounds existed, and when nothing was compared.
    public var rounds: Int?
    /// The labelled rows cross-validation read when it read a sample of them (more than
    /// ``Configuration/choiceRows``); `nil` when it read every one.
    public var sampledRows: Int?
    /// Every compared (input, weight, C) with its cross-validated accuracy, in the order
    /// compared; empty when there was a single candidate.
    public var crossValidation: [Score]

    /// Creates a choice.
    package init(
      input: ClassifierInput, codesWeight: Double?, c: Double, folds: Int? = nil,
      rounds: Int? = nil, crossValidation: [Score] = []
    ) {
      self.input = input
      self.codesWeight = codesWeight
      self.c = c
      self.folds = folds
      self.rounds = rounds
      self.crossValidation = crossValidation
    }

    enum CodingKeys: String, CodingKey {
      case input, folds, rounds
      case sampledRows = "sampled_rows"
      case codesWeight = "codes_weight"
      case c
      case crossValidation = "cross_validation"
    }

    /// The chosen row's cross-validated accuracy, if there was a comparison.
    public var accuracy: Double? {
      crossValidation.first { $0.input == input && $0.codesWeight == codesWeight && $0.c == c }?
        .accuracy
    }
  }

  /// An input and, for one with a codes block, its weight: one candidate of the choice.
  package struct InputCandidate: Sendable, Equatable {
    package var input: ClassifierInput
    package var codesWeight: Double?

    package init(_ input: ClassifierInput, codesWeight: Double? = nil) {
      self.input = input
      self.codesWeight = codesWeight
    }
  }

  /// The training rows' and the validation rows' codes for one cross-validation fold, scaled as
  /// the classifier reads them, from an autoencoder that saw no label of the validation rows.
  /// An unsupervised autoencoder's codes of all rows are leak-free already; an autoencoder that
  /// trains with labels must be trained again per fold with only the fold's training labels
  /// (the other rows unlabelled): that retraining is what this function is for.
  package typealias FoldCodes = (_ train: [Int], _ valid: [Int]) throws -> (
    train: DenseMatrix, valid: DenseMatrix
  )

  /// The inputs the choice compares: the explicit one (with each codes weight when it has a
  /// codes block), or every input the pipeline can make.
  package static func inputCandidates(_ configuration: Configuration, hasCodes: Bool)
    -> [InputCandidate]
  {
    let weights = configuration.codesWeights
    func expand(_ input: ClassifierInput) -> [InputCandidate] {
      input.hasCodesBlock ? weights.map { InputCandidate(input, codesWeight: $0) } : [.init(input)]
    }
    if let explicit = configuration.classifierInput { return expand(explicit) }
    let inputs: [ClassifierInput] =
      hasCodes ? [.tfidf, .nbsvm, .codes, .both, .nbsvmCodes] : [.tfidf, .nbsvm]
    return inputs.flatMap(expand)
  }

  /// Chooses the input and C by stratified cross-validation on the labelled rows: each
  /// candidate with each C is fitted on a fold's training rows (naive-Bayes ratios included)
  /// and scored on its held-out rows. With `search` ``Configuration/ChoiceSearch/exhaustive``
  /// every pair is scored on every fold; with ``Configuration/ChoiceSearch/halving``, after
  /// each fold but the last only the best third of the pairs still in the race (by accuracy
  /// so far, ties kept, at least ``halvingKeeps``) go on to the next fold, and a fold's codes
  /// are made only when a pair still in the race reads them. Below
  /// ``choiceTargetPredictions`` labelled rows the folds are drawn several times
  /// (``choiceRounds(labelled:)``), and the race runs over every draw's folds in turn. The best
  /// accuracy over all folds wins; ties go to the earlier candidate (simpler inputs first) and
  /// then the smaller C.
  ///
  /// - Parameters:
  ///   - x: the labelled rows' TF-IDF.
  ///   - labels: one label per row.
  ///   - candidates: the inputs to compare, in order of preference on ties.
  ///   - cValues: the values of C to compare.
  ///   - requested: the folds asked for (fewer when the smallest class is smaller).
  ///   - seed: seeds the folds.
  ///   - configuration: the classifier's other settings; its C is kept when there are no
  ///     usable folds and several candidates of C.
  ///   - foldCodes: each fold's codes, needed when a candidate reads codes.
  ///   - standardized: whether the codes are standardized (the block is then divided by √units).
  ///   - search: every pair on every fold, or the halving race.
  ///   - maximumRows: the most rows the cross-validation reads; with more, it reads a
  ///     stratified sample of this many (seeded by `seed`), and `foldCodes` is asked for
  ///     the sample's rows.
  ///   - isCancelled: asked before every solver iteration.
  /// - Returns: the choice and its table (empty when there was nothing to compare).
  /// - Throws: ``ConfigurationError`` for no candidates or codes without `foldCodes`, and
  ///   whatever fitting throws.
  package static func chooseClassifier(
    _ x: SparseMatrix, labels: [String], candidates: [InputCandidate], cValues: [Double],
    folds requested: Int, seed: UInt64, configuration: LogisticRegression.Configuration,
    foldCodes: FoldCodes?, standardized: Bool,
    search: Configuration.ChoiceSearch = .exhaustive, maximumRows: Int? = nil,
    isCancelled: CancellationCheck? = nil
  ) throws -> ClassifierChoice {
    guard let first = candidates.first, let firstC = cValues.first else {
      throw ConfigurationError.outOfRange(
        field: .cValues, value: "none", allowed: "one or more candidates")
    }
    if candidates.count == 1 && cValues.count == 1 {
      return ClassifierChoice(input: first.input, codesWeight: first.codesWeight, c: firstC)
    }
    if let maximumRows, labels.count > maximumRows {
      // The same choice on a stratified sample; the folds' codes of the sample's rows.
      let sample = try StratifiedSplit.fraction(
        Double(maximumRows) / Double(labels.count), of: Array(labels.indices), labels: labels,
        seed: seed)
      let sampleCodes = foldCodes.map { codes in
        { (train: [Int], valid: [Int]) in
          try codes(train.map { sample[$0] }, valid.map { sample[$0] })
        }
      }
      var choice = try chooseClassifier(
        x.selectingRows(sample), labels: sample.map { labels[$0] }, candidates: candidates,
        cValues: cValues, folds: requested, seed: seed, configuration: configuration,
        foldCodes: sampleCodes, standardized: standardized, search: search,
        isCancelled: isCancelled)
      choice.sampledRows = sample.count
      return choice
    }
    guard let k = crossValidationFolds(labels, requested: requested) else {
      return ClassifierChoice(
        input: first.input, codesWeight: first.codesWeight,
        c: cValues.count == 1 ? firstC : configuration.inverseRegularization)
    }
    let cs = cValues.sorted()
    let needsCodes = candidates.contains { $0.input.readsCodes }
    if needsCodes && foldCodes == nil {
      throw ConfigurationError.conflict(
        reason: "the classifier reads codes, but there is no autoencoder",
        suggestion: "Add an autoencoder or \(set: .classifierInput, to: "tfidf").")
    }
    let pairs = candidates.count * cs.count
    // Per (candidate, C) pair: rows right, rows scored, folds scored, and whether it races on.
    var correct = [Int](repeating: 0, count: pairs)
    var scored = [Int](repeating: 0, count: pairs)
    var scoredFolds = [Int](repeating: 0, count: pairs)
    var racing = [Bool](repeating: true, count: pairs)
    // With few labelled rows, the folds are drawn again with other seeds, so that each pair
    // is scored on about `choiceTargetPredictions` held-out predictions.
    let rounds = choiceRounds(labelled: labels.count)
    let splits = try (0..<rounds).flatMap { round in
      try StratifiedSplit.folds(labels: labels, k: k, seed: seed &+ UInt64(round))
    }
    for (f, split) in splits.enumerated() {
      let live = candidates.indices.filter { i in cs.indices.contains { racing[i * cs.count + $0] }
      }
      let xTrain = x.selectingRows(split.train)
      let xValid = x.selectingRows(split.test)
      let yTrain = split.train.map { labels[$0] }
      let yValid = split.test.map { labels[$0] }
      let codes =
        try live.contains { candidates[$0].input.readsCodes }
        ? foldCodes?(split.train, split.test) : nil
      let weighting =
        try live.contains { candidates[$0].input.isNaiveBayes }
        ? NaiveBayesWeighting(fitting: xTrain, labels: yTrain) : nil
      // The candidates' C paths are independent: two run side by side, each taking the next
      // candidate when it is done. Each fit still splits its rows over the workers as when
      // alone (so its result is the same); the other path fills its solver's serial parts.
      let racingNow = racing
      let paths = try Parallel.mapTasks(count: live.count, concurrency: Self.concurrentPaths) {
        task throws -> [(index: Int, correct: Int)] in
        let i = live[task]
        var hits: [(index: Int, correct: Int)] = []
        // C ascending, each fit starting from the previous one's solution (a warm start).
        var previous: FittedClassifier?
        for (j, c) in cs.enumerated() where racingNow[i * cs.count + j] {
          var lr = configuration
          lr.inverseRegularization = c
          let model = try FittedClassifier(
            fitting: xTrain, codes: codes?.train, labels: yTrain, candidate: candidates[i],
            standardized: standardized, configuration: lr, weighting: weighting,
            isCancelled: isCancelled, start: previous)
          previous = model
          let predicted = try model.predict(xValid, codes: codes?.valid)
          hits.append((i * cs.count + j, zip(predicted, yValid).filter { $0 == $1 }.count))
        }
        return hits
      }
      for (index, hit) in paths.joined() {
        correct[index] += hit
        scored[index] += yValid.count
        scoredFolds[index] += 1
      }
      if search == .halving && f < splits.count - 1 {
        // Every pair still racing was scored on the same rows, so counts compare.
        let field = (0..<pairs).filter { racing[$0] }
        let keep = max(Self.halvingKeeps, (field.count + 2) / 3)
        guard field.count > keep else { continue }
        let cutoff = field.map { correct[$0] }.sorted(by: >)[keep - 1]
        for index in field where correct[index] < cutoff { racing[index] = false }
      }
    }
    var table: [ClassifierChoice.Score] = []
    var leader: Int?
    for (i, candidate) in candidates.enumerated() {
      for (j, c) in cs.enumerated() {
        let index = i * cs.count + j
        table.append(
          .init(
            input: candidate.input, codesWeight: candidate.codesWeight, c: c,
            accuracy: Double(correct[index]) / Double(max(scored[index], 1)),
            scoredFolds: scoredFolds[index]))
        guard racing[index] else { continue }
        if leader.map({ correct[index] > correct[$0] }) ?? true { leader = index }
      }
    }
    let best = leader ?? 0
    let chosen = candidates[best / cs.count]
    return ClassifierChoice(
      input: chosen.input, codesWeight: chosen.codesWeight, c: cs[best % cs.count], folds: k,
      rounds: rounds, crossValidation: table)
  }

  /// About how many held-out predictions score each pair of the choice: below this many
  /// labelled rows, the folds are drawn several times.
  package static let choiceTargetPredictions = 1000
  /// The most times the folds are drawn.
  package static let maximumChoiceRounds = 5

  /// How many times the choice draws its folds for `labelled` rows: once from
  /// ``choiceTargetPredictions`` rows up, else enough rounds to reach about that many held-out
  /// predictions, at most ``maximumChoiceRounds`` (repeated stratified k-fold, as scikit-learn's
  /// `RepeatedStratifiedKFold`). With a few labels per class one draw of three folds cannot tell
  /// the candidates apart: with 17 of BBC's labels, one draw chose NBSVM (48% on the test part)
  /// where the codes reach 80%.
  package static func choiceRounds(labelled: Int) -> Int {
    guard labelled > 0 else { return 1 }
    let wanted = (choiceTargetPredictions + labelled - 1) / labelled
    return min(maximumChoiceRounds, max(1, wanted))
  }

  /// The fewest pairs the halving search keeps racing after a fold.
  static let halvingKeeps = 3

  /// How many candidates' C paths a fold fits at a time: two keep two cores busy, and bound
  /// the memory to two candidates' features and solver states on any machine.
  static let concurrentPaths = 2

  /// The codes block of the `both` and `nbsvm_codes` inputs: `weight · codes`, divided by
  /// √units when the codes are standardized (their squared row norm is then about the number
  /// of units while TF-IDF rows have norm 1, so under one C the codes would drown the terms).
  package static func codesBlock(_ codes: DenseMatrix, weight: Double, standardized: Bool)
    -> DenseMatrix
  {
    var block = codes
    scaleCodesBlock(&block, weight: weight, standardized: standardized)
    return block
  }

  /// ``codesBlock(_:weight:standardized:)`` in place.
  package static func scaleCodesBlock(
    _ codes: inout DenseMatrix, weight: Double, standardized: Bool
  ) {
    let scale =
      Float(weight) / (standardized && codes.columns > 0 ? Float(codes.columns).squareRoot() : 1)
    if scale != 1 { for k in codes.values.indices { codes.values[k] *= scale } }
  }
}

/// A fitted classifier of any input: logistic regression on TF-IDF, codes or both, or NBSVM
/// on the terms with an optional codes block.
package enum FittedClassifier: Sendable {
  /// Logistic regression on the input's features.
  case linear(LogisticRegression, TextFeaturePipeline.InputCandidate, standardized: Bool)
  /// NBSVM, with the codes block's weight when it reads one.
  case naiveBayes(
    NaiveBayesLogisticRegression, TextFeaturePipeline.InputCandidate, standardized: Bool)

  /// Fits the classifier `candidate` names on TF-IDF rows `x` and their `codes` (scaled as
  /// the pipeline hands them out). A caller that hands over the only reference to `codes`
  /// (`codes.take()`) has the codes block weighted in place, with no second matrix (a million
  /// documents' codes are 1 GB).
  package init(
    fitting x: SparseMatrix, codes: consuming DenseMatrix?, labels: [String],
    candidate: TextFeaturePipeline.InputCandidate, standardized: Bool,
    configuration: LogisticRegression.Configuration, weighting: NaiveBayesWeighting? = nil,
    isCancelled: CancellationCheck?, start: FittedClassifier? = nil
  ) throws {
    let block = try Self.ownedBlock(consume codes, candidate, standardized)
    if candidate.input.isNaiveBayes {
      self = .naiveBayes(
        try NaiveBayesLogisticRegression(
          fitting: x, dense: block, labels: labels, configuration: configuration,
          weighting: weighting, isCancelled: isCancelled, start: start?.naiveBayes),
        candidate, standardized: standardized)
    } else {
      let features = try Self.features(x, block: block, candidate)
      self = .linear(
        try LogisticRegression(
          fitting: features, labels: labels, configuration: configuration,
          isCancelled: isCancelled, start: start?.linear), candidate, standardized: standardized)
    }
  }

  /// The codes block a candidate reads, or `nil` for one without, weighted in place when
  /// the caller gave up its reference to `codes` (else a weighted copy).
  static func ownedBlock(
    _ codes: consuming DenseMatrix?, _ candidate: TextFeaturePipeline.InputCandidate,
    _ standardized: Bool
  ) throws -> DenseMatrix? {
    guard candidate.input.readsCodes else { return nil }
    guard var block = consume codes else {
      throw ConfigurationError.conflict(
        reason: "the classifier reads codes, but there is no autoencoder",
        suggestion: "\(set: .classifierInput, to: "tfidf").")
    }
    if candidate.input.hasCodesBlock {
      TextFeaturePipeline.scaleCodesBlock(
        &block, weight: candidate.codesWeight ?? 1, standardized: standardized)
    }
    return block
  }

  /// The codes block a candidate reads, or `nil` for one without; `codes` are left as they
  /// are.
  static func block(
    _ codes: DenseMatrix?, _ candidate: TextFeaturePipeline.InputCandidate, _ standardized: Bool
  ) throws -> DenseMatrix? {
    try ownedBlock(codes, candidate, standardized)
  }

  /// A linear input's features.
  static func features(
    _ x: SparseMatrix, codes: DenseMatrix?, _ candidate: TextFeaturePipeline.InputCandidate,
    _ standardized: Bool
  ) throws -> any FeatureMatrix {
    try features(x, block: block(codes, candidate, standardized), candidate)
  }

  /// A linear input's features, from its codes block (`nil` for an input without codes).
  static func features(
    _ x: SparseMatrix, block: DenseMatrix?, _ candidate: TextFeaturePipeline.InputCandidate
  ) throws -> any FeatureMatrix {
    switch candidate.input {
    case .tfidf, .nbsvm: return x
    case .codes: return block!
    case .both, .nbsvmCodes: return try ConcatenatedFeatures(x, block!)
    }
  }

  /// The logistic regression, for a linear input.
  var linear: LogisticRegression? {
    if case .linear(let model, _, _) = self { return model }
    return nil
  }

  /// The NBSVM, for a naive-Bayes input.
  var naiveBayes: NaiveBayesLogisticRegression? {
    if case .naiveBayes(let model, _, _) = self { return model }
    return nil
  }

  /// The class labels, sorted.
  package var classes: [String] {
    switch self {
    case .linear(let model, _, _): model.classes
    case .naiveBayes(let model, _, _): model.classes
    }
  }

  /// Class probabilities of TF-IDF rows `x` with their `codes`.
  package func probabilities(_ x: SparseMatrix, codes: DenseMatrix?) throws -> DenseMatrix {
    switch self {
    case .linear(let model, let candidate, let standardized):
      return try model.classProbabilities(Self.features(x, codes: codes, candidate, standardized))
    case .naiveBayes(let model, let candidate, let standardized):
      return try model.probabilities(
        for: x, dense: Self.block(codes, candidate, standardized))
    }
  }

  /// The most probable class of each row.
  package func predict(_ x: SparseMatrix, codes: DenseMatrix?) throws -> [String] {
    switch self {
    case .linear(let model, let candidate, let standardized):
      return try model.predictedLabels(Self.features(x, codes: codes, candidate, standardized))
    case .naiveBayes(let model, let candidate, let standardized):
      return try model.predict(x, dense: Self.block(codes, candidate, standardized))
    }
  }

  /// The classifier's C.
  package var c: Double {
    switch self {
    case .linear(let model, _, _): model.configuration.inverseRegularization
    case .naiveBayes(let model, _, _): model.configuration.inverseRegularization
    }
  }

  /// How fitting ended.
  package var convergence: LogisticRegression.Convergence {
    switch self {
    case .linear(let model, _, _): model.convergence
    case .naiveBayes(let model, _, _): model.convergence
    }
  }

  /// The tensors a bundle stores.
  package var parameters: [String: Tensor] {
    switch self {
    case .linear(let model, _, _): model.parameters
    case .naiveBayes(let model, _, _): model.parameters
    }
  }
}
