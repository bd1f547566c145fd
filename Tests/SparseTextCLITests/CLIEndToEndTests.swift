import Foundation
import Testing

/// A tiny labelled corpus the tests write themselves: two topics, fastText lines.
/// `variant` 1 draws other word combinations from the same topics: a held-out part.
private func writeCorpus(
  in directory: URL, name: String = "train.txt", count: Int = 60, variant: Int = 0
) throws -> URL {
  let sport = ["match", "goal", "team", "season", "coach", "league", "cup", "striker"]
  let money = ["bank", "shares", "profit", "market", "rates", "investors", "growth", "bond"]
  let filler = ["the", "a", "said", "new", "year", "after", "report", "week"]
  var lines: [String] = []
  for i in 0..<count {
    let topic = i % 2 == 0 ? sport : money
    let words = (0..<6).map { k in
      k % 2 == 0 ? topic[(i + k * (1 + variant)) % 8] : filler[(i * (3 + 2 * variant) + k) % 8]
    }
    lines.append("__label__\(i % 2 == 0 ? "sport" : "money") " + words.joined(separator: " "))
  }
  let url = directory.appendingPathComponent(name)
  try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
  return url
}

/// Whether the Python interop tests run: when Python with numpy, scipy and safetensors is
/// there, or when SPARSETEXT_REQUIRE_PYTHON=1 (CI) makes its absence a failure, not a skip.
private var pythonInteropRuns: Bool {
  pythonHasScientificStack
    || ProcessInfo.processInfo.environment["SPARSETEXT_REQUIRE_PYTHON"] == "1"
}

private var pythonHasScientificStack: Bool {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  process.arguments = ["python3", "-c", "import numpy, scipy, safetensors"]
  process.standardOutput = FileHandle.nullDevice
  process.standardError = FileHandle.nullDevice
  guard (try? process.run()) != nil else { return false }
  process.waitUntilExit()
  return process.terminationStatus == 0
}

private func python(_ script: String) throws -> (status: Int32, output: String) {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  process.arguments = ["python3", "-c", script]
  let pipe = Pipe()
  process.standardOutput = pipe
  process.standardError = pipe
  try process.run()
  let data = pipe.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

@Suite struct CLIEndToEndTests {
  @Test func vectorizeWritesNPZAndVocabulary() throws {
    let dir = try CLI.temporaryDirectory()
    let corpus = try writeCorpus(in: dir)
    let result = try CLI.run([
      "vectorize", corpus.path, "-o", dir.appendingPathComponent("x.npz").path,
      "--vocabulary-out", dir.appendingPathComponent("vocab.json").path, "--json", "--quiet",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let summary = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
    #expect(summary?["documents"] as? Int == 60)
    let vocabulary =
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: dir.appendingPathComponent("vocab.json"))) as? [String: Int]
    #expect(vocabulary?["match"] != nil)
    #expect(vocabulary?["__label__sport"] == nil)
  }

  @Test func fitPredictEvaluateEncodeInspectExport() throws {
    let dir = try CLI.temporaryDirectory()
    let corpus = try writeCorpus(in: dir)
    let model = dir.appendingPathComponent("model").path
    let fit = try CLI.run([
      "fit", corpus.path, "-o", model, "--hidden", "4", "--epochs", "3", "--quiet",
    ])
    #expect(fit.status == 0, "\(fit.stderr)")
    for file in ["config.json", "vocabulary.json", "model.safetensors"] {
      #expect(FileManager.default.fileExists(atPath: model + "/" + file))
    }
    // Evaluated on documents the model never saw, and checked against predict's own labels.
    let heldOut = try writeCorpus(in: dir, name: "test.txt", count: 20, variant: 1)
    let evaluate = try CLI.run(["evaluate", model, heldOut.path, "--json"])
    #expect(evaluate.status == 0, "\(evaluate.stderr)")
    let report =
      try JSONSerialization.jsonObject(with: Data(evaluate.stdout.utf8)) as? [String: Any]
    let accuracy = try #require(report?["accuracy"] as? Double)
    #expect(accuracy > 0.9)
    let heldOutPredictions = try CLI.run([
      "predict", model, heldOut.path, "--output-format", "jsonl",
    ])
    let truth = try String(contentsOf: heldOut, encoding: .utf8).split(separator: "\n").map {
      String($0.split(separator: " ")[0].dropFirst("__label__".count))
    }
    let predicted = try heldOutPredictions.stdout.split(separator: "\n").map { line in
      let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
      return object?["label"] as? String ?? ""
    }
    #expect(predicted.count == truth.count)
    let agreeing = zip(predicted, truth).filter { $0 == $1 }.count
    #expect(abs(Double(agreeing) / Double(truth.count) - accuracy) < 1e-9)
    let predict = try CLI.run([
      "predict", model, corpus.path, "--probabilities", "--output-format", "jsonl",
    ])
    #expect(predict.status == 0)
    let lines = predict.stdout.split(separator: "\n")
    #expect(lines.count == 60)
    #expect(lines[0].contains("\"probabilities\""))
    let codes = dir.appendingPathComponent("codes.npy").path
    #expect(try CLI.run(["encode", model, corpus.path, "-o", codes, "--quiet"]).status == 0)
    #expect(FileManager.default.fileExists(atPath: codes))
    let inspect = try CLI.run(["inspect", model, "--top", "3"])
    #expect(inspect.status == 0)
    #expect(inspect.stdout.contains("unit"))
    let vec = dir.appendingPathComponent("terms.vec").path
    #expect(try CLI.run(["export-embeddings", model, "-o", vec]).status == 0)
    let header = try String(contentsOfFile: vec, encoding: .utf8).split(separator: "\n")[0]
    #expect(header.hasSuffix(" 4"))
  }

  @Test func trainSAEResumesAndInspectsWithAVocabulary() throws {
    let dir = try CLI.temporaryDirectory()
    let corpus = try writeCorpus(in: dir)
    let x = dir.appendingPathComponent("x.npz").path
    let vocab = dir.appendingPathComponent("vocab.json").path
    #expect(
      try CLI.run(["vectorize", corpus.path, "-o", x, "--vocabulary-out", vocab, "-q"]).status == 0)
    let sae = dir.appendingPathComponent("sae").path
    let train = try CLI.run(["train-sae", x, "-o", sae, "--hidden", "4", "--epochs", "2", "-q"])
    #expect(train.status == 0, "\(train.stderr)")
    let training =
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: URL(fileURLWithPath: sae + "/training.json"))) as? [String: Any]
    #expect((training?["epochs"] as? [Any])?.count == 2)
    // A run that finishes removes its checkpoint: there is nothing left to resume.
    #expect(!FileManager.default.fileExists(atPath: sae + "/checkpoint"))
    let finished = try CLI.run([
      "train-sae", x, "-o", sae, "--hidden", "4", "--epochs", "2", "--resume", "-q",
    ])
    #expect(finished.status == 2 && finished.stderr.contains("no checkpoint"), "\(finished.stderr)")
    try InterruptedTraining.leaveCheckpoint(in: sae, features: x, hidden: 4, epochs: 2)
    let resumed = try CLI.run([
      "train-sae", x, "-o", sae, "--hidden", "4", "--epochs", "3", "--resume", "-q",
    ])
    // A checkpoint made with 2 epochs belongs to another configuration: clear refusal.
    #expect(resumed.status == 2)
    #expect(resumed.stderr.contains("epochs is 3 here, 2 in the checkpoint"), "\(resumed.stderr)")
    let inspect = try CLI.run(["inspect", sae, "--vocabulary", vocab, "--top", "2"])
    #expect(inspect.status == 0, "\(inspect.stderr)")
    let codes = dir.appendingPathComponent("codes.npy").path
    #expect(try CLI.run(["encode", sae, x, "-o", codes]).status == 0)
  }

  /// --repeats: the split given and seeded resplits; each pipeline's mean, spread and paired
  /// difference from tfidf_lr in the table and report.json.
  @Test func experimentRepeatsResplitAndCompareInPairs() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let train = try writeCorpus(in: dir, name: "train.txt", count: 60)
    let test = try writeCorpus(in: dir, name: "test.txt", count: 20, variant: 1)
    let report = dir.appendingPathComponent("report").path
    let result = try CLI.run([
      "experiment", "--train", train.path, "--test", test.path, "--no-autoencoder",
      "--repeats", "3", "--report", report, "-q",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("mean of 3 repeats"))
    let json =
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: URL(fileURLWithPath: report + "/report.json"))) as? [String: Any]
    #expect(json?["repeats"] as? Int == 3)
    let summary = json?["summary"] as? [[String: Any]] ?? []
    #expect(summary.map { $0["name"] as? String } == ["tfidf_lr", "nbsvm_lr", "best"])
    let tfidf = summary.first { $0["name"] as? String == "tfidf_lr" }
    // tfidf_lr against itself: no difference in any repeat.
    #expect(tfidf?["difference_vs_tfidf_lr_mean"] as? Double == 0)
    #expect(tfidf?["difference_vs_tfidf_lr_std"] as? Double == 0)
    #expect(summary.allSatisfy { ($0["inputs"] as? [String])?.count == 3 })
    let data = json?["data"] as? [String: Any]
    // Same sizes in every repeat: the test share is kept.
    #expect(data?["test"] as? [Int] == [20, 20, 20])
    let bad = try CLI.run(["experiment", train.path, "--cv", "3", "--repeats", "2", "-q"])
    #expect(bad.status == 2 && bad.stderr.contains("--repeats"))
  }

  /// The data comes as --train with --test, or as INPUT (or --corpus) to divide: `INPUT --test`
  /// split INPUT and never read the test file, so each half-given or doubly-given source is
  /// refused before any work, naming the command that was meant, and no report is written.
  @Test func experimentRefusesDataOptionsItWouldNotRead() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let train = try writeCorpus(in: dir, name: "train.txt", count: 30)
    let test = try writeCorpus(in: dir, name: "test.txt", count: 10, variant: 1)
    let report = dir.appendingPathComponent("report")
    let cases: [([String], String)] = [
      (
        [train.path, "--test", test.path],
        "give --train \(train.path) --test \(test.path), or INPUT alone"
      ),
      (["--test", test.path], "--test needs --train"),
      (["--train", train.path], "--train needs --test"),
      (["--train", train.path, "--test", test.path, "--corpus", "bbc"], "drop --corpus"),
      ([train.path, "--train", train.path, "--test", test.path], "drop INPUT"),
      (["--train", train.path, "--test", test.path, "--cv", "3"], "drop --cv"),
      ([train.path, "--cv", "3", "--split", test.path], "drop one"),
      ([train.path, "--grid", "hidden=2", "--cv", "3", "--repeats", "2"], "drop --cv, --repeats"),
      ([train.path, "--grid", "hidden=2", "--label-fractions", "0.5"], "drop --label-fractions"),
      (
        [train.path, "--novelty", "--repeats", "2", "--cv", "3"],
        "--novelty runs on one training/test division; drop --cv, --repeats"
      ),
      ([train.path, "--retrieval", "--repeats", "2"], "--retrieval runs on one"),
      ([train.path, "--retrieval", "--novelty"], "run them one at a time"),
    ]
    for (arguments, message) in cases {
      let result = try CLI.run(
        ["experiment"] + arguments + ["--no-autoencoder", "--report", report.path, "-q"])
      #expect(result.status == 2, "\(arguments)")
      #expect(result.stderr.contains(message), "\(result.stderr)")
      #expect(!FileManager.default.fileExists(atPath: report.path))
    }
    // Given as meant, the same files run.
    let run = try CLI.run([
      "experiment", "--train", train.path, "--test", test.path, "--no-autoencoder", "-q",
    ])
    #expect(run.status == 0, "\(run.stderr)")
  }

  /// fit without --classifier-input chooses it by cross-validation and says so; the bundle's
  /// config.json keeps the choice and its table.
  @Test func fitChoosesTheClassifierInput() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let train = try writeCorpus(in: dir, name: "train.txt", count: 60)
    let model = dir.appendingPathComponent("model").path
    let result = try CLI.run([
      "fit", train.path, "-o", model, "--hidden", "4", "--epochs", "2", "--json", "-q",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let summary =
      try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
    #expect(summary?["classifier_input"] is String)
    // 7 inputs (both and nbsvm_codes at weights 0.25 and 0.5) × 4 C.
    #expect((summary?["cross_validation"] as? [Any])?.count == 28)
    let config =
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: URL(fileURLWithPath: model + "/config.json"))) as? [String: Any]
    let choice = config?["classifier_choice"] as? [String: Any]
    #expect(choice?["input"] as? String == summary?["classifier_input"] as? String)
    #expect((choice?["cross_validation"] as? [Any])?.count == 28)
    let explicit = try CLI.run([
      "fit", train.path, "-o", dir.appendingPathComponent("nb").path, "--no-autoencoder",
      "--classifier-input", "nbsvm", "--C", "1",
    ])
    #expect(explicit.status == 0, "\(explicit.stderr)")
    #expect(explicit.stdout.contains("classifier reads nbsvm with C 1"))
  }

  @Test func experimentWritesAReport() throws {
    let dir = try CLI.temporaryDirectory()
    let train = try writeCorpus(in: dir, name: "train.txt", count: 80)
    let test = try writeCorpus(in: dir, name: "test.txt", count: 20)
    let report = dir.appendingPathComponent("report").path
    let result = try CLI.run([
      "experiment", "--train", train.path, "--test", test.path, "--hidden", "4", "--epochs", "2",
      "--label-fractions", "0.25,1", "--report", report, "-q",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("tfidf_lr"))
    #expect(result.stdout.contains("concat_lr"))
    let json =
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: URL(fileURLWithPath: report + "/report.json"))) as? [String: Any]
    // tfidf_lr, nbsvm_lr, sae_lr, concat_lr, best and label_sae_lr (the label weight's default
    // is above 0); at each of two fractions.
    #expect((json?["pipelines"] as? [Any])?.count == 6)
    #expect((json?["learning_curve"] as? [Any])?.count == 12)
    #expect(result.stdout.contains("nbsvm_lr") && result.stdout.contains("best"))
    #expect(result.stdout.contains("label_sae_lr"))
    // With neither a label weight nor a task weight the codes of best's autoencoder are
    // sae_lr's kind: no extra arm.
    let plain = try CLI.run([
      "experiment", "--train", train.path, "--test", test.path, "--hidden", "4", "--epochs", "2",
      "--label-weight", "0", "--task-weight", "0", "-q",
    ])
    #expect(plain.status == 0, "\(plain.stderr)")
    #expect(!plain.stdout.contains("label_sae_lr"))
    // Each fraction's C is chosen on its own labels: the curve records it.
    let curve = json?["learning_curve"] as? [[String: Any]] ?? []
    #expect(curve.allSatisfy { $0["c"] is Double && $0["input"] is String })
    let svg = try String(contentsOfFile: report + "/learning_curve.svg", encoding: .utf8)
    #expect(svg.contains("<svg") && svg.contains("sae_lr"))
    let testMetrics = json?["autoencoder_metrics_test"] as? [String: Any]
    for key in [
      "fraction_of_variance_unexplained", "active_units_per_document", "dead_units",
      "mean_activation",
    ] {
      #expect(testMetrics?[key] != nil, "autoencoder_metrics_test lacks \(key)")
    }
  }

  @Test func experimentRanksAGridAndBothCommandsTakeUnlabeledText() throws {
    let dir = try CLI.temporaryDirectory()
    let train = try writeCorpus(in: dir, name: "train.txt", count: 60)
    let extra = dir.appendingPathComponent("extra.txt")
    try "referee whistle\nwhistle referee again\n".write(
      to: extra, atomically: true, encoding: .utf8)
    let report = dir.appendingPathComponent("grid").path
    let grid = try CLI.run([
      "experiment", train.path, "--epochs", "2", "--grid", "hidden=2,4", "--grid",
      "topk=off,2", "--unlabeled", extra.path, "--report", report, "-q",
    ])
    #expect(grid.status == 0, "\(grid.stderr)")
    let json =
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: URL(fileURLWithPath: report + "/grid.json"))) as? [String: Any]
    let rows = json?["rows"] as? [[String: Any]] ?? []
    #expect(rows.count == 4)
    #expect(rows.map { $0["rank"] as? Int ?? 0 } == [1, 2, 3, 4])
    #expect(grid.stdout.contains("rank"))
    #expect(grid.stdout.contains("hidden_units") && grid.stdout.contains("top_k"))
    // The command line parses --grid's keys and values: its option names, off and auto.
    for (bad, message) in [
      ("gamma=1", "with KEY one of hidden, sparsity"), ("beta=", "with KEY one of"),
      ("beta=x", "is not a list of numbers"), ("hidden=2.5", "2.5 is not a whole number"),
      ("epochs=-1", "is not a list of numbers"),
    ] {
      let refused = try CLI.run(["experiment", train.path, "--grid", bad, "-q"])
      #expect(refused.status == 2, "\(bad): \(refused.stderr)")
      #expect(refused.stderr.hasPrefix("error: --grid") && refused.stderr.contains(message))
    }
    let model = dir.appendingPathComponent("model").path
    let fit = try CLI.run([
      "fit", train.path, "-o", model, "--hidden", "4", "--epochs", "2", "--unlabeled", extra.path,
      "--json", "-q",
    ])
    #expect(fit.status == 0, "\(fit.stderr)")
    let vocabulary =
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: URL(fileURLWithPath: model + "/vocabulary.json"))) as? [String]
    #expect(vocabulary?.contains("referee") == true)
    let summary = try JSONSerialization.jsonObject(with: Data(fit.stdout.utf8)) as? [String: Any]
    #expect([0.1, 1, 10, 100].contains(summary?["C"] as? Double ?? -1))
  }

  @Test func corpusStatsReadsEveryFormat() throws {
    let dir = try CLI.temporaryDirectory()
    let csv = dir.appendingPathComponent("t.csv")
    try "label,text\r\npos,\"good, \"\"very\"\" good\r\nindeed\"\r\nneg,bad\r\n".write(
      to: csv, atomically: true, encoding: .utf8)
    let jsonl = dir.appendingPathComponent("t.jsonl")
    try "{\"text\": \"hello there\", \"label\": \"a\"}\n{\"text\": \"bye\", \"label\": \"b\"}\n"
      .write(to: jsonl, atomically: true, encoding: .utf8)
    let folder = dir.appendingPathComponent("docs")
    try FileManager.default.createDirectory(
      at: folder.appendingPathComponent("x"), withIntermediateDirectories: true)
    try "one doc".write(
      to: folder.appendingPathComponent("x/1.txt"), atomically: true, encoding: .utf8)
    for (path, documents) in [(csv.path, 2), (jsonl.path, 2), (folder.path, 1)] {
      let result = try CLI.run(["corpus", "stats", path, "--json"])
      #expect(result.status == 0, "\(path): \(result.stderr)")
      let summary =
        try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
      #expect(summary?["documents"] as? Int == documents, "\(path)")
    }
    let stdin = try CLI.run(["corpus", "stats", "-", "--json"], input: Data("a b\nc d\n".utf8))
    #expect(stdin.stdout.contains("\"documents\":2"))
  }

  @Test func badInputGivesAClearErrorAndNoOutput() throws {
    let dir = try CLI.temporaryDirectory()
    let output = dir.appendingPathComponent("x.npz").path
    let missing = try CLI.run([
      "vectorize", dir.appendingPathComponent("nope.txt").path, "-o", output,
    ])
    #expect(missing.status == 3)
    #expect(missing.stderr.hasPrefix("error: "))
    let broken = dir.appendingPathComponent("broken.csv")
    try "text,label\n\"unterminated,a\n".write(to: broken, atomically: true, encoding: .utf8)
    let malformed = try CLI.run(["vectorize", broken.path, "-o", output])
    #expect(malformed.status == 3)
    #expect(malformed.stderr.contains("broken.csv:2"))
    #expect(malformed.stderr.contains("byte offset"))
    let empty = dir.appendingPathComponent("stop.txt")
    try "the and of\nthe the\n".write(to: empty, atomically: true, encoding: .utf8)
    let noTerms = try CLI.run(["vectorize", empty.path, "-o", output, "--stop-words", "english"])
    #expect(noTerms.status == 3)
    #expect(noTerms.stderr.contains("vocabulary"))
    let badRange = try CLI.run(["vectorize", empty.path, "-o", output, "--ngrams", "3-1"])
    #expect(badRange.status == 2)
    let usage = try CLI.run(["vectorize"])
    #expect(usage.status == 2)
    let single = dir.appendingPathComponent("single.txt")
    try "__label__a one two\n__label__a three four\n".write(
      to: single, atomically: true, encoding: .utf8)
    let oneClass = try CLI.run([
      "fit", single.path, "-o", dir.appendingPathComponent("m").path, "--no-autoencoder",
    ])
    #expect(oneClass.status == 3)
    #expect(oneClass.stderr.contains("single class"))
    // Streaming hashing stops at a bad record after earlier blocks were written: nothing stays.
    let lateBreak = dir.appendingPathComponent("late.csv")
    let good = (0..<9000).map { "\"doc \($0) words\",a\n" }.joined()
    try ("text,label\n" + good + "\"unterminated,a\n").write(
      to: lateBreak, atomically: true, encoding: .utf8)
    for ext in ["npz", "safetensors", "csv"] {
      let streamed = dir.appendingPathComponent("h.\(ext)").path
      let failed = try CLI.run(["vectorize", lateBreak.path, "--hashing", "32", "-o", streamed])
      #expect(failed.status == 3)
      #expect(failed.stderr.contains("late.csv:9002"), "\(failed.stderr)")
      #expect(!FileManager.default.fileExists(atPath: streamed))
    }
    let unknown = try CLI.run([
      "vectorize", empty.path, "-o", dir.appendingPathComponent("x.xls").path,
    ])
    #expect(unknown.status == 2)
    #expect(unknown.stderr.contains(".safetensors"))
    #expect(!FileManager.default.fileExists(atPath: output))
    #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("m").path))
    // No output, temporary file or spilled parts is left in the directory.
    let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter {
      !$0.hasSuffix(".txt") && !$0.hasSuffix(".csv")
    }
    #expect(left.isEmpty, "left behind: \(left)")
  }

  @Test func damagedBundlesAreRefused() throws {
    let dir = try CLI.temporaryDirectory()
    let corpus = try writeCorpus(in: dir)
    let model = dir.appendingPathComponent("model")
    #expect(
      try CLI.run(["fit", corpus.path, "-o", model.path, "--hidden", "3", "--epochs", "1", "-q"])
        .status == 0)
    let weights = model.appendingPathComponent("model.safetensors")
    let data = try Data(contentsOf: weights)
    try data.prefix(data.count / 2).write(to: weights)
    let truncated = try CLI.run(["predict", model.path, corpus.path])
    #expect(truncated.status == 4)
    #expect(truncated.stderr.contains("model.safetensors"))
    try "{\"format\": \"sparsetext-model\", \"format_version\": 99}".write(
      to: model.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
    let version = try CLI.run(["predict", model.path, corpus.path])
    #expect(version.status == 4)
    let absent = try CLI.run(["predict", dir.appendingPathComponent("none").path, corpus.path])
    #expect(absent.status == 4)
    // The library's advice ("fit and write the model again") reads as a command here.
    try FileManager.default.removeItem(at: model.appendingPathComponent("config.json"))
    let missing = try CLI.run(["predict", model.path, corpus.path])
    #expect(missing.status == 4)
    #expect(missing.stderr.contains("Re-create it with `sparsetext fit`"), "\(missing.stderr)")
  }

  @Test(.enabled(if: pythonInteropRuns))
  func pythonReadsTheFiles() throws {
    let dir = try CLI.temporaryDirectory()
    let corpus = try writeCorpus(in: dir)
    let model = dir.appendingPathComponent("model").path
    let x = dir.appendingPathComponent("x.npz").path
    let codes = dir.appendingPathComponent("codes.npy").path
    #expect(
      try CLI.run(["fit", corpus.path, "-o", model, "--hidden", "4", "--epochs", "2", "-q"]).status
        == 0)
    #expect(try CLI.run(["vectorize", "--model", model, corpus.path, "-o", x, "-q"]).status == 0)
    #expect(try CLI.run(["encode", model, corpus.path, "-o", codes, "-q"]).status == 0)
    // The raw codes (encode --raw) and the term vectors as NumPy arrays (issue 25).
    let raw = dir.appendingPathComponent("raw.npy").path
    let terms = dir.appendingPathComponent("terms.npy").path
    #expect(try CLI.run(["encode", model, corpus.path, "--raw", "-o", raw, "-q"]).status == 0)
    #expect(try CLI.run(["export-embeddings", model, "-o", terms, "-q"]).status == 0)
    // Recompute the codes from the safetensors weights and the exported TF-IDF:
    // sigmoid(s·x·Wᵀ + b) (the raw codes), then standardized.
    let script = """
      import json, numpy as np, scipy.sparse as sp
      from safetensors.numpy import load_file
      t = load_file('\(model)/model.safetensors')
      cfg = json.load(open('\(model)/config.json'))
      s = cfg['configuration']['autoencoder']['input_scale']
      assert cfg['configuration']['autoencoder'].get('top_k') is None
      x = sp.load_npz('\(x)').toarray()
      codes = 1 / (1 + np.exp(-(s * x @ t['encoder.weight'].T + t['encoder.bias'])))
      assert np.abs(codes - np.load('\(raw)')).max() < 1e-4
      vectors = np.load('\(terms)')
      assert vectors.dtype == np.float32 and vectors.shape == (x.shape[1], 4), vectors.shape
      assert len(json.load(open('\(model)/vocabulary.json'))) == vectors.shape[0]
      codes = (codes - t['codes.mean']) / t['codes.scale']
      ours = np.load('\(codes)')
      assert t['encoder.weight'].shape == (4, x.shape[1]), t['encoder.weight'].shape
      assert t['idf'].shape == (x.shape[1],)
      print(float(np.abs(codes - ours).max()))
      """
    let (status, output) = try python(script)
    #expect(status == 0, "\(output)")
    let difference = Double(output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 1
    #expect(difference < 1e-4)
    // The documented interop example does the same and exits non-zero on a mismatch.
    let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("Examples/python/recompute_codes.py").path
    let run = try python(
      "import runpy, sys; sys.argv = ['x', '\(model)', '\(x)', '\(codes)']; runpy.run_path('\(example)', run_name='__main__')"
    )
    #expect(run.status == 0, "\(run.output)")
    #expect(run.output.contains("largest difference"))
  }

  /// Every feature and code format, written by sparsetext (hashing streams its blocks), read
  /// back in Python and compared with the `.npz`/`.npy` reference.
  @Test(.enabled(if: pythonInteropRuns))
  func pythonReadsEveryOutputFormat() throws {
    let dir = try CLI.temporaryDirectory()
    let corpus = try writeCorpus(in: dir)
    let model = dir.appendingPathComponent("model").path
    #expect(
      try CLI.run(["fit", corpus.path, "-o", model, "--hidden", "4", "--epochs", "2", "-q"]).status
        == 0)
    for (kind, flags) in [("tfidf", [String]()), ("hashed", ["--hashing", "64"])] {
      for ext in ["npz", "safetensors", "svm", "mtx", "jsonl", "csv"] {
        let out = dir.appendingPathComponent("\(kind).\(ext)").path
        let run = try CLI.run(["vectorize", corpus.path, "-o", out, "-q"] + flags)
        #expect(run.status == 0, "\(kind).\(ext): \(run.stderr)")
      }
    }
    for ext in ["npy", "safetensors", "jsonl", "csv"] {
      let out = dir.appendingPathComponent("codes.\(ext)").path
      #expect(try CLI.run(["encode", model, corpus.path, "-o", out, "-q"]).status == 0)
    }
    let script = """
      import csv, json, numpy as np, scipy.sparse as sp, scipy.io
      from safetensors.numpy import load_file
      d = '\(dir.path)'
      def check(a, b, what):
          assert a.shape == b.shape, (what, a.shape, b.shape)
          assert abs(a - b).max() < 1e-6, what
      for kind in ('tfidf', 'hashed'):
          ref = sp.load_npz(f'{d}/{kind}.npz')
          t = load_file(f'{d}/{kind}.safetensors')
          check(sp.csr_matrix((t['data'], t['indices'], t['indptr']), shape=tuple(t['shape'])), ref, 'st')
          m = sp.lil_matrix(ref.shape)
          labels = []
          for r, line in enumerate(open(f'{d}/{kind}.svm')):
              label, *pairs = line.split()
              labels.append(label)
              for p in pairs:
                  j, v = p.split(':'); m[r, int(j)] = float(v)
          check(m.tocsr(), ref, 'svm'); assert set(labels) == {'sport', 'money'}, set(labels)
          check(scipy.io.mmread(f'{d}/{kind}.mtx').tocsr(), ref, 'mtx')
          rows = [json.loads(l) for l in open(f'{d}/{kind}.jsonl')]
          m = sp.lil_matrix(ref.shape)
          for r in rows: m[r['row'], r['indices']] = r['values']
          check(m.tocsr(), ref, 'jsonl'); assert rows[0]['label'] in ('sport', 'money')
          trip = list(csv.DictReader(open(f'{d}/{kind}.csv')))
          m = sp.coo_matrix(([float(r['value']) for r in trip], ([int(r['row']) for r in trip],
                             [int(r['column']) for r in trip])), shape=ref.shape)
          check(m.tocsr(), ref, 'csv')
      ref = np.load(f'{d}/codes.npy')
      check(load_file(f'{d}/codes.safetensors')['codes'], ref, 'codes st')
      check(np.array([json.loads(l)['code'] for l in open(f'{d}/codes.jsonl')]), ref, 'codes jsonl')
      check(np.loadtxt(f'{d}/codes.csv', delimiter=',', ndmin=2), ref, 'codes csv')
      print('ok', ref.shape)
      """
    let (status, output) = try python(script)
    #expect(status == 0, "\(output)")
    #expect(output.contains("ok (60, 4)"))
  }
}
