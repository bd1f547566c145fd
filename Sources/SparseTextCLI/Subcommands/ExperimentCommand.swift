import ArgumentParser
import Foundation
import SparseText
import SparseTextExperiments

struct ExperimentCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "experiment",
    abstract:
      "Compare TF-IDF, NBSVM, sparse codes, both, and the pipeline's own choice as classifier inputs.",
    discussion: """
      Examples:
        sparsetext corpus fetch bbc
        sparsetext experiment --corpus bbc --report out/bbc
        sparsetext experiment --train train.jsonl --test test.jsonl --hidden 128
        sparsetext experiment reviews.csv --label-fractions 0.01,0.1,1 --report out/
        sparsetext experiment reviews.csv --label-column sentiment --cv 5
        sparsetext experiment --train train.jsonl --test test.jsonl --repeats 4
        sparsetext experiment train.jsonl --grid topk=16,32,64 --grid hidden=256,512
        sparsetext experiment --novelty --train train.jsonl --test test.jsonl
        sparsetext experiment --retrieval --train train.jsonl --test test.jsonl
      Pipelines: tfidf_lr (TF-IDF → LR), nbsvm_lr (naive-Bayes-weighted binary terms → LR), \
      sae_lr (TF-IDF → codes → LR), concat_lr (both → LR), best (what fit bundles, fitted as fit \
      fits it: its classifier's word pairs, codes that learn the labels, the input and C its \
      cross-validation chooses) and, with a label weight or task weight above 0, label_sae_lr (LR \
      on the codes of best's autoencoder). The vectorizer and autoencoder are fitted on training text only; \
      along a learning curve each fraction's C (and best's input) is chosen on its own labels, \
      and best is fitted again with that fraction's labels only.
      With --repeats N: the split given, then N − 1 seeded stratified resplits of train + test \
      with the same test share; each pipeline's mean, standard deviation and paired difference \
      from tfidf_lr.
      With --grid, every combination of the settings is ranked by cross-validation on the training \
      part (the test part is not read); each fold's autoencoder learns that fold's training labels \
      when its label or task weight is above 0, as fit's does; the table ends with a fit command \
      for the winner.
      With --novelty: for each class, fit on the other classes' training documents, score every \
      test document, and report the ROC-AUC of picking out the held-out class for each anomaly \
      score and two baselines (SVD-256 reconstruction error, 1 − nearest-neighbour cosine).
      With --retrieval: TF-IDF cosine, its SVD-256 and the codes judged as embeddings: P@10 and MAP \
      of same-label neighbours (test documents query the training part), NMI of k-means on the \
      test part, and an 8-shot linear probe over 10 draws.
      """)

  @Argument(help: "A labelled corpus to split (with --test-fraction) or cross-validate (--cv).")
  var input: String?

  @Option(help: "Training corpus.")
  var train: String?

  @Option(help: "Test corpus.")
  var test: String?

  @OptionGroup var source: SplitOptions

  @Option(help: "Run K-fold cross-validation on INPUT instead of one split.")
  var cv: Int?

  @Option(
    help: ArgumentHelp(
      "Runs: the split given (seed 0), then seeded stratified resplits of train + test with the same test share (default: 1).",
      valueName: "N"))
  var repeats: Int?

  @OptionGroup var pipeline: PipelineOptions

  @Option(
    help: "Folds for the C grid search (default: \(TextFeaturePipeline.Configuration().folds)).")
  var folds: Int?

  @Option(
    help: ArgumentHelp(
      "Rank autoencoder settings by cross-validation on the training part instead of one run: KEY=V1,V2 … with keys \(GridAxisArgument.names). Repeatable.",
      valueName: "key=values"))
  var grid: [String] = []

  @Option(
    help: ArgumentHelp("Label fractions for a learning curve, e.g. 0.01,0.1,1.", valueName: "f,…"))
  var labelFractions: PositiveNumbers?

  @Flag(
    help:
      "Measure novelty scores instead of classifiers: each class held out in turn, ROC-AUC of picking it out of the test part."
  )
  var novelty = false

  @Flag(
    help:
      "Judge TF-IDF, its SVD-256 and the codes as embeddings instead: P@10 and MAP of same-label neighbours, k-means NMI, an 8-shot probe."
  )
  var retrieval = false

  @Flag(help: "Skip the autoencoder (tfidf_lr only).")
  var noAutoencoder = false

  @Option(help: "Write report.json, report.md and learning_curve.svg here.")
  var report: String?

  @OptionGroup var read: ReadOptions
  @OptionGroup var vectorizer: VectorizerOptions
  @OptionGroup var autoencoder: AutoencoderOptions
  @OptionGroup var global: GlobalOptions

  /// The files `--report` will hold, whichever mode runs.
  static let reportFiles = [
    "report.json", "report.md", "learning_curve.svg", "roc.svg", "grid.json", "grid.md",
  ]

  func run() throws {
    try checkDataSources()
    try checkModeOptions()
    // Every file the report directory will hold is checked against every input before any work.
    let outputs = try OutputPlan(
      reports: [("--report", report, Self.reportFiles)],
      inputs: [("INPUT", input), ("--train", train), ("--test", test)] + (try source.readPaths())
        + pipeline.readPaths + vectorizer.readPaths)
    defer { outputs.release() }
    let defaults = Experiment.Configuration()
    let experimentConfiguration = Experiment.Configuration(
      vectorizer: try vectorizer.pipelineTfidf(),
      autoencoder: noAutoencoder ? nil : try autoencoder.configuration(),
      classifier: defaults.classifier,
      cValues: pipeline.cValues,
      folds: folds ?? defaults.folds,
      labelFractions: labelFractions?.values ?? [],
      seed: autoencoder.effectiveSeed, codeScaling: pipeline.effectiveCodeScaling,
      codesWeights: pipeline.codesWeights?.values ?? defaults.codesWeights,
      classifierNgrams: pipeline.classifierNgrams(
        base: defaults.classifierNgrams, ngramsGiven: vectorizer.ngrams != nil))
    if novelty {
      try runNovelty(experimentConfiguration)
      return
    }
    if retrieval {
      try runRetrieval(experimentConfiguration)
      return
    }
    let unlabeledTexts = try pipeline.unlabeledTexts(read)
    if !grid.isEmpty {
      try runGrid(experimentConfiguration, unlabeled: unlabeledTexts)
      return
    }
    if let repeats, repeats < 1 {
      throw CommandError.usage("--repeats is \(repeats), but it must be 1 or more.")
    }
    if let repeats, repeats > 1, cv != nil {
      throw CommandError.usage("--repeats resplits one train/test division; drop --cv")
    }
    var (parts, dataInfo) = try loadParts()
    if let repeats, repeats > 1 {
      parts = try Self.resplits(parts[0], count: repeats)
      dataInfo.train = parts.map(\.train.count)
      dataInfo.test = parts.map(\.test.count)
    }
    let display = TrainingDisplay(
      epochs: experimentConfiguration.autoencoder?.epochs ?? 0, quiet: global.quiet,
      sparsityTerms: experimentConfiguration.autoencoder?.topK == nil)
    let experiment = Experiment(experimentConfiguration)
    var results: [Experiment.Result] = []
    for (index, part) in parts.enumerated() {
      if parts.count > 1 {
        Terminal.note(
          "\((repeats ?? 1) > 1 ? "repeat" : "fold") \(index + 1)/\(parts.count)",
          quiet: global.quiet)
      }
      let result = try experiment.run(
        train: part.train, test: part.test, unlabeled: unlabeledTexts
      ) { event in
        switch event {
        case .step(let name): Terminal.note("· \(name)", quiet: global.quiet)
        case .autoencoder(let e): display.handle(e)
        case .gridFold: break
        }
      }
      results.append(result)
    }
    let summary = ExperimentReport(
      results: results, configuration: experimentConfiguration, data: dataInfo,
      runs: (repeats ?? 1) > 1 ? "repeats" : "folds")
    try Console.current.print(summary.table)
    if let report {
      try Self.commit(report) { try summary.write(to: $0, in: $1) }
      Terminal.note("report: \(Self.path(report, "report.md"))", quiet: global.quiet)
    }
  }

  /// `--novelty`: the held-out-class protocol on one training/test division.
  func runNovelty(_ configuration: Experiment.Configuration) throws {
    guard let sae = configuration.autoencoder else {
      throw CommandError.usage(
        "--novelty scores the autoencoder's reconstruction; drop --no-autoencoder")
    }
    let noveltyConfiguration = NoveltyExperiment.Configuration(
      pipeline: TextFeaturePipeline.Configuration(
        vectorizer: configuration.vectorizer, autoencoder: sae, classifier: nil,
        codeScaling: configuration.codeScaling))
    let (parts, dataInfo) = try loadParts()
    let display = TrainingDisplay(
      epochs: sae.epochs, quiet: global.quiet, sparsityTerms: sae.topK == nil)
    let quiet = global.quiet
    let results = try NoveltyExperiment(noveltyConfiguration).run(
      train: parts[0].train, test: parts[0].test
    ) { event in
      switch event {
      case .heldOut(let name, let index, let count):
        Terminal.note("held out \(index + 1)/\(count): \(name)", quiet: quiet)
      case .step(let name): Terminal.note("· \(name)", quiet: quiet)
      case .autoencoder(let e): display.handle(e)
      }
    }
    let summary = NoveltyReport(
      results: results, configuration: noveltyConfiguration, data: dataInfo)
    try Console.current.print(summary.table)
    if let report {
      try Self.commit(report) { try summary.write(to: $0, in: $1) }
      Terminal.note("report: \(Self.path(report, "report.md"))", quiet: global.quiet)
    }
  }

  /// `--retrieval`: the representations judged as embeddings on one training/test division.
  func runRetrieval(_ configuration: Experiment.Configuration) throws {
    let retrievalConfiguration = RetrievalExperiment.Configuration(
      vectorizer: configuration.vectorizer, autoencoder: configuration.autoencoder,
      codeScaling: configuration.codeScaling, seed: configuration.seed)
    let (parts, dataInfo) = try loadParts()
    let display = TrainingDisplay(
      epochs: configuration.autoencoder?.epochs ?? 0, quiet: global.quiet)
    let quiet = global.quiet
    let result = try RetrievalExperiment(retrievalConfiguration).run(
      train: parts[0].train, test: parts[0].test
    ) { event in
      switch event {
      case .step(let name): Terminal.note("· \(name)", quiet: quiet)
      case .autoencoder(let e): display.handle(e)
      }
    }
    let summary = RetrievalReport(
      result: result, configuration: retrievalConfiguration,
      data: dataInfo)
    try Console.current.print(summary.table)
    if let report {
      try Self.commit(report) { try summary.write(to: $0, in: $1) }
      Terminal.note("report: \(Self.path(report, "report.md"))", quiet: global.quiet)
    }
  }

  /// `--grid`: every combination of the settings, ranked by cross-validation on the training
  /// part (the test part, when there is one, is not read).
  func runGrid(_ configuration: Experiment.Configuration, unlabeled: [String]) throws {
    guard let base = configuration.autoencoder else {
      throw CommandError.usage("--grid varies the autoencoder; drop --no-autoencoder")
    }
    let axes = try grid.map { try GridAxisArgument.axis(parsing: $0) }
    let searchGrid = AutoencoderGrid(axes: axes)
    let combinations = try searchGrid.combinations(base: base)
    let (parts, dataInfo) = try loadParts()
    let train = parts[0].train
    let quiet = global.quiet
    Terminal.note(
      "grid: \(combinations.count) settings, each cross-validated on the \(train.count) training documents (up to \(configuration.folds) folds); the test part is not read",
      quiet: quiet)
    // Epoch lines would be settings × folds × epochs; each fold's end is reported instead, with
    // the time left (the bar of the epoch under way is still drawn on a terminal).
    let display = TrainingDisplay(
      epochs: base.epochs, quiet: quiet, sparsityTerms: base.topK == nil, epochLines: false)
    let progress = GridProgress(combinations: combinations, grid: searchGrid, quiet: quiet)
    let rows = try Experiment(configuration).gridSearch(
      searchGrid, train: train, unlabeled: unlabeled
    ) { event in
      switch event {
      case .step(.gridCombination(let index, _, _)):
        let settings = combinations[index - 1].configuration
        display.start(epochs: settings.epochs, sparsityTerms: settings.topK == nil)
        progress.started(index)
      case .step(let name): Terminal.note("· \(name)", quiet: quiet, console: progress.console)
      case .autoencoder(let e): display.handle(e)
      case .gridFold(let combination, _, let fold, let folds, let row):
        progress.finished(combination: combination, fold: fold, folds: folds, row: row)
      }
    }
    let gridReport = GridReport(rows: rows, grid: searchGrid, data: dataInfo)
    try Console.current.print(gridReport.table)
    if let best = rows.first {
      try Console.current.print(
        "\nBest: \(searchGrid.describe(best.settings)). Fit a model with it:\n  "
          + GridProgress.fitCommand(
            arguments: CommandLineTool.arguments, winner: best.settings, grid: searchGrid,
            corpus: source.corpus))
    }
    if let report {
      try Self.commit(report) { try gridReport.write(to: $0, in: $1) }
      Terminal.note("report: \(Self.path(report, "grid.md"))", quiet: global.quiet)
    }
  }

  /// `split` itself (seed 0), then `count − 1` stratified resplits of its documents (seeds 1,
  /// 2, …) with the same share in test.
  static func resplits(
    _ split: (train: [LabeledDocument], test: [LabeledDocument]), count: Int
  ) throws -> [(train: [LabeledDocument], test: [LabeledDocument])] {
    let documents = split.train + split.test
    let labels = try documents.map { try Experiment.label(of: $0) }
    let share = Double(split.test.count) / Double(documents.count)
    var parts = [split]
    for seed in 1..<count {
      let (train, test) = try StratifiedSplit.trainTest(
        labels: labels, testFraction: share, seed: UInt64(seed))
      parts.append((train.map { documents[$0] }, test.map { documents[$0] }))
    }
    return parts
  }

  /// Writes the report's files into `report` (created with any missing parents) all together:
  /// each is written to its temporary file by `write`, then all are renamed at once, or none.
  static func commit(_ report: String, _ write: (URL, OutputCommit) throws -> Void) throws {
    let directory = URL(fileURLWithPath: report)
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    } catch {
      throw OutputError.translating(error, file: report)
    }
    let commit = OutputCommit()
    try write(directory, commit)
    try commit.commit()
  }

  /// `name` inside the directory `directory`, as given (`out/` and `out` give `out/name`).
  static func path(_ directory: String, _ name: String) -> String {
    (directory as NSString).appendingPathComponent(name)
  }

  /// The data comes either as `--train` and `--test`, or as INPUT or `--corpus` to divide:
  /// anything else would leave a given option unread (`INPUT --test T` would split INPUT and
  /// never read T).
  func checkDataSources() throws {
    switch (train, test) {
    case (nil, nil): return
    case (_?, nil): throw CommandError.usage("--train needs --test (the test corpus)")
    case (nil, let test?):
      guard let input else {
        throw CommandError.usage("--test needs --train (the training corpus)")
      }
      throw CommandError.usage(
        "--test needs --train: give --train \(input) --test \(test), or INPUT alone to split it (--test-fraction, --split)"
      )
    case (_?, _?):
      let unread = [
        input.map { _ in "INPUT" }, source.corpus.map { _ in "--corpus" },
        source.split.map { _ in "--split" },
      ].compactMap { $0 }
      guard unread.isEmpty else {
        throw CommandError.usage(
          "--train and --test give the training and test parts; drop \(unread.joined(separator: ", "))"
        )
      }
    }
  }

  /// How the data is divided and what a mode reads must agree: `--cv` divides INPUT or
  /// `--corpus` itself (with `--train`/`--test` or `--split` it was never read); `--grid`
  /// cross-validates the training part with `--folds` (it read no `--cv`, `--repeats` or
  /// `--label-fractions`; with `--cv` it took the first fold's training part); `--novelty` and
  /// `--retrieval` run one at a time on one training/test division.
  func checkModeOptions() throws {
    if novelty && retrieval {
      throw CommandError.usage(
        "--novelty and --retrieval are two experiments: run them one at a time")
    }
    if novelty || retrieval {
      let unread = [
        grid.isEmpty ? nil : "--grid", cv.map { _ in "--cv" }, repeats.map { _ in "--repeats" },
        labelFractions.map { _ in "--label-fractions" },
        pipeline.unlabeled.isEmpty ? nil : "--unlabeled",
      ].compactMap { $0 }
      guard unread.isEmpty else {
        throw CommandError.usage(
          "\(novelty ? "--novelty" : "--retrieval") runs on one training/test division; drop \(unread.joined(separator: ", "))"
        )
      }
    }
    if cv != nil && train != nil {
      throw CommandError.usage(
        "--cv divides INPUT or --corpus into folds; --train and --test are one division already: drop --cv"
      )
    }
    if cv != nil && source.split != nil {
      throw CommandError.usage(
        "--cv and --split both divide the corpus: drop one (--split for the fixed division, --cv for K folds)"
      )
    }
    if !grid.isEmpty {
      let unread = [
        cv.map { _ in "--cv" }, repeats.map { _ in "--repeats" },
        labelFractions.map { _ in "--label-fractions" },
      ].compactMap { $0 }
      guard unread.isEmpty else {
        throw CommandError.usage(
          "--grid ranks settings by cross-validation on the training part (--folds); drop \(unread.joined(separator: ", "))"
        )
      }
    }
  }

  /// The train/test parts (one, or one per fold) and a description of the data.
  func loadParts() throws -> ([(train: [LabeledDocument], test: [LabeledDocument])], ReportData) {
    var documents: [LabeledDocument] = []
    var source = ""
    var parts: [(train: [LabeledDocument], test: [LabeledDocument])] = []
    if let train, let test {
      let a = try read.read(train, as: "--train")
      let b = try read.read(test, as: "--test")
      parts = [(a, b)]
      documents = a + b
      source = "\(train) + \(test)"
    } else {
      (documents, source) = try self.source.documents(input: input, read: read)
      if let cv, self.source.split == nil {
        let labels = try documents.map { try Experiment.label(of: $0) }
        let folds: [(train: [Int], test: [Int])]
        do {
          folds = try StratifiedSplit.folds(labels: labels, k: cv, seed: autoencoder.effectiveSeed)
        } catch ConfigurationError.outOfRange(.folds, let value, let allowed) {
          // These folds are --cv's, not the C grid search's (--folds).
          throw CommandError.usage("--cv is \(value), but it must be \(allowed).")
        }
        parts = folds.map { fold in
          (fold.train.map { documents[$0] }, fold.test.map { documents[$0] })
        }
      } else {
        parts = [try self.source.divide(documents, seed: autoencoder.effectiveSeed)]
      }
    }
    return (parts, ReportData(source: source, documents: documents, parts: parts))
  }
}
