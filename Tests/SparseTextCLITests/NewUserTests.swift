import Foundation
import SparseText
import TestSupport
import Testing

/// Issue 25: a new user's first hour. Outputs that are what their names say, `predict
/// --id-field`, raw codes, and messages that say what is wrong.
@Suite struct NewUserTests {
  /// JSONL documents with ids `doc-N` on two topics.
  static func corpus(in directory: URL, name: String = "train.jsonl", count: Int = 40) throws
    -> URL
  {
    let url = directory.appendingPathComponent(name)
    try ScoreCommandTests.jsonl(
      count, topics: [("sport", ScoreCommandTests.sport), ("money", ScoreCommandTests.money)]
    ).write(to: url, atomically: true, encoding: .utf8)
    return url
  }

  static func fit(_ corpus: URL, in directory: URL, _ options: [String] = []) throws -> String {
    let model = directory.appendingPathComponent("model").path
    let fit = try CLI.run(
      ["fit", corpus.path, "-o", model, "--hidden", "4", "--epochs", "2", "-q"] + options)
    #expect(fit.status == 0, "\(fit.stderr)")
    return model
  }

  static func lines(_ path: String) throws -> [Substring] {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
  }

  /// `predict -o preds.jsonl` wrote TSV: each extension now gets its own format, ids come
  /// from `--id-field`, and an extension that names no prediction format is refused.
  @Test func predictWritesTheFormatItsExtensionNames() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let corpus = try Self.corpus(in: dir)
    let model = try Self.fit(corpus, in: dir)
    let jsonl = dir.appendingPathComponent("preds.jsonl").path
    let run = try CLI.run(["predict", model, corpus.path, "--id-field", "id", "-o", jsonl, "-q"])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.isEmpty)
    let rows = try Self.lines(jsonl).map {
      try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
    }
    #expect(rows.count == 40)
    #expect(rows.map { $0["id"] as? String } == (0..<40).map { "doc-\($0)" })
    #expect(rows.allSatisfy { ["sport", "money"].contains($0["label"] as? String) })
    // CSV and TSV: a header, then id, label and each class's probability.
    let csv = dir.appendingPathComponent("preds.csv").path
    #expect(
      try CLI.run([
        "predict", model, corpus.path, "--id-field", "id", "--probabilities", "-o", csv,
      ]).status == 0)
    let csvLines = try Self.lines(csv)
    #expect(csvLines.first == "id,label,money,sport")
    #expect(csvLines.count == 41 && csvLines[1].hasPrefix("doc-0,"))
    #expect(csvLines[1].split(separator: ",").count == 4)
    let tsv = dir.appendingPathComponent("preds.tsv").path
    #expect(try CLI.run(["predict", model, corpus.path, "-o", tsv]).status == 0)
    let tsvLines = try Self.lines(tsv)
    #expect(tsvLines.first == "id\tlabel" && tsvLines[1].hasPrefix("0\t"))
    // Without --id-field, the 0-based record index; on standard output, --output-format.
    let out = try CLI.run(["predict", model, corpus.path, "--output-format", "csv"])
    #expect(out.stdout.hasPrefix("id,label\n0,"), "\(out.stdout.prefix(40))")
    // Rows stream block by block; a run that fails before the first prints no header alone.
    let unread = try CLI.run(["predict", model, dir.appendingPathComponent("none.txt").path])
    #expect(unread.status == 3 && unread.stdout.isEmpty, "\(unread.stdout)")
    // Names that name no prediction format, or another one than --output-format: exit 2,
    // before any work, and nothing written.
    for (name, extra, message) in [
      ("preds.npy", [], "end it in .tsv, .csv or .jsonl"),
      ("preds", [], "has no extension"),
      ("p.tsv", ["--output-format", "jsonl"], "names tsv, but --output-format is jsonl"),
    ] {
      let path = dir.appendingPathComponent(name).path
      let refused = try CLI.run(["predict", model, corpus.path, "-o", path] + extra)
      #expect(refused.status == 2, "\(name): \(refused.stderr)")
      #expect(refused.stderr.contains(message), "\(refused.stderr)")
      #expect(!FileManager.default.fileExists(atPath: path))
    }
  }

  /// `export-embeddings -o words.npy` wrote word2vec text that `np.load` cannot read.
  @Test func exportEmbeddingsWritesNumPyOrRefuses() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let corpus = try Self.corpus(in: dir)
    let model = try Self.fit(corpus, in: dir)
    let npy = dir.appendingPathComponent("words.npy")
    let run = try CLI.run(["export-embeddings", model, "-o", npy.path])
    #expect(run.status == 0, "\(run.stderr)")
    let matrix = try NumPyArray.readMatrix(from: npy)
    let loaded = try TextFeaturePipeline(contentsOf: URL(fileURLWithPath: model))
    #expect(matrix.rows == loaded.vectorizer.vocabulary.count && matrix.columns == 4)
    #expect(matrix == loaded.termVectors())
    let vec = dir.appendingPathComponent("words.txt").path
    #expect(try CLI.run(["export-embeddings", model, "-o", vec, "-q"]).status == 0)
    #expect(try Self.lines(vec).first == "\(matrix.rows) 4")
    let bin = dir.appendingPathComponent("words.bin").path
    let refused = try CLI.run(["export-embeddings", model, "-o", bin])
    #expect(refused.status == 2 && refused.stderr.contains("end it in .vec or .txt"))
    #expect(!FileManager.default.fileExists(atPath: bin))
  }

  /// Every other file output follows the same rule, and a directory output named like a file
  /// is refused: exit 2 before any work, nothing written.
  @Test func everyOutputRefusesANameOfAnotherFormat() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let corpus = try Self.corpus(in: dir)
    let model = try Self.fit(corpus, in: dir)
    let p = { (name: String) in dir.appendingPathComponent(name).path }
    let runs: [([String], String)] = [
      (
        ["corpus", "split", corpus.path, "--train-out", p("a.csv"), "--test-out", p("b.jsonl")],
        "--train-out"
      ),
      (
        ["vectorize", corpus.path, "-o", p("x.npz"), "--vocabulary-out", p("v.txt")],
        "--vocabulary-out"
      ),
      (["vectorize", corpus.path, "-o", p("x.npz"), "--labels-out", p("y.csv")], "--labels-out"),
      (["vectorize", corpus.path, "--statistics-out", p("s.json")], "--statistics-out"),
      (["vectorize", corpus.path, "-o", p("x.parquet")], "-o"),
      (["statistics", "merge", p("s.stats"), "-o", p("all.json")], "-o"),
      (["encode", model, corpus.path, "-o", p("codes.txt")], "-o"),
      (["score", model, corpus.path, "-o", p("scores.tsv")], "-o"),
      (["fit", corpus.path, "-o", p("model.npz")], "-o"),
      (
        ["vectorize", corpus.path, "-o", p("x.npz"), "--vectorizer-out", p("v.json")],
        "--vectorizer-out"
      ),
      (["experiment", corpus.path, "--report", p("report.md")], "--report"),
    ]
    for (arguments, option) in runs {
      let result = try CLI.run(arguments)
      #expect(result.status == 2, "\(arguments): \(result.stderr)")
      #expect(result.stderr.hasPrefix("Error: \(option) '"), "\(arguments): \(result.stderr)")
    }
    let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
    #expect(left == ["model", "train.jsonl"])
  }

  /// `predict sae/ …` called the autoencoder directory's config.json damaged.
  @Test func aBundleCommandOnAnAutoencoderDirectorySaysWhatItIs() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let corpus = try Self.corpus(in: dir)
    let x = dir.appendingPathComponent("x.npz").path
    #expect(try CLI.run(["vectorize", corpus.path, "-o", x, "-q"]).status == 0)
    let sae = dir.appendingPathComponent("sae").path
    #expect(try CLI.run(["train-sae", x, "-o", sae, "--hidden", "2", "--epochs", "1"]).status == 0)
    for command in [["predict"], ["evaluate"], ["score"]] {
      let result = try CLI.run(command + [sae, corpus.path])
      #expect(result.status == 2, "\(command): \(result.stderr)")
      #expect(
        result.stderr.contains("is an autoencoder directory (written by `sparsetext train-sae`)"),
        "\(result.stderr)")
      #expect(!result.stderr.contains("damaged"))
    }
  }

  /// `inspect model/` printed no firing rates for a bundle: fit now stores them.
  @Test func inspectShowsTheFiringRatesABundleStores() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let corpus = try Self.corpus(in: dir)
    let model = try Self.fit(corpus, in: dir, ["--topk", "2"])
    let loaded = try TextFeaturePipeline(contentsOf: URL(fileURLWithPath: model))
    let rates = try #require(loaded.firingRates)
    #expect(rates.count == 4 && rates.allSatisfy { (0...1).contains($0) })
    // TopK-2: every document fires two units, so the rates add up to 2.
    #expect(abs(rates.reduce(0, +) - 2) < 1e-6)
    let json = try CLI.run(["inspect", model, "--json", "--top", "2"])
    #expect(json.status == 0, "\(json.stderr)")
    let units = try #require(
      try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
    let shown = units.compactMap { $0["firing_rate"] as? Double }
    #expect(shown.count == 4)
    #expect(shown == shown.sorted(by: >))
    let text = try CLI.run(["inspect", model, "--units", "1"])
    #expect(text.stdout.contains("fires on"), "\(text.stdout)")
    #expect(text.stderr.isEmpty, "\(text.stderr)")
  }

  /// A bundle written before firing rates were stored still loads; inspect says why its units
  /// are in index order.
  @Test func inspectWarnsWhenABundleStoresNoFiringRates() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let model = try Self.fit(try Self.corpus(in: dir), in: dir)
    let url = URL(fileURLWithPath: model).appendingPathComponent("model.safetensors")
    var (tensors, metadata) = try SafeTensors.read(from: url)
    #expect(tensors.removeValue(forKey: "codes.firing_rate") != nil)
    // As a build before the firing rates wrote it: without them, and without checksums.
    metadata = metadata.filter { !$0.key.hasPrefix("checksum.") }
    try SafeTensors.encode(tensors, metadata: metadata).write(to: url)
    let result = try CLI.run(["inspect", model])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("stores no firing rates"), "\(result.stderr)")
    #expect(!result.stdout.contains("fires on"))
  }

  /// `encode` gave standardized, dense codes without saying so; `--raw` gives the encoder's own.
  @Test func encodeWritesRawCodesOnRequest() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let corpus = try Self.corpus(in: dir)
    let model = try Self.fit(corpus, in: dir, ["--topk", "2"])
    let standardized = dir.appendingPathComponent("codes.npy")
    let raw = dir.appendingPathComponent("raw.npy")
    #expect(try CLI.run(["encode", model, corpus.path, "-o", standardized.path, "-q"]).status == 0)
    #expect(try CLI.run(["encode", model, corpus.path, "--raw", "-o", raw.path, "-q"]).status == 0)
    let codes = try NumPyArray.readMatrix(from: standardized)
    let activations = try NumPyArray.readMatrix(from: raw)
    #expect(codes.values.contains { $0 < 0 })
    #expect(activations.values.allSatisfy { $0 >= 0 })
    for r in 0..<activations.rows {
      #expect(activations.row(r).filter { $0 != 0 }.count <= 2)
    }
    let loaded = try TextFeaturePipeline(contentsOf: URL(fileURLWithPath: model))
    let texts = try CorpusReader(contentsOf: corpus).readAll().documents.map(\.text)
    #expect(try activations == loaded.rawCodes(for: texts))
    #expect(try codes == loaded.embeddings(for: texts))
    let help = try CLI.run(["encode", "--help"]).stdout
    #expect(help.contains("standardized per unit by default"))
  }

  /// `score --json` sent its summary to standard error with the rows on standard output, as
  /// --json's help now says.
  @Test func scoreSummaryGoesWhereTheHelpSays() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let corpus = try Self.corpus(in: dir)
    let model = try Self.fit(corpus, in: dir, ["--no-classifier"])
    let result = try CLI.run(["score", model, corpus.path, "--json", "-q"])
    #expect(result.status == 0, "\(result.stderr)")
    let rows = result.stdout.split(separator: "\n")
    #expect(rows.count == 40 && rows.allSatisfy { $0.contains("\"score\":") })
    let summary = try #require(
      try JSONSerialization.jsonObject(with: Data(result.stderr.utf8)) as? [String: Any])
    #expect(summary["documents"] as? Int == 40)
    let help = try CLI.run(["score", "--help"]).stdout.split(whereSeparator: \.isWhitespace)
      .joined(separator: " ")
    #expect(help.contains("on standard error when the rows themselves go to standard output"))
  }

  /// `--report report/` printed `report//report.md`.
  @Test func reportPathHasNoDoubleSlash() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let train = try Self.corpus(in: dir)
    let test = try Self.corpus(in: dir, name: "test.jsonl", count: 20)
    let report = dir.appendingPathComponent("report").path + "/"
    let result = try CLI.run([
      "experiment", "--train", train.path, "--test", test.path, "--no-autoencoder", "--report",
      report,
    ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("report: \(dir.path)/report/report.md\n"), "\(result.stderr)")
    #expect(!result.stderr.contains("//"))
  }

  /// The grid printed nothing as it went, `hidden=64.0`, no folds, and no command for the
  /// winner: progress and the time left on standard error, whole numbers, the folds, and a
  /// `fit` command that fits the winning setting.
  @Test func gridReportsAsItGoesAndPrintsAFitCommandForTheWinner() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let train = try Self.corpus(in: dir, count: 48)
    let grid = try CLI.run([
      "experiment", train.path, "--epochs", "2", "--grid", "hidden=2,3", "--grid", "topk=off,2",
      "--min-df", "1", "--test-fraction", "0.25",
    ])
    #expect(grid.status == 0, "\(grid.stderr)")
    #expect(grid.stderr.contains("grid: 4 settings, each cross-validated on the 36 training"))
    #expect(grid.stderr.contains("grid 1/4: hidden_units=2 top_k=0\n"), "\(grid.stderr)")
    #expect(grid.stderr.contains("  fold 1/3 done"), "\(grid.stderr)")
    #expect(grid.stderr.contains("left\n"))
    #expect(grid.stderr.contains("  fold 3/3 done: accuracy "))
    // No epoch lines (settings × folds × epochs of them), so no KL or ρ̂ for TopK settings.
    #expect(!grid.stderr.contains("epoch ") && !grid.stderr.contains("ρ̂"))
    #expect(grid.stdout.contains("over 3 folds of the training part"))
    let lines = grid.stdout.split(separator: "\n").map(String.init)
    // Each setting whose FVU is above 1 is marked in the table and warned about as it ends.
    let marked = lines.filter { $0.hasPrefix("   ") && $0.contains("!") }.count
    let warned = grid.stderr.components(separatedBy: "is above 1, so these codes").count - 1
    #expect(marked == warned)
    #expect(grid.stdout.contains("! FVU above 1") == (marked > 0))
    let command = try #require(lines.first { $0.hasPrefix("  sparsetext fit ") })
    let best = try #require(lines.first { $0.hasPrefix("Best: ") })
    // The table's first row is the one the command fits.
    let first = try #require(lines.first { $0.hasPrefix("   1  ") })
    let cells = first.split(separator: " ")
    #expect(best.hasPrefix("Best: hidden_units=\(cells[1]) top_k=\(cells[2])."), "\(best)")
    let topk = cells[2] == "0" ? "off" : String(cells[2])
    #expect(
      command
        == "  sparsetext fit \(train.path) --epochs 2 --min-df 1 -o model/ --hidden \(cells[1]) --topk \(topk)"
    )
    // It runs as printed, and fits what the grid measured.
    let model = dir.appendingPathComponent("model").path
    let arguments = command.split(separator: " ").dropFirst().map {
      $0 == "model/" ? model : String($0)
    }
    let fit = try CLI.run(arguments + ["-q"])
    #expect(fit.status == 0, "\(fit.stderr)")
    let sae = try #require(
      try TextFeaturePipeline(contentsOf: URL(fileURLWithPath: model)).autoencoder)
    #expect(sae.configuration.hiddenUnits == Int(cells[1]))
    #expect(sae.configuration.topK == (topk == "off" ? nil : Int(topk)))
    #expect(sae.configuration.epochs == 2)
    // --train's file becomes fit's INPUT; what only experiment takes is left out.
    let split = try CLI.run([
      "experiment", "--train", train.path, "--test", train.path, "--grid=hidden=2", "--folds",
      "2", "--report", dir.appendingPathComponent("r").path, "--epochs", "1", "--min-df", "1", "-q",
    ])
    #expect(split.status == 0, "\(split.stderr)")
    #expect(
      split.stdout.contains(
        "  sparsetext fit \(train.path) --epochs 1 --min-df 1 -q -o model/ --hidden 2\n"),
      "\(split.stdout)")
  }

  /// TopK trainings printed `kl 0.0000 ρ̂ 0.49`, numbers that mean nothing without a KL term.
  @Test func topKEpochLinesLeaveOutTheKLTerms() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let corpus = try Self.corpus(in: dir)
    let topK = try CLI.run([
      "fit", corpus.path, "-o", dir.appendingPathComponent("t").path, "--topk", "2", "--hidden",
      "4", "--epochs", "1",
    ])
    #expect(topK.status == 0, "\(topK.stderr)")
    #expect(topK.stderr.contains("epoch 1/1  loss "), "\(topK.stderr)")
    #expect(!topK.stderr.contains(" kl ") && !topK.stderr.contains("ρ̂"))
    let kl = try CLI.run([
      "fit", corpus.path, "-o", dir.appendingPathComponent("k").path, "--hidden", "4", "--epochs",
      "1",
    ])
    #expect(kl.status == 0, "\(kl.stderr)")
    #expect(kl.stderr.contains(" kl ") && kl.stderr.contains("ρ̂"), "\(kl.stderr)")
  }
}
