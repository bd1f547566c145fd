import Foundation
import Testing

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

  /// A message that ends the process cleanly: `error: …` (`Error: …` from the argument
  /// parser), no trap, no backtrace.
  static func isClean(_ result: CLIResult) -> Bool {
    result.stderr.lowercased().hasPrefix("error: ") && !result.stderr.contains("Fatal error")
      && !result.stderr.contains("Backtracing") && result.status >= 1 && result.status <= 4
  }
}

@Suite(.serialized) struct CLICrashTests {
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
