import Foundation
import SparseText
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Issue 14: hostile options, damaged bundles, clobbered and half-written outputs. Each test
/// reproduces one reported case with the built binary on a tiny corpus it writes itself.
enum Hardening {
  /// Two topics as fastText lines.
  static func corpus(in directory: URL, name: String = "small.ft.txt", count: Int = 40) throws
    -> URL
  {
    let sport = ["match", "goal", "team", "season", "coach", "league", "cup", "striker"]
    let money = ["bank", "shares", "profit", "market", "rates", "investors", "growth", "bond"]
    var lines: [String] = []
    for i in 0..<count {
      let topic = i % 2 == 0 ? sport : money
      let words = (0..<5).map { topic[(i + $0) % 8] }
      lines.append("__label__\(i % 2 == 0 ? "sport" : "money") " + words.joined(separator: " "))
    }
    let url = directory.appendingPathComponent(name)
    try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
    return url
  }

  /// A small fitted bundle `m` beside the corpus.
  static func bundle(in directory: URL, corpus: URL) throws -> URL {
    let model = directory.appendingPathComponent("m")
    let fit = try CLI.run([
      "fit", corpus.path, "-o", model.path, "--hidden", "4", "--epochs", "1", "-q",
    ])
    #expect(fit.status == 0, "\(fit.stderr)")
    return model
  }

  /// The entries of `directory` that start with a dot (temporary files, locks, parts).
  static func hiddenEntries(_ directory: URL) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory.path).filter {
      $0.hasPrefix(".")
    }
  }

  /// Mounts a 64 KiB tmpfs at a new directory (root on Linux only); `nil` where that fails.
  static func mountSmallDisk() -> URL? {
    #if os(Linux)
      guard let url = try? CLI.temporaryDirectory() else { return nil }
      let mount = Process()
      mount.executableURL = URL(fileURLWithPath: "/bin/mount")
      mount.arguments = ["-t", "tmpfs", "-o", "size=64k", "tmpfs", url.path]
      mount.standardOutput = FileHandle.nullDevice
      mount.standardError = FileHandle.nullDevice
      guard (try? mount.run()) != nil else { return nil }
      mount.waitUntilExit()
      return mount.terminationStatus == 0 ? url : nil
    #else
      return nil
    #endif
  }

  static func unmount(_ url: URL) {
    let umount = Process()
    umount.executableURL = URL(fileURLWithPath: "/bin/umount")
    umount.arguments = [url.path]
    try? umount.run()
    umount.waitUntilExit()
  }

  /// Whether this machine lets the tests mount a small disk (checked once).
  static let canMountSmallDisk: Bool = {
    guard let url = mountSmallDisk() else {
      print("note: skipping the full-disk test: a tmpfs cannot be mounted here (needs root)")
      return false
    }
    unmount(url)
    return true
  }()

  /// A message that ends the process cleanly: `error: …` (`Error: …` from the argument
  /// parser), no trap, no backtrace.
  static func isClean(_ result: CLIResult) -> Bool {
    result.stderr.lowercased().hasPrefix("error: ") && !result.stderr.contains("Fatal error")
      && !result.stderr.contains("Backtracing") && result.status >= 1 && result.status <= 4
  }
}

@Suite struct CLICrashTests {
  /// Item 1: `inspect --top=-1` and `--units=-1` trapped (exit 132).
  @Test func inspectRefusesNegativeCounts() throws {
    let dir = try CLI.temporaryDirectory()
    let model = try Hardening.bundle(in: dir, corpus: try Hardening.corpus(in: dir))
    for flag in ["--top=-1", "--units=-1", "--top=0"] {
      let result = try CLI.run(["inspect", model.path, flag])
      #expect(result.status == 2, "\(flag): \(result.stderr)")
      #expect(Hardening.isClean(result), "\(flag): \(result.stderr)")
      #expect(result.stderr.contains(String(flag.dropFirst(2).prefix(while: { $0 != "=" }))))
    }
  }
}

extension CLICrashTests {
  /// Item 2: duplicate class names in config.json trapped with "Duplicate values for key".
  @Test func duplicateClassNamesAreRefused() throws {
    let dir = try CLI.temporaryDirectory()
    let corpus = try Hardening.corpus(in: dir)
    let model = try Hardening.bundle(in: dir, corpus: corpus)
    let configURL = model.appendingPathComponent("config.json")
    var config = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as? [String: Any])
    config["classes"] = ["a", "a"]
    try JSONSerialization.data(withJSONObject: config).write(to: configURL)
    // Without the checksums (as earlier builds wrote bundles), so the duplicate is what is found.
    let tensorsURL = model.appendingPathComponent("model.safetensors")
    let (tensors, metadata) = try SafeTensors.read(from: tensorsURL)
    try SafeTensors.encode(tensors, metadata: metadata.filter { !$0.key.hasPrefix("checksum.") })
      .write(to: tensorsURL)
    for arguments in [
      ["evaluate", model.path, corpus.path],
      ["predict", model.path, corpus.path, "--probabilities", "--output-format", "jsonl"],
    ] {
      let result = try CLI.run(arguments)
      #expect(result.status == 4, "\(arguments[0]): \(result.stderr)")
      #expect(Hardening.isClean(result), "\(arguments[0]): \(result.stderr)")
      #expect(result.stderr.contains("config.json") && result.stderr.contains("'a'"))
    }
  }
}

extension CLICrashTests {
  /// Item 3: `vectorize --hashing 2147483647` (the documented maximum) aborted and left
  /// `.x.npz.parts-*`; `train-sae` on such a matrix tried to allocate the weights and aborted.
  @Test func hugeColumnCountsWorkOrFailCleanly() throws {
    let dir = try CLI.temporaryDirectory()
    let corpus = try Hardening.corpus(in: dir)
    let x = dir.appendingPathComponent("x.npz")
    let started = Date()
    let hashed = try CLI.run(["vectorize", corpus.path, "--hashing", "2147483647", "-o", x.path])
    #expect(hashed.status == 0, "\(hashed.stderr)")
    #expect(Date().timeIntervalSince(started) < 20)
    #expect(hashed.stdout.contains("2147483647 columns"))
    // The same rows as a small table: each row's values agree (no collisions here).
    let big = dir.appendingPathComponent("big.jsonl")
    let small = dir.appendingPathComponent("small.jsonl")
    for (out, n) in [(big, "2147483647"), (small, "4194304")] {
      #expect(try CLI.run(["vectorize", corpus.path, "--hashing", n, "-o", out.path]).status == 0)
    }
    func rowValues(_ url: URL) throws -> [[Double]] {
      try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
        let row = try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        return ((row?["values"] as? [Double]) ?? []).sorted()
      }
    }
    #expect(try rowValues(big) == rowValues(small))
    #expect(try rowValues(big).count == 40)
    let sae = dir.appendingPathComponent("sae")
    let train = try CLI.run(["train-sae", x.path, "-o", sae.path, "--hidden", "8", "-q"])
    #expect(train.status == 3, "\(train.stderr)")
    #expect(Hardening.isClean(train), "\(train.stderr)")
    #expect(train.stderr.contains("memory") && train.stderr.contains("--hidden"))
    #expect(!FileManager.default.fileExists(atPath: sae.path))
    #expect(try Hardening.hiddenEntries(dir).isEmpty)
  }
}

@Suite struct CLIOutputSafetyTests {
  /// Item 4: `fit -o d` deleted `d/f` and exited 0; `-o FILE` replaced an ordinary file.
  @Test func fitReplacesOnlyABundleOrAnEmptyDirectory() throws {
    let dir = try CLI.temporaryDirectory()
    let corpus = try Hardening.corpus(in: dir)
    let d = dir.appendingPathComponent("d")
    try FileManager.default.createDirectory(at: d, withIntermediateDirectories: false)
    try "k\n".write(to: d.appendingPathComponent("f"), atomically: true, encoding: .utf8)
    let intoDirectory = try CLI.run(["fit", corpus.path, "-o", d.path, "--no-autoencoder", "-q"])
    #expect(intoDirectory.status == 2, "\(intoDirectory.stderr)")
    #expect(intoDirectory.stderr.contains("cannot write '\(d.path)'"))
    #expect(try String(contentsOf: d.appendingPathComponent("f"), encoding: .utf8) == "k\n")
    let file = dir.appendingPathComponent("file")
    try "k\n".write(to: file, atomically: true, encoding: .utf8)
    let overFile = try CLI.run(["fit", corpus.path, "-o", file.path, "--no-autoencoder", "-q"])
    #expect(overFile.status == 2, "\(overFile.stderr)")
    #expect(try String(contentsOf: file, encoding: .utf8) == "k\n")
    // An empty directory and an earlier bundle are replaced.
    let empty = dir.appendingPathComponent("empty")
    try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: false)
    for _ in 0..<2 {
      let fit = try CLI.run(["fit", corpus.path, "-o", empty.path, "--no-autoencoder", "-q"])
      #expect(fit.status == 0, "\(fit.stderr)")
    }
    #expect(
      FileManager.default.fileExists(atPath: empty.appendingPathComponent("config.json").path))
    #expect(try Hardening.hiddenEntries(dir).isEmpty)
  }

  /// Items 5 and 6: one path for two outputs, or an output that is an input, lost data.
  @Test func outputsDifferFromInputsAndFromEachOther() throws {
    let dir = try CLI.temporaryDirectory()
    let corpus = try Hardening.corpus(in: dir)
    let a = dir.appendingPathComponent("a.jsonl").path
    let split = try CLI.run(["corpus", "split", corpus.path, "--train-out", a, "--test-out", a])
    #expect(split.status == 2, "\(split.stderr)")
    #expect(split.stderr.contains("two outputs"))
    #expect(!FileManager.default.fileExists(atPath: a))
    let b = dir.appendingPathComponent("b.jsonl").path
    #expect(
      try CLI.run(["corpus", "split", corpus.path, "--train-out", a, "--test-out", b, "-q"]).status
        == 0)
    let before = try Data(contentsOf: URL(fileURLWithPath: a))
    // The same file by another spelling is still the input.
    let sameInput = try CLI.run(["vectorize", a, "-o", dir.path + "/./a.jsonl"])
    #expect(sameInput.status == 2, "\(sameInput.stderr)")
    #expect(sameInput.stderr.contains("input"))
    #expect(try Data(contentsOf: URL(fileURLWithPath: a)) == before)
    let x = dir.appendingPathComponent("x.jsonl").path
    let twice = try CLI.run(["vectorize", corpus.path, "-o", x, "--vocabulary-out", x])
    #expect(twice.status == 2, "\(twice.stderr)")
    #expect(!FileManager.default.fileExists(atPath: x))
    // An output inside the model it reads would damage the model.
    let model = try Hardening.bundle(in: dir, corpus: corpus)
    let intoModel = try CLI.run([
      "predict", model.path, corpus.path, "-o", model.appendingPathComponent("config.json").path,
    ])
    #expect(intoModel.status == 2, "\(intoModel.stderr)")
    #expect(try CLI.run(["evaluate", model.path, corpus.path]).status == 0)
  }

  /// Item 8: a failed run left some of its outputs (`o.npz`, the train part, an empty
  /// directory): every output is checked before any is written.
  @Test func aFailedRunLeavesNoOutput() throws {
    let dir = try CLI.temporaryDirectory()
    let corpus = try Hardening.corpus(in: dir)
    let o = dir.appendingPathComponent("o.npz").path
    let vectorize = try CLI.run([
      "vectorize", corpus.path, "-o", o, "--vocabulary-out", dir.path + "/nodir/v.json",
    ])
    #expect(vectorize.status == 2, "\(vectorize.stderr)")
    #expect(vectorize.stderr.contains("nodir") && vectorize.stderr.contains("does not exist"))
    #expect(!FileManager.default.fileExists(atPath: o))
    let train = dir.appendingPathComponent("train.jsonl").path
    let split = try CLI.run([
      "corpus", "split", corpus.path, "--train-out", train, "--test-out",
      dir.path + "/nodir/t.jsonl",
    ])
    #expect(split.status == 2, "\(split.stderr)")
    #expect(!FileManager.default.fileExists(atPath: train))
    let x = dir.appendingPathComponent("x.npz").path
    #expect(try CLI.run(["vectorize", corpus.path, "-o", x, "-q"]).status == 0)
    let sae = dir.appendingPathComponent("sae").path
    let bad = try CLI.run(["train-sae", x, "-o", sae, "--hidden", "0"])
    #expect(bad.status == 2, "\(bad.stderr)")
    #expect(!FileManager.default.fileExists(atPath: sae))
    let asFile = try CLI.run(["vectorize", corpus.path, "-o", dir.path])
    #expect(asFile.status == 2, "\(asFile.stderr)")
    #expect(try Hardening.hiddenEntries(dir).isEmpty)
  }

  /// Item 9: killed runs left `.t.tmp-*` / `.x.npz.parts-*` that nothing removed; the next run
  /// writing the same output removes them (and only those of that output).
  @Test func leftoversOfKilledRunsAreRemovedByTheNextWriter() throws {
    let dir = try CLI.temporaryDirectory()
    let corpus = try Hardening.corpus(in: dir)
    let stale = [
      ".x.npz.parts-4242-0A1B2C3D", ".x.npz.tmp-4242-DEADBEEF", ".x.npz.tmp-0A1B2C3D",
      ".x.npz.lock", ".m.tmp-77-ABCDEF12", ".m.old-77-ABCDEF13",
    ]
    for name in stale where name.contains("parts") || name.hasPrefix(".m.") {
      try FileManager.default.createDirectory(
        at: dir.appendingPathComponent(name), withIntermediateDirectories: false)
    }
    for name in stale where !name.contains("parts") && !name.hasPrefix(".m.") {
      try Data("x".utf8).write(to: dir.appendingPathComponent(name))
    }
    let unrelated = dir.appendingPathComponent(".x.npz.tmp-notours")
    try Data("keep".utf8).write(to: unrelated)
    let x = dir.appendingPathComponent("x.npz").path
    #expect(try CLI.run(["vectorize", corpus.path, "-o", x, "-q"]).status == 0)
    let model = dir.appendingPathComponent("m").path
    #expect(try CLI.run(["fit", corpus.path, "-o", model, "--no-autoencoder", "-q"]).status == 0)
    #expect(try Hardening.hiddenEntries(dir) == [".x.npz.tmp-notours"])
  }

  /// Item 10: a full disk gave raw `NSCocoaErrorDomain … Code=640` text; now every writer
  /// names the path, says the disk is full, and leaves nothing there.
  @Test(.enabled(if: Hardening.canMountSmallDisk, "needs root to mount a small tmpfs"))
  func aFullDiskGivesAClearErrorAndLeavesNothing() throws {
    let dir = try CLI.temporaryDirectory()
    // 3,000 distinct terms: every output is larger than the 64 KiB disk.
    let corpus = dir.appendingPathComponent("wide.txt")
    let lines = (0..<3000).map { "__label__\($0 % 2) term\($0) term\(($0 * 7) % 3000) common" }
    try (lines.joined(separator: "\n") + "\n").write(to: corpus, atomically: true, encoding: .utf8)
    let model = try Hardening.bundle(in: dir, corpus: corpus)
    let disk = try #require(Hardening.mountSmallDisk())
    defer { Hardening.unmount(disk) }
    let runs: [[String]] = [
      ["vectorize", corpus.path, "-o", disk.path + "/x.npz"],
      ["vectorize", corpus.path, "-o", disk.path + "/x.jsonl", "--hashing", "64"],
      ["fit", corpus.path, "-o", disk.path + "/m", "--hidden", "8", "--epochs", "1"],
      ["encode", model.path, corpus.path, "-o", disk.path + "/c.csv"],
      [
        "corpus", "split", corpus.path, "--train-out", disk.path + "/a.jsonl", "--test-out",
        disk.path + "/b.jsonl",
      ],
    ]
    for arguments in runs {
      let result = try CLI.run(arguments + ["-q"])
      #expect(result.status == 1, "\(arguments): \(result.stderr)")
      #expect(result.stderr.hasPrefix("error: cannot write '\(disk.path)/"), "\(result.stderr)")
      #expect(result.stderr.contains("the disk is full"), "\(result.stderr)")
      #expect(!result.stderr.contains("NSCocoaErrorDomain"))
      #expect(try FileManager.default.contentsOfDirectory(atPath: disk.path).isEmpty)
    }
  }

  /// Item 10: a missing output directory gave raw Foundation text in 11 commands, and
  /// `experiment` noticed a bad `--report` only after training.
  @Test func everyWriterNamesAMissingOutputDirectory() throws {
    let dir = try CLI.temporaryDirectory()
    let corpus = try Hardening.corpus(in: dir)
    let model = try Hardening.bundle(in: dir, corpus: corpus)
    let x = dir.appendingPathComponent("x.npz").path
    #expect(try CLI.run(["vectorize", corpus.path, "-o", x, "-q"]).status == 0)
    let sae = dir.appendingPathComponent("sae").path
    #expect(
      try CLI.run(["train-sae", x, "-o", sae, "--hidden", "2", "--epochs", "1", "-q"]).status == 0)
    let missing = dir.path + "/nodir"
    let runs: [[String]] = [
      ["vectorize", corpus.path, "-o", missing + "/x.npz"],
      ["vectorize", corpus.path, "-o", missing + "/x.csv", "--hashing", "16"],
      ["vectorize", corpus.path, "-o", dir.path + "/y.npz", "--labels-out", missing + "/l.txt"],
      ["fit", corpus.path, "-o", missing + "/m", "--no-autoencoder"],
      ["predict", model.path, corpus.path, "-o", missing + "/p.tsv"],
      ["encode", model.path, corpus.path, "-o", missing + "/c.npy"],
      ["encode", sae, x, "-o", missing + "/c.npy"],
      ["export-embeddings", model.path, "-o", missing + "/t.vec"],
      ["train-sae", x, "-o", missing + "/sae", "--hidden", "2"],
      [
        "corpus", "split", corpus.path, "--train-out", missing + "/a.jsonl", "--test-out",
        dir.path + "/b.jsonl",
      ],
    ]
    for arguments in runs {
      let quiet = arguments[0] == "export-embeddings" ? [] : ["-q"]
      let result = try CLI.run(arguments + quiet)
      #expect(result.status == 2, "\(arguments): \(result.stderr)")
      #expect(
        result.stderr.hasPrefix("error: cannot write '\(missing)/")
          && result.stderr.contains("does not exist. Create the directory first"),
        "\(arguments): \(result.stderr)")
      #expect(!result.stderr.contains("NSCocoaErrorDomain"))
    }
    let blocker = dir.appendingPathComponent("file")
    try Data("x".utf8).write(to: blocker)
    let started = Date()
    let experiment = try CLI.run([
      "experiment", "--train", corpus.path, "--test", corpus.path, "--hidden", "2",
      "--epochs", "50", "--report", blocker.path + "/report", "-q",
    ])
    #expect(experiment.status == 2, "\(experiment.stderr)")
    #expect(experiment.stderr.contains("is not a directory"))
    #expect(Date().timeIntervalSince(started) < 5)
    #expect(try Hardening.hiddenEntries(dir).isEmpty)
    #expect(!FileManager.default.fileExists(atPath: missing))
  }
}

@Suite struct CLIMessageTests {
  /// Item 11: JSON lines bypassed the text decoder: invalid UTF-8 gave "byte offset 0: not
  /// valid JSON" even with `--encoding latin-1`, and so did JSON nested too deeply.
  @Test func jsonLinesGoThroughTheTextDecoder() throws {
    let dir = try CLI.temporaryDirectory()
    let latin1 = dir.appendingPathComponent("l1.jsonl")
    try Data("{\"text\": \"caf".utf8 + [0xE9] + "\", \"label\": \"a\"}\n".utf8).write(to: latin1)
    let decoded = try CLI.run(["corpus", "stats", latin1.path, "--encoding", "latin-1", "--json"])
    #expect(decoded.status == 0, "\(decoded.stderr)")
    #expect(decoded.stdout.contains("\"documents\":1") && decoded.stdout.contains("\"bytes\":5"))
    let strict = try CLI.run(["corpus", "stats", latin1.path, "--strict-encoding"])
    #expect(strict.status == 3)
    #expect(strict.stderr.contains("l1.jsonl:1: byte offset 13: invalid UTF-8"), "\(strict.stderr)")
    let replaced = try CLI.run(["corpus", "stats", latin1.path, "--json"])
    #expect(replaced.stdout.contains("\"replaced_bytes\":1"), "\(replaced.stderr)")
    let deep = dir.appendingPathComponent("deep.jsonl")
    try
      ("{\"text\": " + String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
      + "}\n").write(to: deep, atomically: true, encoding: .utf8)
    let nested = try CLI.run(["corpus", "stats", deep.path])
    #expect(nested.status == 3)
    #expect(nested.stderr.contains("not valid JSON (too many nested"), "\(nested.stderr)")
  }

  /// Item 12: NaN features were reported as "lower the learning rate"; resuming with another
  /// epoch count said "do not edit bundle files by hand".
  @Test func trainSAEMessagesSayWhatIsWrong() throws {
    let dir = try CLI.temporaryDirectory()
    let nan = dir.appendingPathComponent("nan.npz")
    try SparseMatrix(
      rows: 2, columns: 3, rowOffsets: [0, 2, 3], columnIndices: [0, 2, 1],
      values: [1, .nan, 0.5]
    ).writeNPZ(to: nan)
    let sae = dir.appendingPathComponent("sae").path
    let refused = try CLI.run(["train-sae", nan.path, "-o", sae, "--hidden", "2", "-q"])
    #expect(refused.status == 4, "\(refused.stderr)")
    #expect(refused.stderr.contains("nan.npz") && refused.stderr.contains("finite"))
    #expect(!refused.stderr.contains("learning rate"))
    #expect(!FileManager.default.fileExists(atPath: sae))
    let corpus = try Hardening.corpus(in: dir)
    let x = dir.appendingPathComponent("x.npz").path
    #expect(try CLI.run(["vectorize", corpus.path, "-o", x, "-q"]).status == 0)
    #expect(
      try CLI.run(["train-sae", x, "-o", sae, "--hidden", "2", "--epochs", "2", "-q"]).status == 0)
    try InterruptedTraining.leaveCheckpoint(in: sae, features: x, hidden: 2, epochs: 2)
    let resumed = try CLI.run([
      "train-sae", x, "-o", sae, "--hidden", "2", "--epochs", "3", "--resume", "-q",
    ])
    #expect(resumed.status == 2, "\(resumed.stderr)")
    #expect(resumed.stderr.contains("epochs is 3 here, 2 in the checkpoint"), "\(resumed.stderr)")
    #expect(!resumed.stderr.contains("by hand"))
  }

  /// Item 13: `train-sae --epochs 0` printed a shifted summary ("0 dead units of 0"); the
  /// `predict --help` example used `--format jsonl`, the input flag.
  @Test func summaryAndHelpAreRight() throws {
    let dir = try CLI.temporaryDirectory()
    let corpus = try Hardening.corpus(in: dir)
    let x = dir.appendingPathComponent("x.npz").path
    #expect(try CLI.run(["vectorize", corpus.path, "-o", x, "-q"]).status == 0)
    let sae = dir.appendingPathComponent("sae").path
    let train = try CLI.run(["train-sae", x, "-o", sae, "--hidden", "3", "--epochs", "0", "-q"])
    #expect(train.status == 0, "\(train.stderr)")
    #expect(train.stdout.contains("(0.00 s/epoch)"), "\(train.stdout)")
    #expect(train.stdout.contains("target 0.050"), "\(train.stdout)")
    #expect(train.stdout.contains("dead units of 3"), "\(train.stdout)")
    let help = try CLI.run(["predict", "--help"])
    let example = try #require(
      help.stdout.split(separator: "\n").first { $0.contains("--probabilities") })
    // The example runs as printed, on this test's model and corpus.
    let model = try Hardening.bundle(in: dir, corpus: corpus)
    let arguments = example.split(separator: " ").dropFirst().map {
      $0 == "model/" ? model.path : $0 == "new.txt" ? corpus.path : String($0)
    }
    let run = try CLI.run(arguments)
    #expect(run.status == 0, "\(example): \(run.stderr)")
    #expect(run.stdout.hasPrefix("{\"id\""), "\(run.stdout.prefix(80))")
  }
}

@Suite struct CLIBundleValidationTests {
  /// A fresh bundle, changed by `damage`, then loaded by `predict` and `encode`: both must
  /// refuse it with exit 4 and a message that contains each of `expected`.
  private func expectRefused(
    _ expected: [String], sourceLocation: SourceLocation = #_sourceLocation,
    _ damage: (URL) throws -> Void
  ) throws {
    let dir = try CLI.temporaryDirectory()
    let corpus = try Hardening.corpus(in: dir)
    let model = try Hardening.bundle(in: dir, corpus: corpus)
    try damage(model)
    for command in ["predict", "encode"] {
      let output = command == "encode" ? ["-o", dir.appendingPathComponent("c.npy").path] : []
      let result = try CLI.run([command, model.path, corpus.path] + output)
      #expect(result.status == 4, "\(command): \(result.stderr)", sourceLocation: sourceLocation)
      #expect(Hardening.isClean(result), "\(result.stderr)", sourceLocation: sourceLocation)
      for text in expected {
        #expect(result.stderr.contains(text), "\(result.stderr)", sourceLocation: sourceLocation)
      }
      #expect(!result.stderr.contains("is missing"), sourceLocation: sourceLocation)
    }
    #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("c.npy").path))
  }

  /// Edits the tensors and drops the checksums, as an earlier build wrote its bundles, so that
  /// the invariant each edit breaks is what refuses it (with them, the checksum would).
  private func editTensors(_ model: URL, _ edit: (inout [String: Tensor]) throws -> Void) throws {
    let url = model.appendingPathComponent("model.safetensors")
    var (tensors, metadata) = try SafeTensors.read(from: url)
    try edit(&tensors)
    try SafeTensors.encode(tensors, metadata: metadata.filter { !$0.key.hasPrefix("checksum.") })
      .write(to: url)
  }

  private func editConfig(_ model: URL, _ edit: (inout [String: Any]) -> Void) throws {
    let url = model.appendingPathComponent("config.json")
    var config = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    edit(&config)
    try JSONSerialization.data(withJSONObject: config).write(to: url)
    try editTensors(model) { _ in }
  }

  private func editAutoencoder(_ model: URL, _ key: String, _ value: Any) throws {
    try editConfig(model) { config in
      var configuration = config["configuration"] as? [String: Any] ?? [:]
      var autoencoder = configuration["autoencoder"] as? [String: Any] ?? [:]
      autoencoder[key] = value
      configuration["autoencoder"] = autoencoder
      config["configuration"] = configuration
    }
  }

  /// Item 14: NaN/Inf weights, negative idf, inputScale 1e39, topK above the code size and
  /// extra tensors loaded with exit 0 (a NaN bundle predicted one class for everything).
  @Test func valuesOutOfRangeAreRefused() throws {
    try expectRefused(["model.safetensors", "encoder.weight", "nan", "finite"]) { model in
      try editTensors(model) { tensors in
        var values = tensors["encoder.weight"]!.values
        values[3] = .nan
        tensors["encoder.weight"] = try Tensor(
          shape: tensors["encoder.weight"]!.shape, values: values)
      }
    }
    try expectRefused(["model.safetensors", "classifier.bias", "inf"]) { model in
      try editTensors(model) { tensors in
        tensors["classifier.bias"] = Tensor(vector: [Float.infinity])
      }
    }
    try expectRefused(["model.safetensors", "idf", "negative"]) { model in
      try editTensors(model) { tensors in
        tensors["idf"] = Tensor(vector: tensors["idf"]!.values.map { -$0 })
      }
    }
    try expectRefused(["model.safetensors", "'codes.extra'", "not part of a SparseText model"]) {
      model in
      try editTensors(model) { tensors in tensors["codes.extra"] = Tensor(vector: [1, 2]) }
    }
    try expectRefused(["config.json", "inputScale", "1e+39"]) { model in
      try editAutoencoder(model, "input_scale", 1e39)
    }
    // topK above the code size is left to the configuration's own validation: on main it now
    // means "every unit", so no case here pins the refusal.
  }

  /// Item 14 for `train-sae` directories: NaN weights gave NaN codes from `encode`.
  @Test func autoencoderDirectoriesAreCheckedToo() throws {
    let dir = try CLI.temporaryDirectory()
    let corpus = try Hardening.corpus(in: dir)
    let x = dir.appendingPathComponent("x.npz").path
    #expect(try CLI.run(["vectorize", corpus.path, "-o", x, "-q"]).status == 0)
    let sae = dir.appendingPathComponent("sae")
    #expect(
      try CLI.run(["train-sae", x, "-o", sae.path, "--hidden", "2", "--epochs", "1", "-q"]).status
        == 0)
    try editTensors(sae) { tensors in
      tensors["decoder.bias"] = Tensor(vector: tensors["decoder.bias"]!.values.map { _ in .nan })
    }
    let codes = dir.appendingPathComponent("c.npy").path
    let encode = try CLI.run(["encode", sae.path, x, "-o", codes])
    #expect(encode.status == 4, "\(encode.stderr)")
    #expect(encode.stderr.contains("model.safetensors") && encode.stderr.contains("decoder.bias"))
    #expect(!FileManager.default.fileExists(atPath: codes))
    // A FIFO in place of the weights would block a read: refused before opening it.
    let weights = sae.appendingPathComponent("model.safetensors")
    try FileManager.default.removeItem(at: weights)
    #expect(mkfifo(weights.path, 0o644) == 0)
    let fifo = try CLI.run(["inspect", sae.path, "--vocabulary", x])
    #expect(fifo.status == 4, "\(fifo.stderr)")
    #expect(fifo.stderr.contains("named pipe"), "\(fifo.stderr)")
  }

  /// Item 12: a directory, FIFO or symbolic-link loop inside a bundle was reported as
  /// "missing"; out-of-range settings named no file.
  @Test func damagedBundleFilesAreNamedForWhatTheyAre() throws {
    try expectRefused(["config.json", "is a directory"]) { model in
      let config = model.appendingPathComponent("config.json")
      try FileManager.default.removeItem(at: config)
      try FileManager.default.createDirectory(at: config, withIntermediateDirectories: false)
    }
    try expectRefused(["model.safetensors", "named pipe"]) { model in
      let tensors = model.appendingPathComponent("model.safetensors")
      try FileManager.default.removeItem(at: tensors)
      #expect(mkfifo(tensors.path, 0o644) == 0)
    }
    try expectRefused(["vocabulary.json", "loop of symbolic links"]) { model in
      let vocabulary = model.appendingPathComponent("vocabulary.json")
      try FileManager.default.removeItem(at: vocabulary)
      try FileManager.default.createSymbolicLink(
        atPath: vocabulary.path, withDestinationPath: vocabulary.path)
    }
    try expectRefused(["config.json", "hiddenUnits", "1 or more"]) { model in
      try editAutoencoder(model, "hidden_units", 0)
    }
  }
}

@Suite struct CLIInputTests {
  /// Item 15: fastText on standard input was read as plain lines (no classifier, and
  /// `__label__x` became a term).
  @Test func fastTextOnStandardInputIsDetected() throws {
    let dir = try CLI.temporaryDirectory()
    let corpus = try Hardening.corpus(in: dir)
    let model = dir.appendingPathComponent("m").path
    let fit = try CLI.run(
      ["fit", "-", "-o", model, "--no-autoencoder", "-q"], input: try Data(contentsOf: corpus))
    #expect(fit.status == 0, "\(fit.stderr)")
    let config = try String(contentsOfFile: model + "/config.json", encoding: .utf8)
    #expect(config.contains("\"sport\""), "no classifier was fitted")
    let vocabulary = try String(contentsOfFile: model + "/vocabulary.json", encoding: .utf8)
    #expect(!vocabulary.contains("label"))
    let plain = try CLI.run(["corpus", "stats", "-", "--json"], input: Data("a b\nc d\n".utf8))
    #expect(plain.stdout.contains("\"labels\":{}"), "\(plain.stdout)")
  }

  /// Item 15: a JSONL label `true` merged with the number 1, and object labels were dropped
  /// silently.
  @Test func jsonLabelsKeepTheirKind() throws {
    let dir = try CLI.temporaryDirectory()
    let labels = dir.appendingPathComponent("labels.jsonl")
    try "{\"text\": \"a b\", \"label\": true}\n{\"text\": \"c d\", \"label\": 1}\n".write(
      to: labels, atomically: true, encoding: .utf8)
    let stats = try CLI.run(["corpus", "stats", labels.path, "--json"])
    #expect(stats.stdout.contains("\"labels\":{\"1\":1,\"true\":1}"), "\(stats.stdout)")
    let objects = dir.appendingPathComponent("objects.jsonl")
    try "{\"text\": \"a b\", \"label\": {\"name\": \"x\"}}\n".write(
      to: objects, atomically: true, encoding: .utf8)
    let refused = try CLI.run(["corpus", "stats", objects.path])
    #expect(refused.status == 3, "\(refused.stderr)")
    #expect(refused.stderr.contains("objects.jsonl:1") && refused.stderr.contains("label field"))
  }

  /// Item 15: `evaluate` on labels the model never saw reported accuracy 0 without a word.
  @Test func evaluateWarnsAboutUnseenLabels() throws {
    let dir = try CLI.temporaryDirectory()
    let corpus = try Hardening.corpus(in: dir)
    let model = try Hardening.bundle(in: dir, corpus: corpus)
    let other = dir.appendingPathComponent("other.txt")
    try String(contentsOf: corpus, encoding: .utf8)
      .replacingOccurrences(of: "__label__sport", with: "__label__football")
      .write(to: other, atomically: true, encoding: .utf8)
    let result = try CLI.run(["evaluate", model.path, other.path])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(
      result.stderr.contains("20 of 40 documents have labels the model never saw (football)"),
      "\(result.stderr)")
    let same = try CLI.run(["evaluate", model.path, corpus.path])
    #expect(!same.stderr.contains("never saw"))
  }

  /// Item 15: `--resume` accepted a different .npz of the same width.
  @Test func resumeRefusesOtherFeatures() throws {
    let dir = try CLI.temporaryDirectory()
    let corpus = try Hardening.corpus(in: dir)
    let x = dir.appendingPathComponent("x.npz").path
    #expect(try CLI.run(["vectorize", corpus.path, "-o", x, "-q"]).status == 0)
    // The same documents in another order: the same width, other rows.
    let reversed = dir.appendingPathComponent("reversed.txt")
    let lines = try String(contentsOf: corpus, encoding: .utf8).split(separator: "\n")
    try (lines.reversed().joined(separator: "\n") + "\n").write(
      to: reversed, atomically: true, encoding: .utf8)
    let other = dir.appendingPathComponent("other.npz").path
    #expect(try CLI.run(["vectorize", reversed.path, "-o", other, "-q"]).status == 0)
    let sae = dir.appendingPathComponent("sae").path
    let flags = ["-o", sae, "--hidden", "2", "--epochs", "2", "-q"]
    #expect(try CLI.run(["train-sae", x] + flags).status == 0)
    try InterruptedTraining.leaveCheckpoint(in: sae, features: x, hidden: 2, epochs: 2)
    let refused = try CLI.run(["train-sae", other, "--resume"] + flags)
    // --resume with features the checkpoint was not trained on: options that conflict (exit 2).
    #expect(refused.status == 2, "\(refused.stderr)")
    #expect(refused.stderr.contains("trained on other features"), "\(refused.stderr)")
    // Features of another width (a checkpoint that recorded no features.json is refused by its
    // width alone): exit 2 too, as the README says, not a data error.
    try FileManager.default.removeItem(atPath: sae + "/features.json")
    let narrow = dir.appendingPathComponent("narrow.npz").path
    #expect(
      try CLI.run(["vectorize", corpus.path, "--max-features", "3", "-o", narrow, "-q"]).status
        == 0)
    let width = try CLI.run(["train-sae", narrow, "--resume"] + flags)
    #expect(width.status == 2, "\(width.stderr)")
    #expect(width.stderr.contains("columns, these have 3"), "\(width.stderr)")
    let same = try CLI.run(["train-sae", x, "--resume"] + flags)
    #expect(same.status == 0, "\(same.stderr)")
    // Resumed to its end, the run removes the checkpoint it resumed from.
    #expect(!FileManager.default.fileExists(atPath: sae + "/checkpoint"))
  }
}
