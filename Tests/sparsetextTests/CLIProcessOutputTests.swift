import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What only processes show about outputs: a second process writing an output another one is
/// writing, and processes killed (SIGKILL) while they write.
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
}

@Suite(.serialized) struct CLIConcurrentWriterTests {
  /// Item 7: two runs writing one bundle both exited 0 (one result silently won); now the
  /// second fails at once with a clear error and the first completes.
  @Test func concurrentWritersOfOneOutputFailClearly() throws {
    let dir = try CLI.temporaryDirectory()
    let corpus = try Hardening.corpus(in: dir, count: 3000)
    let model = dir.appendingPathComponent("m")
    let first = Process()
    first.executableURL = CLI.executable
    first.arguments = [
      "fit", corpus.path, "-o", model.path, "--hidden", "8", "--epochs", "300", "-q",
    ]
    first.standardOutput = FileHandle.nullDevice
    first.standardError = FileHandle.nullDevice
    try first.run()
    defer { if first.isRunning { first.terminate() } }
    let lock = dir.appendingPathComponent(".m.lock")
    let deadline = Date().addingTimeInterval(20)
    while !FileManager.default.fileExists(atPath: lock.path) && Date() < deadline {
      Thread.sleep(forTimeInterval: 0.01)
    }
    // The second and third runs need no choice by cross-validation: one input, one C.
    let quick = ["--no-autoencoder", "--classifier-input", "tfidf", "--C", "1", "-q"]
    let second = try CLI.run(["fit", corpus.path, "-o", model.path] + quick)
    #expect(first.isRunning, "the first run finished too early to test the lock")
    #expect(second.status == 1, "\(second.stderr)")
    #expect(second.stderr.contains("another sparsetext run is writing it"))
    first.terminate()
    first.waitUntilExit()
    // The killed writer's leftovers go with the next run that writes there.
    let next = try CLI.run(["fit", corpus.path, "-o", model.path] + quick)
    #expect(next.status == 0, "\(next.stderr)")
    #expect(try Hardening.hiddenEntries(dir).isEmpty)
  }
}

/// Runs killed with SIGKILL over an existing output, at seeded random moments and at the moment
/// the run's temporary output first holds bytes: at every moment the output is the complete
/// old one or the complete new one, some kills land while the output is being written (the
/// killed run's temporary output is left with bytes in it), and the next run that writes there
/// leaves nothing else behind.
@Suite(.serialized) struct CLIKillTests {
  /// A small seeded generator (SplitMix64), so a failure can be replayed.
  struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
  }

  /// The bytes of a file, or of every file of a directory by name.
  static func snapshot(_ url: URL) throws -> [String: Data] {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
      return [:]
    }
    guard isDirectory.boolValue else { return ["": try Data(contentsOf: url)] }
    var files: [String: Data] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: url.path) {
      files[name] = try Data(contentsOf: url.appendingPathComponent(name))
    }
    return files
  }

  /// When a run is killed: after a delay, or as soon as a temporary sibling of the output holds
  /// bytes (polled every 0.2 ms; the run may finish first).
  enum Moment {
    case after(Double)
    case whileWriting(URL)
  }

  /// Runs `sparsetext arguments` and kills it at `moment` (if still running; a run that ends
  /// before its moment is not waited for past its end).
  static func runAndKill(_ arguments: [String], at moment: Moment) throws {
    let process = Process()
    process.executableURL = CLI.executable
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    switch moment {
    case .after(let delay):
      let deadline = Date().addingTimeInterval(delay)
      while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.001) }
    case .whileWriting(let output):
      let before = Set(temporaryOutputs(of: output).keys)
      while process.isRunning,
        !temporaryOutputs(of: output).contains(where: { !before.contains($0) && $1 > 0 })
      {
        Thread.sleep(forTimeInterval: 0.0002)
      }
    }
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
  }

  /// The temporary siblings of `output` (`.NAME.tmp-…`, `.NAME.parts-…`) by name, with the bytes
  /// each holds (a directory: the bytes of the files inside).
  static func temporaryOutputs(of output: URL) -> [String: Int] {
    let directory = output.deletingLastPathComponent()
    let prefix = ".\(output.lastPathComponent)."
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    var sizes: [String: Int] = [:]
    for name in names
    where name.hasPrefix(prefix + "tmp-") || name.hasPrefix(prefix + "parts-") {
      sizes[name] = bytes(directory.appendingPathComponent(name))
    }
    return sizes
  }

  /// The bytes of a file, or of the files under a directory.
  static func bytes(_ url: URL) -> Int {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
      return 0
    }
    guard isDirectory.boolValue else {
      return (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
    }
    let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
    return names.reduce(0) { $0 + bytes(url.appendingPathComponent($1)) }
  }

  /// `old` and `new` write `output` with different settings; runs of `new` are killed at
  /// random moments within the time a complete run of `new` took (even rounds), so the kills
  /// spread over the run on a fast machine as on a loaded one, and as soon as their temporary
  /// output holds bytes (odd rounds). At least one kill must land mid-write: the killed run
  /// leaves a temporary output with bytes in it.
  func check(
    output: URL, old: [String], new: [String], rounds: Int, seed: UInt64,
    snapshot: (URL) throws -> [String: Data] = CLIKillTests.snapshot,
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let directory = output.deletingLastPathComponent()
    let reference = directory.appendingPathComponent("reference-" + output.lastPathComponent)
    func with(_ arguments: [String], _ path: URL) -> [String] {
      arguments.map { $0 == "OUT" ? path.path : $0 } + ["-q"]
    }
    let started = Date()
    #expect(try CLI.run(with(new, reference)).status == 0, sourceLocation: sourceLocation)
    let window = max(0.01, Date().timeIntervalSince(started))
    let newSnapshot = try snapshot(reference)
    #expect(try CLI.run(with(old, output)).status == 0, sourceLocation: sourceLocation)
    let oldSnapshot = try snapshot(output)
    #expect(oldSnapshot != newSnapshot && !oldSnapshot.isEmpty, sourceLocation: sourceLocation)
    var generator = SplitMix(state: seed)
    var outcomes: [String: Int] = [:]
    for round in 0..<rounds {
      // Back to the old output when a run got through.
      if try snapshot(output) == newSnapshot {
        #expect(try CLI.run(with(old, output)).status == 0, sourceLocation: sourceLocation)
      }
      let before = Set(Self.temporaryOutputs(of: output).keys)
      let delay = Double.random(in: 0..<window, using: &generator)
      try Self.runAndKill(
        with(new, output), at: round % 2 == 0 ? .after(delay) : .whileWriting(output))
      let now = try snapshot(output)
      let outcome = now == oldSnapshot ? "old" : now == newSnapshot ? "new" : "damaged"
      outcomes[outcome, default: 0] += 1
      // What the killed run was writing stays behind until the next complete run.
      if Self.temporaryOutputs(of: output).contains(where: { !before.contains($0) && $1 > 0 }) {
        outcomes["killed mid-write", default: 0] += 1
      }
      #expect(
        outcome != "damaged", "\(output.lastPathComponent): \(now.keys.sorted())",
        sourceLocation: sourceLocation)
    }
    #expect(
      outcomes["killed mid-write", default: 0] > 0,
      "no kill landed while \(output.lastPathComponent) was being written: \(outcomes)",
      sourceLocation: sourceLocation)
    // The next complete run writes the new output and removes what the killed runs left.
    #expect(try CLI.run(with(new, output)).status == 0, sourceLocation: sourceLocation)
    #expect(try snapshot(output) == newSnapshot, sourceLocation: sourceLocation)
    print("\(output.lastPathComponent): killed runs left the \(outcomes)")
    let left = try Hardening.hiddenEntries(directory).filter {
      $0.hasPrefix(".\(output.lastPathComponent).")
    }
    #expect(left.isEmpty, "left behind: \(left) after \(outcomes)", sourceLocation: sourceLocation)
  }

  /// A train-sae directory by its model: config.json, model.safetensors and the number of
  /// epochs in training.json (whose timings differ from run to run).
  static func modelSnapshot(_ url: URL) throws -> [String: Data] {
    var files: [String: Data] = [:]
    for name in ["config.json", "model.safetensors"] {
      files[name] = try? Data(contentsOf: url.appendingPathComponent(name))
    }
    let report = try? Data(contentsOf: url.appendingPathComponent("training.json"))
    let epochs = report.flatMap {
      (try? JSONSerialization.jsonObject(with: $0) as? [String: Any])?["epochs"] as? [Any]
    }
    files["training.json epochs"] = epochs.map { Data("\($0.count)".utf8) }
    return files
  }

  @Test func killedTrainSAEKeepsACompleteModel() throws {
    let dir = try CLI.temporaryDirectory()
    let corpus = try Hardening.corpus(in: dir, count: 2000)
    let x = dir.appendingPathComponent("x.npz").path
    #expect(try CLI.run(["vectorize", corpus.path, "-o", x, "-q"]).status == 0)
    let common = ["train-sae", x, "-o", "OUT", "--hidden", "6"]
    try check(
      output: dir.appendingPathComponent("sae"), old: common + ["--epochs", "1"],
      new: common + ["--epochs", "15"], rounds: 8, seed: 17,
      snapshot: Self.modelSnapshot)
  }

  @Test func killedFitKeepsACompleteBundle() throws {
    let dir = try CLI.temporaryDirectory()
    let corpus = try Hardening.corpus(in: dir, count: 2000)
    // One input and one C: the bundle is written the same way after a choice by
    // cross-validation, which would only make each run longer.
    let common = [
      "fit", corpus.path, "-o", "OUT", "--hidden", "6", "--classifier-input", "codes", "--C", "1",
    ]
    try check(
      output: dir.appendingPathComponent("m"), old: common + ["--epochs", "1"],
      new: common + ["--epochs", "12"], rounds: 8, seed: 14)
  }

  @Test func killedVectorizeAndEncodeKeepACompleteFile() throws {
    let dir = try CLI.temporaryDirectory()
    let corpus = try Hardening.corpus(in: dir, count: 20000)
    // .safetensors rather than .npz: a zip stamps its members with the time they were written.
    let x = dir.appendingPathComponent("x.safetensors")
    try check(
      output: x, old: ["vectorize", corpus.path, "-o", "OUT", "--hashing", "64"],
      new: ["vectorize", corpus.path, "-o", "OUT", "--hashing", "128"], rounds: 8, seed: 15)
    let model = try Hardening.bundle(in: dir, corpus: try Hardening.corpus(in: dir, name: "s.txt"))
    try check(
      output: dir.appendingPathComponent("c.npy"),
      old: [
        "encode", model.path, try Hardening.corpus(in: dir, name: "few.txt", count: 10).path, "-o",
        "OUT",
      ],
      new: ["encode", model.path, corpus.path, "-o", "OUT"], rounds: 8, seed: 16)
  }
}
