import ArgumentParser
import Foundation
import SparseText

extension TextFeaturePipeline.ClassifierInput: ExpressibleByArgument {}
extension AnomalyScores.Method: ExpressibleByArgument {}
extension TextFeaturePipeline.Configuration.ChoiceSearch: ExpressibleByArgument {}

struct Fit: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract:
      "Fit the pipeline (vectorizer → sparse autoencoder → classifier) and write a model bundle.",
    discussion: """
      Examples:
        sparsetext fit reviews.jsonl -o model/
        sparsetext fit bbc/ -o model/ --hidden 512 --epochs 30
        sparsetext fit tweets.csv --label-column sentiment -o model/ --no-autoencoder
        sparsetext fit corpus.txt -o model/ --config pipeline.json
      The bundle is a directory of config.json, vocabulary.json and model.safetensors, which \
      predict, evaluate, encode, score, inspect, export-embeddings and vectorize --model read. \
      Labels are optional: without them the classifier is skipped.
      """)

  @OptionGroup var input: InputOptions

  @Option(name: .shortAndLong, help: "The model directory to write.")
  var output: String

  @Option(
    help:
      "A JSON pipeline configuration (the `configuration` object of a bundle's config.json); the options given explicitly override its values, each override noted on standard error."
  )
  var config: String?

  @Flag(help: "Skip the sparse autoencoder.")
  var noAutoencoder = false

  @Flag(help: "Skip the classifier even when labels are present.")
  var noClassifier = false

  @Option(
    help:
      "What the classifier reads: \(TextFeaturePipeline.ClassifierInput.allCases.map(\.rawValue).joined(separator: ", ")) (default: chosen with C by cross-validation)."
  )
  var classifierInput: TextFeaturePipeline.ClassifierInput?

  @Option(
    help: ArgumentHelp(
      "How cross-validation searches the classifier's inputs and C: halving (every pair on the first fold, the best third of those left on each next one) or exhaustive (every pair on every fold) (default: \(TextFeaturePipeline.Configuration().choiceSearch.rawValue)).",
      valueName: "search"))
  var choiceSearch: TextFeaturePipeline.Configuration.ChoiceSearch?

  @Option(
    help: ArgumentHelp(
      "The most labelled rows that cross-validation reads: with more, it chooses the classifier's input and C on a stratified sample of this many, and the final classifier still fits every row; a fold's autoencoder reads at most this many rows, or 50,000 when that is more (the fold's and a sample of the unlabelled text); all reads every row (default: \(RowLimit(TextFeaturePipeline.Configuration().choiceRows).defaultValueDescription)).",
      valueName: "n|all"))
  var choiceRows: RowLimit?

  @OptionGroup var pipeline: PipelineOptions

  @Option(
    help: ArgumentHelp(
      "Quantile of the training anomaly scores that `score` flags documents above (default: \(TextFeaturePipeline.Configuration().outlierQuantile)).",
      valueName: "q"))
  var outlierQuantile: Double?

  @Option(
    help: ArgumentHelp(
      "The anomaly score `score` reports: \(AnomalyScores.Method.allCases.map(\.rawValue).joined(separator: ", ")) (default: \(TextFeaturePipeline.Configuration().anomalyScore.rawValue)).",
      valueName: "method"))
  var anomalyScore: AnomalyScores.Method?

  @Option(
    help: ArgumentHelp(
      "Take the vocabulary and idf from merged term statistics (`sparsetext statistics merge`) instead of fitting them on INPUT; the autoencoder and classifier still train on INPUT.",
      valueName: "file"))
  var statistics: String?

  @OptionGroup var vectorizer: VectorizerOptions
  @OptionGroup var autoencoder: AutoencoderOptions
  @OptionGroup var global: GlobalOptions

  /// The pipeline configuration: `--config`'s file, or the library's defaults, with every
  /// option given on the command line applied on top. Values the options change in the file
  /// are reported as warnings.
  func configuration() throws -> TextFeaturePipeline.Configuration {
    let defaults = TextFeaturePipeline.Configuration()
    let file = try config.map {
      try RunPaths.read($0, as: "--config")
      return try TextFeaturePipeline.Configuration(contentsOf: URL(fileURLWithPath: $0))
    }
    let base = file ?? defaults
    var configuration = base
    configuration.vectorizer = try vectorizer.tfidf(base: base.vectorizer)
    if noAutoencoder {
      configuration.autoencoder = nil
    } else if let sae = base.autoencoder {
      configuration.autoencoder = try autoencoder.configuration(base: sae)
    } else if autoencoder.anyGiven {
      // The file has no autoencoder: options for one add it.
      configuration.autoencoder = try autoencoder.configuration()
    }
    if noClassifier { configuration.classifier = nil }
    if let classifierInput { configuration.classifierInput = classifierInput }
    if let choiceSearch { configuration.choiceSearch = choiceSearch }
    if let choiceRows { configuration.choiceRows = choiceRows.rows }
    configuration.classifierNgrams = pipeline.classifierNgrams(
      base: configuration.classifierNgrams, ngramsGiven: vectorizer.ngrams != nil)
    if let scaling = pipeline.codeScaling { configuration.codeScaling = scaling }
    if let c = pipeline.c { configuration.cValues = c.values }
    if let w = pipeline.codesWeights { configuration.codesWeights = w.values }
    if let outlierQuantile { configuration.outlierQuantile = outlierQuantile }
    if let anomalyScore { configuration.anomalyScore = anomalyScore }
    if let file, let config {
      for change in try JSONFormat.differences(file, configuration) {
        Terminal.warn(
          "an option overrides \(config): \(change.path): \(change.old ?? "null") → \(change.new ?? "null")"
        )
      }
    }
    return configuration
  }

  func validate() throws {
    try OutputNames.requireDirectory(output, option: "-o")
  }

  func run() throws {
    // The bundle's place is checked and locked before reading and training, not after.
    let outputs = try OutputPlan(
      directories: [
        .init(
          name: "-o", path: output, formats: [TextFeaturePipeline.formatName],
          entries: TextFeaturePipeline.bundleEntries)
      ],
      inputs: [("INPUT", input.input), ("--config", config), ("--statistics", statistics)]
        + vectorizer.readPaths + pipeline.readPaths)
    defer { outputs.release() }
    let documents = try input.documents()
    let configuration = try self.configuration()
    let unlabeledTexts = try pipeline.unlabeledTexts(input.read)
    let labelled = documents.filter { $0.label != nil }.count
    var labels: [String]?
    if labelled == documents.count, configuration.classifier != nil {
      labels = documents.map { $0.label! }
    } else if labelled > 0 && labelled < documents.count {
      throw DataError.missingLabels(unlabeled: documents.count - labelled, total: documents.count)
    }
    let display = TrainingDisplay(
      epochs: configuration.autoencoder?.epochs ?? 0, quiet: global.quiet,
      sparsityTerms: configuration.autoencoder?.topK == nil)
    let quiet = global.quiet
    let started = Date()
    let fitted = try statistics.map {
      try RunPaths.read($0, as: "--statistics")
      return try TermStatistics(contentsOf: URL(fileURLWithPath: $0)).vectorizer(
        configuration: configuration.vectorizer)
    }
    let pipeline = try TextFeaturePipeline(
      fitting: documents.map(\.text), labels: labels, unlabeled: unlabeledTexts,
      configuration: configuration, fittedVectorizer: fitted
    ) { event in
      switch event {
      case .stage(let name): Terminal.note("· \(name)", quiet: quiet)
      case .autoencoder(let e): display.handle(e)
      }
    }
    try pipeline.write(to: URL(fileURLWithPath: output))
    let seconds = Date().timeIntervalSince(started)
    var summary: [String: Any] = [
      "documents": documents.count, "terms": pipeline.vectorizer.vocabulary.count,
      "seconds": seconds, "output": output,
    ]
    if let sae = pipeline.autoencoder { summary["hidden_units"] = sae.configuration.hiddenUnits }
    if let terms = pipeline.classifierVectorizer {
      summary["classifier_terms"] = terms.vocabulary.count
    }
    if let classifier = pipeline.fittedClassifier, let choice = pipeline.classifierChoice {
      summary["classes"] = classifier.classes
      summary["C"] = classifier.c
      summary["converged"] = classifier.convergence.converged
      summary["classifier_input"] = choice.input.rawValue
      if let w = choice.codesWeight { summary["codes_weight"] = w }
      if let rows = choice.sampledRows { summary["cross_validation_rows"] = rows }
      if !choice.crossValidation.isEmpty {
        summary["cross_validation"] = choice.crossValidation.map { row -> [String: Any] in
          var entry: [String: Any] = [
            "input": row.input.rawValue, "C": row.c, "accuracy": row.accuracy,
          ]
          if let w = row.codesWeight { entry["codes_weight"] = w }
          if let folds = row.scoredFolds { entry["scored_folds"] = folds }
          return entry
        }
      }
      if !classifier.convergence.converged {
        Terminal.warn(
          "the classifier stopped after \(classifier.convergence.iterations) iterations before converging; raise maxIterations in --config or lower C"
        )
      }
    }
    if global.json {
      let data = try JSONFormat.data(object: summary)
      try Console.current.print(String(decoding: data, as: UTF8.self))
    } else {
      var line =
        "fitted on \(documents.count) documents: \(pipeline.vectorizer.vocabulary.count) terms"
      if let terms = pipeline.classifierVectorizer {
        line += " (the classifier's: \(terms.vocabulary.count))"
      }
      if let sae = pipeline.autoencoder {
        line += ", \(sae.configuration.hiddenUnits) latent units"
      }
      if let classifier = pipeline.fittedClassifier, let choice = pipeline.classifierChoice {
        line += ", classes \(classifier.classes.joined(separator: " "))"
        line += ", classifier reads \(choice.input.rawValue)"
        if let w = choice.codesWeight { line += " (codes weight \(w.formatted()))" }
        line += " with C \(choice.c.formatted())"
        if let accuracy = choice.accuracy, let folds = choice.folds {
          let sample = choice.sampledRows.map { " on \($0) of the labelled rows" } ?? ""
          line += String(
            format: " (%.2f%% in %d-fold cross-validation%@)", accuracy * 100, folds, sample)
        }
      }
      try Console.current.print(line + String(format: " in %.1f s → %@", seconds, output))
    }
  }
}
