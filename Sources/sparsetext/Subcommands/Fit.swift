import ArgumentParser
import Foundation
import SparseText

extension TextFeaturePipeline.ClassifierInput: ExpressibleByArgument {}
extension AnomalyScores.Method: ExpressibleByArgument {}

struct Fit: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract:
      "Fit the pipeline (vectorizer → sparse autoencoder → classifier) and write a model bundle.",
    discussion: """
      Examples:
        sparsetext fit bbc/ -o model/ --min-df 2 --sublinear-tf --hidden 256
        sparsetext fit tweets.csv --label-column sentiment -o model/ --no-autoencoder
        sparsetext fit corpus.txt -o model/ --config pipeline.json
      The bundle holds config.json, vocabulary.json and model.safetensors; predict, evaluate,
      encode, inspect and vectorize --model reuse it. Labels are optional: without them the
      classifier is skipped.
      """)

  @OptionGroup var input: InputOptions

  @Option(name: .shortAndLong, help: "The model directory to write.")
  var output: String

  @Option(
    help:
      "A JSON pipeline configuration (the `configuration` object of a bundle's config.json); overrides the flags."
  )
  var config: String?

  @Flag(help: "Skip the sparse autoencoder.")
  var noAutoencoder = false

  @Flag(help: "Skip the classifier even when labels are present.")
  var noClassifier = false

  @Option(help: "What the classifier reads: tfidf, codes or both.")
  var classifierInput: TextFeaturePipeline.ClassifierInput?

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

  func run() throws {
    // The bundle's place is checked and locked before reading and training, not after.
    let outputs = try OutputPlan(
      directories: [
        .init(
          path: output, formats: [TextFeaturePipeline.formatName],
          entries: TextFeaturePipeline.bundleEntries)
      ], inputs: [input.input, config, statistics])
    defer { outputs.release() }
    let documents = try input.documents()
    var configuration: TextFeaturePipeline.Configuration
    if let config {
      guard let data = try? Data(contentsOf: URL(fileURLWithPath: config)) else {
        throw DataError.unreadableFile(file: config, reason: "cannot read the configuration")
      }
      do {
        configuration = try JSONDecoder().decode(TextFeaturePipeline.Configuration.self, from: data)
      } catch {
        throw DataError.malformedRecord(
          file: config, line: 1, column: nil, byteOffset: 0,
          reason: "not a pipeline configuration (\(error))")
      }
    } else {
      let defaults = TextFeaturePipeline.Configuration()
      let cValues = try pipeline.cValues()
      configuration = TextFeaturePipeline.Configuration(
        vectorizer: try vectorizer.pipelineTfidf(),
        autoencoder: noAutoencoder ? nil : try autoencoder.configuration(),
        classifier: noClassifier ? nil : defaults.classifier, classifierInput: classifierInput,
        codeScaling: pipeline.effectiveCodeScaling, cValues: cValues, folds: defaults.folds)
    }
    if let outlierQuantile { configuration.outlierQuantile = outlierQuantile }
    if let anomalyScore { configuration.anomalyScore = anomalyScore }
    let unlabeledTexts = try pipeline.unlabeledTexts(input.read)
    let labelled = documents.filter { $0.label != nil }.count
    var labels: [String]?
    if labelled == documents.count, configuration.classifier != nil {
      labels = documents.map { $0.label! }
    } else if labelled > 0 && labelled < documents.count {
      throw DataError.unusableCorpus(
        reason: "\(documents.count - labelled) of \(documents.count) documents have no label",
        suggestion: "Label every document, or pass --no-classifier to fit without labels.")
    }
    let display = TrainingDisplay(
      epochs: configuration.autoencoder?.epochs ?? 0, quiet: global.quiet)
    let quiet = global.quiet
    let started = Date()
    let fitted = try statistics.map {
      try TermStatistics(contentsOf: URL(fileURLWithPath: $0)).vectorizer(
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
    if let classifier = pipeline.classifier {
      summary["classes"] = classifier.classes
      summary["C"] = classifier.configuration.inverseRegularization
      summary["converged"] = classifier.convergence.converged
      if !classifier.convergence.converged {
        Terminal.warn(
          "the classifier stopped after \(classifier.convergence.iterations) iterations before converging; raise maxIterations in --config or lower C"
        )
      }
    }
    if global.json {
      let data = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
      print(String(decoding: data, as: UTF8.self))
    } else {
      var line =
        "fitted on \(documents.count) documents: \(pipeline.vectorizer.vocabulary.count) terms"
      if let sae = pipeline.autoencoder {
        line += ", \(sae.configuration.hiddenUnits) latent units"
      }
      if let classifier = pipeline.classifier {
        line += ", classes \(classifier.classes.joined(separator: " "))"
      }
      print(line + String(format: " in %.1f s → %@", seconds, output))
    }
  }
}

struct Predict: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Predict labels (and probabilities) for a corpus with a fitted model.",
    discussion: """
      Examples:
        sparsetext predict model/ new.txt -o predictions.tsv
        sparsetext predict model/ new.txt --probabilities --output-format jsonl
      """)

  @Argument(help: "The model bundle.")
  var model: String

  @OptionGroup var input: InputOptions

  @Option(name: .shortAndLong, help: "Write here instead of standard output.")
  var output: String?

  @Flag(help: "Include each class's probability.")
  var probabilities = false

  @Option(name: .customLong("output-format"), help: "tsv or jsonl.")
  var outputFormat: String = "tsv"

  @OptionGroup var global: GlobalOptions

  func validate() throws {
    guard ["tsv", "jsonl"].contains(outputFormat) else {
      throw ValidationError("--output-format is tsv or jsonl")
    }
  }

  func run() throws {
    let outputs = try OutputPlan(files: [output], inputs: [input.input], models: [model])
    defer { outputs.release() }
    let pipeline = try TextFeaturePipeline(contentsOf: URL(fileURLWithPath: model))
    let documents = try input.documents()
    let texts = documents.map(\.text)
    let predicted = try pipeline.predict(texts)
    let p = probabilities ? try pipeline.probabilities(for: texts) : nil
    var text = ""
    if outputFormat == "tsv" {
      text = "id\tlabel" + (p != nil ? pipeline.classes.map { "\t" + $0 }.joined() : "") + "\n"
    }
    for (r, document) in documents.enumerated() {
      if outputFormat == "tsv" {
        text += "\(document.id)\t\(predicted[r])"
        if let p { for j in 0..<p.columns { text += "\t\(p[r, j])" } }
        text += "\n"
      } else {
        var object: [String: Any] = ["id": document.id, "label": predicted[r]]
        if let p {
          object["probabilities"] = Dictionary(
            uniqueKeysWithValues: pipeline.classes.enumerated().map { ($1, Double(p[r, $0])) })
        }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        text += String(decoding: data, as: UTF8.self) + "\n"
      }
    }
    if let output {
      try AtomicFile.write(Data(text.utf8), to: URL(fileURLWithPath: output))
    } else {
      FileHandle.standardOutput.write(Data(text.utf8))
    }
  }
}

struct Evaluate: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Score a fitted model on a labelled corpus: accuracy, F1, confusion matrix.",
    discussion: "Example:\n  sparsetext evaluate model/ test.txt")

  @Argument(help: "The model bundle.")
  var model: String

  @OptionGroup var input: InputOptions
  @OptionGroup var global: GlobalOptions

  func run() throws {
    let pipeline = try TextFeaturePipeline(contentsOf: URL(fileURLWithPath: model))
    let documents = try input.documents()
    let truth = try documents.map { try Experiment.label(of: $0) }
    let known = Set(pipeline.classes)
    let unseen = truth.filter { !known.contains($0) }
    if !unseen.isEmpty {
      let names = Set(unseen).sorted().prefix(5).joined(separator: ", ")
      Terminal.warn(
        "\(unseen.count) of \(truth.count) documents have labels the model never saw (\(names)); "
          + "they count as errors. The model knows: \(pipeline.classes.joined(separator: ", "))")
    }
    let texts = documents.map(\.text)
    let report = try ClassificationReport(
      truth: truth, predicted: try pipeline.predict(texts),
      probabilities: try pipeline.probabilities(for: texts), classes: pipeline.classes)
    if global.json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys]
      print(String(decoding: try encoder.encode(report), as: UTF8.self))
      return
    }
    print(report.table)
    if let logLoss = report.logLoss { print(String(format: "log-loss    %.4f", logLoss)) }
    print(
      "\nconfusion (rows: truth, columns: predicted; order \(report.labels.joined(separator: ", "))):"
    )
    for row in report.confusion { print(row.map { String(format: "%6d", $0) }.joined()) }
  }
}

struct ExportEmbeddings: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export-embeddings",
    abstract: "Write each vocabulary term's vector (its encoder column) in word2vec text format.",
    discussion: "Example:\n  sparsetext export-embeddings model/ -o terms.vec")

  @Argument(help: "The model bundle (with an autoencoder).")
  var model: String

  @Option(name: .shortAndLong, help: "The .vec file to write.")
  var output: String

  func run() throws {
    let outputs = try OutputPlan(files: [output], models: [model])
    defer { outputs.release() }
    let pipeline = try TextFeaturePipeline(contentsOf: URL(fileURLWithPath: model))
    guard let sae = pipeline.autoencoder else {
      throw CommandError.usage("this model has no autoencoder, so its terms have no vectors")
    }
    let weight = sae.parameters["encoder.weight"]!
    let hidden = weight.shape[0]
    let terms = pipeline.vectorizer.vocabulary.terms
    var text = "\(terms.count) \(hidden)\n"
    for (c, term) in terms.enumerated() {
      // word2vec text files separate fields by spaces: spaces inside a term (n-grams) become _.
      text += term.replacingOccurrences(of: " ", with: "_")
      for j in 0..<hidden { text += " \(weight.values[j * terms.count + c])" }
      text += "\n"
    }
    try AtomicFile.write(Data(text.utf8), to: URL(fileURLWithPath: output))
  }
}
