import Foundation
import SparseText
import Testing

/// `fit --config FILE`: the file and the options given explicitly merge (options win, each
/// override noted on standard error); a bad file is a configuration error of its own.
@Suite struct FitConfigurationTests {
  static func corpus(in directory: URL) throws -> URL {
    let lines = (0..<30).map { i in
      i % 2 == 0
        ? "__label__sport the match goal team \(i % 5) season coach"
        : "__label__money the bank shares profit \(i % 5) market rates"
    }
    let url = directory.appendingPathComponent("train.txt")
    try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
    return url
  }

  static func configuration(of model: URL) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(
      with: Data(contentsOf: model.appendingPathComponent("config.json")))
    return try #require((object as? [String: Any])?["configuration"] as? [String: Any])
  }

  @Test func optionsGivenOverrideTheFileAndTheRestOfTheFileStays() throws {
    let dir = try CLI.temporaryDirectory()
    let corpus = try Self.corpus(in: dir)
    let config = dir.appendingPathComponent("pipeline.json")
    try Data(
      #"""
      {"vectorizer": {"counting": {"min_document_frequency": {"count": 3}, "max_features": 7},
                      "weighting": {"sublinear_tf": false}},
       "autoencoder": null, "classifier": {"max_iterations": 50}, "c_values": [2]}
      """#.utf8
    ).write(to: config)
    let model = dir.appendingPathComponent("model")
    let result = try CLI.run([
      "fit", corpus.path, "-o", model.path, "--config", config.path, "--min-df", "2", "-q",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    // The override is reported, naming the field, the file's value and the option's.
    #expect(result.stderr.contains("vectorizer.counting.min_document_frequency"))
    #expect(result.stderr.contains("min_document_frequency.count: 3 → 2"))
    #expect(!result.stderr.contains("max_features"))
    let saved = try Self.configuration(of: model)
    let vectorizer = saved["vectorizer"] as? [String: Any]
    let counting = vectorizer?["counting"] as? [String: Any]
    let weighting = vectorizer?["weighting"] as? [String: Any]
    #expect((counting?["min_document_frequency"] as? [String: Any])?["count"] as? Int == 2)
    #expect(counting?["max_features"] as? Int == 7)
    #expect(weighting?["sublinear_tf"] as? Bool == false)
    #expect(saved["autoencoder"] == nil || saved["autoencoder"] is NSNull)
    #expect((saved["classifier"] as? [String: Any])?["max_iterations"] as? Int == 50)
    #expect(saved["c_values"] as? [Double] == [2])
  }

  /// `--topk K` switches the file's autoencoder to the TopK recipe and keeps its other
  /// settings (as the grid's `topk` does); an option given with the library's default value
  /// still overrides the file.
  @Test func topkKeepsTheFilesOtherAutoencoderSettings() throws {
    let dir = try CLI.temporaryDirectory()
    let corpus = try Self.corpus(in: dir)
    let config = dir.appendingPathComponent("pipeline.json")
    try Data(
      #"""
      {"autoencoder": {"hidden_units": 12, "epochs": 2, "weight_decay": 0.01, "batch_size": 7}}
      """#.utf8
    ).write(to: config)
    let defaultDecay = SparseAutoencoder.Configuration().weightDecay
    let model = dir.appendingPathComponent("model")
    let result = try CLI.run([
      "fit", corpus.path, "-o", model.path, "--config", config.path, "--topk", "3",
      "--weight-decay", "\(defaultDecay)", "-q",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let autoencoder = try #require(
      try Self.configuration(of: model)["autoencoder"] as? [String: Any])
    #expect(autoencoder["top_k"] as? Int == 3)
    #expect(autoencoder["activation"] as? String == "relu")
    #expect(autoencoder["unit_norm_decoder"] as? Bool == true)
    #expect(autoencoder["hidden_units"] as? Int == 12)
    #expect(autoencoder["epochs"] as? Int == 2)
    #expect(autoencoder["weight_decay"] as? Double == defaultDecay)
    #expect(autoencoder["batch_size"] as? Int == 7)
  }

  /// A file without an autoencoder gets one when an autoencoder option is given, even with
  /// the library's default value.
  @Test func anAutoencoderOptionAtItsDefaultAddsTheAutoencoder() throws {
    let dir = try CLI.temporaryDirectory()
    let corpus = try Self.corpus(in: dir)
    let config = dir.appendingPathComponent("pipeline.json")
    try Data(#"{"autoencoder": null}"#.utf8).write(to: config)
    let defaults = SparseAutoencoder.Configuration()
    let model = dir.appendingPathComponent("model")
    let result = try CLI.run([
      "fit", corpus.path, "-o", model.path, "--config", config.path, "--hidden",
      "\(defaults.hiddenUnits)", "-q",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let autoencoder = try Self.configuration(of: model)["autoencoder"] as? [String: Any]
    #expect(autoencoder?["hidden_units"] as? Int == defaults.hiddenUnits)
    // Without autoencoder options the file's null stays.
    let plain = dir.appendingPathComponent("plain")
    let without = try CLI.run([
      "fit", corpus.path, "-o", plain.path, "--config", config.path, "-q",
    ])
    #expect(without.status == 0, "\(without.stderr)")
    let saved = try Self.configuration(of: plain)
    #expect(saved["autoencoder"] == nil || saved["autoencoder"] is NSNull)
  }

  @Test func aBadConfigurationFileIsAConfigurationError() throws {
    let dir = try CLI.temporaryDirectory()
    let corpus = try Self.corpus(in: dir)
    let config = dir.appendingPathComponent("pipeline.json")
    try Data(#"{"vectorizer": "tfidf"}"#.utf8).write(to: config)
    let result = try CLI.run([
      "fit", corpus.path, "-o", dir.appendingPathComponent("model").path, "--config", config.path,
    ])
    #expect(result.status == 2)
    #expect(result.stderr.contains("pipeline.json"))
    #expect(result.stderr.contains("not a pipeline configuration"))
    #expect(!result.stderr.contains("--on-bad-record"))
    let missing = try CLI.run([
      "fit", corpus.path, "-o", dir.appendingPathComponent("model").path, "--config",
      dir.appendingPathComponent("nowhere.json").path,
    ])
    #expect(missing.status == 2)
    #expect(missing.stderr.contains("nowhere.json"))
  }

  /// Library messages name configuration fields; the command line prints its flags.
  /// `--choice-rows N` chooses the input and C on a stratified sample of N labelled rows (the
  /// summary says how many, the bundle records the limit); `all` reads every row; a limit
  /// below 100 is refused naming the option.
  @Test func choiceRowsSamplesTheCrossValidation() throws {
    let dir = try CLI.temporaryDirectory()
    let corpus = dir.appendingPathComponent("many.txt")
    let lines = (0..<300).map { i in
      i % 2 == 0
        ? "__label__sport the match goal team \(i % 7) coach"
        : "__label__money the bank shares profit \(i % 7) rates"
    }
    try lines.joined(separator: "\n").write(to: corpus, atomically: true, encoding: .utf8)
    func fit(_ limit: String) throws -> (model: URL, summary: [String: Any]) {
      let model = dir.appendingPathComponent("model-\(limit)")
      let result = try CLI.run([
        "fit", corpus.path, "-o", model.path, "--no-autoencoder", "--choice-rows", limit,
        "--json", "-q",
      ])
      #expect(result.status == 0, "\(result.stderr)")
      let summary = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
      return (model, try #require(summary as? [String: Any]))
    }
    let sampled = try fit("120")
    #expect(sampled.summary["cross_validation_rows"] as? Int == 120)
    #expect(try Self.configuration(of: sampled.model)["choice_rows"] as? Int == 120)
    let every = try fit("all")
    #expect(every.summary["cross_validation_rows"] == nil)
    #expect(every.summary["cross_validation"] != nil)
    #expect(try Self.configuration(of: every.model)["choice_rows"] == nil)
    let tooFew = try CLI.run([
      "fit", corpus.path, "-o", dir.appendingPathComponent("bad").path, "--choice-rows", "99",
    ])
    #expect(tooFew.status != 0)
    #expect(tooFew.stderr.contains("--choice-rows"), "\(tooFew.stderr)")
    #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("bad").path))
  }

  @Test func errorsPrintFlagsNotFieldNames() throws {
    let dir = try CLI.temporaryDirectory()
    let broken = dir.appendingPathComponent("broken.csv")
    try "text,label\n\"unterminated,a\n".write(to: broken, atomically: true, encoding: .utf8)
    let malformed = try CLI.run([
      "vectorize", broken.path, "-o", dir.appendingPathComponent("x.npz").path,
    ])
    #expect(malformed.status == 3)
    #expect(malformed.stderr.contains("--on-bad-record skip"))
    #expect(!malformed.stderr.contains("`onBadRecord`"))
    let corpus = try Self.corpus(in: dir)
    let pruned = try CLI.run([
      "vectorize", corpus.path, "-o", dir.appendingPathComponent("y.npz").path, "--max-df", "1",
    ])
    #expect(pruned.status == 3)
    #expect(pruned.stderr.contains("--min-df"))
    #expect(!pruned.stderr.contains("`minDocumentFrequency`"))
  }
}

/// `fit --label-weight`: the codes train on the labels too; the bundle records the weight and
/// what the training ran; a negative weight is refused naming the option.
@Suite struct FitLabelWeightTests {
  @Test func theLabelWeightIsRecordedWithWhatTheTrainingRan() throws {
    let dir = try CLI.temporaryDirectory()
    let corpus = try FitConfigurationTests.corpus(in: dir)
    let model = dir.appendingPathComponent("model")
    let result = try CLI.run([
      "fit", corpus.path, "-o", model.path, "--label-weight", "0.5", "--hidden", "4",
      "--epochs", "3",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    // Each epoch's line shows the label term.
    #expect(result.stderr.contains("epoch 3/3"), "\(result.stderr)")
    #expect(result.stderr.contains("  label "), "\(result.stderr)")
    let saved = try FitConfigurationTests.configuration(of: model)
    let autoencoder = try #require(saved["autoencoder"] as? [String: Any])
    #expect(autoencoder["label_weight"] as? Double == 0.5)
    let object = try JSONSerialization.jsonObject(
      with: Data(contentsOf: model.appendingPathComponent("config.json")))
    let training = try #require(
      (object as? [String: Any])?["autoencoder_training"] as? [String: Any])
    #expect(training["epochs_run"] as? Int == 3)
    #expect((training["label_loss"] as? Double ?? 0) > 0)

    let refused = try CLI.run([
      "fit", corpus.path, "-o", dir.appendingPathComponent("other").path, "--label-weight",
      "-1", "-q",
    ])
    #expect(refused.status != 0)
    #expect(refused.stderr.contains("--label-weight"), "\(refused.stderr)")
  }
}

/// `fit --classifier-ngrams`: the classifier's own word n-grams (1-2 by default), `same` for the
/// vectorizer's terms, which `--ngrams` also implies.
@Suite struct ClassifierNgramsOptionTests {
  func fit(_ options: [String]) throws -> (model: URL, stdout: String) {
    let dir = try CLI.temporaryDirectory()
    let corpus = try FitConfigurationTests.corpus(in: dir)
    let model = dir.appendingPathComponent("model")
    let result = try CLI.run(
      ["fit", corpus.path, "-o", model.path, "--no-autoencoder", "-q", "--json"] + options)
    #expect(result.status == 0, "\(result.stderr)")
    return (model, result.stdout)
  }

  func ownTerms(_ model: URL) -> Bool {
    FileManager.default.fileExists(
      atPath: model.appendingPathComponent(TextFeaturePipeline.classifierVocabularyFile).path)
  }

  @Test func theDefaultGivesTheClassifierWordPairs() throws {
    let (model, stdout) = try fit([])
    #expect(ownTerms(model))
    #expect(
      try FitConfigurationTests.configuration(of: model)["classifier_ngrams"] as? [Int] == [1, 2])
    #expect(stdout.contains("\"classifier_terms\""))
  }

  @Test(arguments: [["--classifier-ngrams", "same"], ["--ngrams", "1-2"]])
  func sameOrAnExplicitNgramsKeepOneVocabulary(options: [String]) throws {
    let (model, stdout) = try fit(options)
    #expect(!ownTerms(model))
    #expect(!stdout.contains("\"classifier_terms\""))
  }

  @Test func anExplicitRangeWinsOverNgrams() throws {
    let (model, _) = try fit(["--ngrams", "1-2", "--classifier-ngrams", "1-3"])
    #expect(ownTerms(model))
    #expect(
      try FitConfigurationTests.configuration(of: model)["classifier_ngrams"] as? [Int] == [1, 3])
  }

  @Test func aBadRangeIsAUsageError() throws {
    let dir = try CLI.temporaryDirectory()
    let corpus = try FitConfigurationTests.corpus(in: dir)
    let result = try CLI.run([
      "fit", corpus.path, "-o", dir.appendingPathComponent("m").path, "--classifier-ngrams", "2-1",
    ])
    #expect(result.status == 2)
    #expect(result.stderr.contains("--classifier-ngrams"))
  }
}
