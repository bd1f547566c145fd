import Foundation
import TestSupport
import Testing

@testable import SparseText

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A seeded mutation fuzzer over every corpus reader, the `.npz`/`.npy`/`.safetensors` readers
/// and the model loaders. Each target starts from valid seed files and applies a few random
/// mutations per case (byte changes, insertions, deletions, truncation, repeated chunks and
/// hostile tokens such as huge numbers, NaN and deep nesting); every case must end in a result
/// or one of the library's typed errors, with no crash and no case slower than 10 s.
///
/// `make test` runs a short slice (`SPARSETEXT_FUZZ_CASES`, 100 per target by default);
/// `make fuzz` runs 10,000 per target and prints the counts. Set `SPARSETEXT_FUZZ_SEED` to vary
/// or replay a run.
@Suite(.serialized) struct MutationFuzzTests {
  static let environment = ProcessInfo.processInfo.environment
  static let cases = environment["SPARSETEXT_FUZZ_CASES"].flatMap { Int($0) } ?? 100
  static let seed = environment["SPARSETEXT_FUZZ_SEED"].flatMap { UInt64($0) } ?? 14
  static let hangLimit = 10.0

  /// What one target saw.
  struct Tally: CustomStringConvertible {
    var target: String
    var cases = 0
    var accepted = 0
    var refused = 0
    var slowest = 0.0

    var seconds = 0.0

    var description: String {
      let name = target.padding(toLength: 32, withPad: " ", startingAt: 0)
      return "fuzz \(name) \(cases) cases: \(accepted) read, \(refused) refused with an error, "
        + "0 crashes, \(slowest > MutationFuzzTests.hangLimit ? 1 : 0) hangs "
        + String(format: "(slowest case %.3f s, %.1f s in all)", slowest, seconds)
    }
  }

  /// Tokens that tend to find edge cases in parsers and size checks.
  static let tokens: [[UInt8]] =
    [
      "2147483647", "4294967296", "9223372036854775807", "-1", "1e39", "NaN", "Infinity", "\"",
      "\\", "\n", "\r\n", "\r", ",", "\t", "{", "}", "[", "]", ":", "null", "true", "__label__",
      String(repeating: "[", count: 700), "\u{FEFF}", "\u{0301}",
    ].map { Array($0.utf8) } + [
      [0xFF], [0xC3], [0x00], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
    ]

  /// Applies one to four random mutations.
  static func mutate(_ seed: [UInt8], _ generator: inout SeededGenerator) -> [UInt8] {
    var bytes = seed
    func position() -> Int { Int(generator.next() % UInt64(bytes.count + 1)) }
    for _ in 0..<(1 + Int(generator.next() % 4)) {
      switch generator.next() % 8 {
      case 0 where !bytes.isEmpty:
        bytes[min(position(), bytes.count - 1)] = UInt8(truncatingIfNeeded: generator.next())
      case 1 where !bytes.isEmpty:
        let p = min(position(), bytes.count - 1)
        bytes[p] ^= UInt8(1) << (generator.next() % 8)
      case 2: bytes.insert(UInt8(truncatingIfNeeded: generator.next()), at: position())
      case 3 where !bytes.isEmpty: bytes.remove(at: min(position(), bytes.count - 1))
      case 4: bytes = Array(bytes.prefix(position()))
      case 5 where !bytes.isEmpty:
        let start = min(position(), bytes.count - 1)
        let end = min(bytes.count, start + 1 + Int(generator.next() % 64))
        bytes.insert(contentsOf: bytes[start..<end], at: position())
      default:
        let token = tokens[Int(generator.next() % UInt64(tokens.count))]
        bytes.insert(contentsOf: token, at: position())
      }
    }
    return bytes
  }

  /// Runs `cases` mutated inputs of `seeds` through `body`; typed errors count as refusals.
  static func fuzz(
    _ target: String, seeds: [[UInt8]], salt: UInt64, _ body: ([UInt8]) throws -> Void
  ) -> Tally {
    fuzzCases(target, salt: salt) { index, generator in
      let source = seeds[index % seeds.count]
      try body(index % 50 == 0 ? source : mutate(source, &generator))
    }
  }

  /// Runs `cases` cases of `body`, which makes its own input from the case's index and the
  /// seeded generator; typed errors count as refusals.
  static func fuzzCases(
    _ target: String, salt: UInt64, _ body: (Int, inout SeededGenerator) throws -> Void
  ) -> Tally {
    var generator = SeededGenerator(seed: seed &+ salt)
    var tally = Tally(target: target)
    for index in 0..<cases {
      let started = Date()
      do {
        try body(index, &generator)
        tally.accepted += 1
      } catch is DataError, is ModelFormatError, is ConfigurationError {
        tally.refused += 1
      } catch {
        Issue.record("\(target), case \(index): an untyped error: \(error)")
      }
      tally.cases += 1
      let seconds = Date().timeIntervalSince(started)
      tally.slowest = max(tally.slowest, seconds)
      tally.seconds += seconds
    }
    print(tally)
    #expect(tally.slowest < hangLimit, "\(target): a case took \(tally.slowest) s")
    return tally
  }

  /// Values a structured mutation puts in place of a JSON value: out of range, of another
  /// type, huge, empty.
  nonisolated(unsafe) static let hostileValues: [Any] = [
    NSNull(), 0, -1, 1, 2, 2_147_483_647, 2_147_483_648, Int.max, Int.min, 1e39, -1e39, 0.5,
    1e-320, "", "x", "relu", "sigmoid", "standardize", true, false, [Any](), [0, 1], [1, 0],
    [String: Any](), ["count": 2], ["fraction": 1.5], String(repeating: "a", count: 300),
  ]

  /// Applies one to three structured mutations to a JSON text (a value replaced by a hostile
  /// one, a key removed, an array element dropped, swapped or duplicated), or, when it does
  /// not parse, byte mutations.
  static func mutateJSON(_ seed: [UInt8], _ generator: inout SeededGenerator) -> [UInt8] {
    guard
      var tree = try? JSONSerialization.jsonObject(with: Data(seed), options: [.fragmentsAllowed])
    else { return mutate(seed, &generator) }
    for _ in 0..<(1 + Int(generator.next() % 3)) {
      tree = mutateValue(tree, &generator, depth: 0)
    }
    guard
      let data = try? JSONSerialization.data(
        withJSONObject: tree, options: [.fragmentsAllowed, .sortedKeys])
    else { return mutate(seed, &generator) }
    return [UInt8](data)
  }

  private static func mutateValue(_ value: Any, _ generator: inout SeededGenerator, depth: Int)
    -> Any
  {
    func pick<T>(_ items: [T]) -> T { items[Int(generator.next() % UInt64(items.count))] }
    // Sometimes here, more often deeper down.
    if depth > 0 && generator.next() % 4 == 0 { return pick(hostileValues) }
    if var object = value as? [String: Any], !object.isEmpty {
      let key = pick(object.keys.sorted())
      switch generator.next() % 6 {
      case 0: object[key] = nil
      case 1: object[key + "_x"] = pick(hostileValues)
      default: object[key] = mutateValue(object[key]!, &generator, depth: depth + 1)
      }
      return object
    }
    if var array = value as? [Any], !array.isEmpty {
      let i = Int(generator.next() % UInt64(array.count))
      switch generator.next() % 5 {
      case 0: array.remove(at: i)
      case 1: array.append(array[i])
      case 2: array.swapAt(i, Int(generator.next() % UInt64(array.count)))
      default: array[i] = mutateValue(array[i], &generator, depth: depth + 1)
      }
      return array
    }
    return pick(hostileValues)
  }

  /// Writes `bytes` to `url` (plain `write(2)`: Foundation's `Data.write` takes milliseconds
  /// here, which 10,000 cases per target would feel).
  static func put(_ bytes: [UInt8], _ url: URL) throws {
    let descriptor = open(url.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard descriptor >= 0 else { throw CocoaError(.fileWriteUnknown) }
    defer { close(descriptor) }
    var written = 0
    while written < bytes.count {
      let n = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
      guard n > 0 else { throw CocoaError(.fileWriteUnknown) }
      written += n
    }
  }

  static func scratch() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-fuzz-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  @Test func corpusReaders() throws {
    let directory = try Self.scratch()
    defer { try? FileManager.default.removeItem(at: directory) }
    let file = directory.appendingPathComponent("input")
    let seeds: [CorpusFormat: [String]] = [
      .csv: ["text,label\n\"a \"\"q\"\" b\",x\r\nc,y\n", "label,text\npos,\"multi\nline\"\n"],
      .tsv: ["text\tlabel\nhello there\ta\nbye\tb\n"],
      .jsonl: [
        "{\"text\": \"hi\", \"label\": \"a\"}\n{\"text\": \"x\", \"label\": [1, true]}\n",
        "{\"text\": \"caf\u{E9}\", \"meta\": {\"label\": 2}}\n",
      ],
      .fasttext: ["__label__a __label__b one two\n__label__c three\n"],
      .lines: ["one line\nanother line\r\n\u{FEFF}third\n"],
    ]
    for (salt, format) in [CorpusFormat.csv, .tsv, .jsonl, .fasttext, .lines].enumerated() {
      let tally = Self.fuzz(
        "\(format)", seeds: seeds[format]!.map { Array($0.utf8) }, salt: UInt64(salt)
      ) { bytes in
        try Self.put(bytes, file)
        let policy: BadRecordPolicy = bytes.count % 2 == 0 ? .error : .skip
        let encoding: TextDecoder.Encoding = bytes.count % 3 == 0 ? .latin1 : .utf8
        _ = try CorpusReader(
          path: file.path,
          options: .init(format: format, encoding: encoding, onBadRecord: policy)
        ).readAll()
      }
      #expect(tally.accepted > 0 && tally.cases == Self.cases)
    }
  }

  @Test func folderReader() throws {
    let directory = try Self.scratch()
    defer { try? FileManager.default.removeItem(at: directory) }
    let folder = directory.appendingPathComponent("a")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let tally = Self.fuzz("folder", seeds: [Array("one document\n".utf8)], salt: 10) { bytes in
      try Self.put(bytes, folder.appendingPathComponent("1.txt"))
      _ = try CorpusReader(path: directory.path, options: .init(format: .folder)).readAll()
    }
    #expect(tally.accepted > 0)
  }

  @Test func matrixFiles() throws {
    let directory = try Self.scratch()
    defer { try? FileManager.default.removeItem(at: directory) }
    let matrix = try SparseMatrix(rows: [[(1, 2)], [(0, 1), (2, 3)], []], columns: 3)
    let npz = directory.appendingPathComponent("x.npz")
    try matrix.writeNPZ(to: npz)
    let npzSeed = [UInt8](try Data(contentsOf: npz))
    let npz2 = directory.appendingPathComponent("m.npz")
    let tally = Self.fuzz("npz", seeds: [npzSeed], salt: 11) { bytes in
      try Self.put(bytes, npz2)
      _ = try SparseMatrix.readNPZ(from: npz2)
    }
    #expect(tally.refused > 0)
    let npy = [UInt8](NumPyArray.encode(shape: [2, 2], floats: [1, 2, 3, 4]))
    let npyFile = directory.appendingPathComponent("x.npy")
    _ = Self.fuzz("npy", seeds: [npy], salt: 12) { bytes in
      try Self.put(bytes, npyFile)
      _ = try NumPyArray.readMatrix(from: npyFile)
    }
    let tensors = [UInt8](
      SafeTensors.encode(
        ["w": try Tensor(shape: [2, 2], values: [1, 2, 3, 4]), "b": Tensor(vector: [0.5])],
        metadata: ["format": "x"]))
    _ = Self.fuzz("safetensors", seeds: [tensors], salt: 13) { bytes in
      _ = try SafeTensors.decode(Data(bytes), file: "t")
    }
  }

  @Test func termStatistics() throws {
    let documents = ["the cup final", "rates and shares", "北京 café 🙂", ""]
    let seed = [UInt8](try TermStatistics(counting: documents, tokenizer: .unicode).fileData())
    let tally = Self.fuzz("term statistics", seeds: [seed], salt: 17) { bytes in
      let statistics = try TermStatistics(fileData: Data(bytes), file: "x.stats")
      let merged = try TermStatistics.merged([statistics, statistics])
      _ = try merged.vocabulary(configuration: .init(tokenizer: merged.tokenizer, maxFeatures: 2))
    }
    #expect(tally.refused > 0 && tally.accepted > 0)
  }

  @Test func modelLoaders() throws {
    let directory = try Self.scratch()
    defer { try? FileManager.default.removeItem(at: directory) }
    let documents = (0..<12).map { "word\($0 % 4) other\($0 % 3) text" }
    let pipeline = try TextFeaturePipeline(
      fitting: documents, labels: documents.indices.map { $0 % 2 == 0 ? "a" : "b" },
      configuration: .init(autoencoder: .init(hiddenUnits: 2, epochs: 1, batchSize: 4)))
    let bundle = directory.appendingPathComponent("model")
    try pipeline.write(to: bundle)
    // The classifier reads word pairs of its own (the default), so the bundle has four files.
    let files = [
      "config.json", "vocabulary.json", TextFeaturePipeline.classifierVocabularyFile,
      "model.safetensors",
    ]
    let originals = try files.map {
      [UInt8](try Data(contentsOf: bundle.appendingPathComponent($0)))
    }
    for (k, name) in files.enumerated() {
      let tally = Self.fuzz("bundle:" + name, seeds: [originals[k]], salt: 20 + UInt64(k)) {
        bytes in
        for (j, other) in files.enumerated() {
          try Self.put(j == k ? bytes : originals[j], bundle.appendingPathComponent(other))
        }
        let loaded = try TextFeaturePipeline(contentsOf: bundle)
        // What loads must work: no NaN, no trap on use.
        let codes = try loaded.embeddings(for: ["word1 other2 text"])
        #expect(codes.values.allSatisfy { $0.isFinite }, "\(name): non-finite codes")
        _ = try loaded.predict(["word1 text"])
      }
      #expect(tally.refused > 0)
    }
    let sae = pipeline.autoencoder!
    let saeDirectory = directory.appendingPathComponent("sae")
    try sae.write(to: saeDirectory)
    let saeFiles = ["config.json", "model.safetensors"]
    let saeOriginals = try saeFiles.map {
      [UInt8](try Data(contentsOf: saeDirectory.appendingPathComponent($0)))
    }
    for (k, name) in saeFiles.enumerated() {
      _ = Self.fuzz("autoencoder:" + name, seeds: [saeOriginals[k]], salt: 30 + UInt64(k)) {
        bytes in
        for (j, other) in saeFiles.enumerated() {
          try Self.put(j == k ? bytes : saeOriginals[j], saeDirectory.appendingPathComponent(other))
        }
        _ = try SparseAutoencoder(contentsOf: saeDirectory)
      }
    }
  }

  /// The bundle directory as a whole: one to four of its files mutated together (JSON by
  /// structure or by bytes, the tensors by bytes), half of the cases from a bundle without its
  /// checksums (as earlier builds wrote them), so the invariants are what refuses them. What
  /// loads must work: finite codes, predictions, anomaly scores.
  @Test func bundleDirectory() throws {
    let directory = try Self.scratch()
    defer { try? FileManager.default.removeItem(at: directory) }
    let documents = (0..<12).map { "word\($0 % 4) other\($0 % 3) text" }
    let pipeline = try TextFeaturePipeline(
      fitting: documents,
      labels: documents.indices.map { $0 % 3 == 0 ? "a" : $0 % 3 == 1 ? "b" : "c" },
      configuration: .init(autoencoder: .init(hiddenUnits: 3, epochs: 1, batchSize: 4)))
    let bundle = directory.appendingPathComponent("model")
    try pipeline.write(to: bundle)
    let files = [
      "config.json", "vocabulary.json", TextFeaturePipeline.classifierVocabularyFile,
      "model.safetensors",
    ]
    let checked = try files.map { [UInt8](try Data(contentsOf: bundle.appendingPathComponent($0))) }
    let tensorsURL = bundle.appendingPathComponent("model.safetensors")
    let (tensors, metadata) = try SafeTensors.read(from: tensorsURL)
    var unchecked = checked
    unchecked[3] = [UInt8](
      SafeTensors.encode(tensors, metadata: metadata.filter { !$0.key.hasPrefix("checksum.") }))
    let tally = Self.fuzzCases("bundle directory", salt: 40) { index, generator in
      let seeds = index % 2 == 0 ? checked : unchecked
      var chosen = Int(generator.next() % 15) + 1  // a non-empty subset of the four files
      if index % 50 == 0 { chosen = 0 }
      for (k, name) in files.enumerated() {
        var bytes = seeds[k]
        if chosen & (1 << k) != 0 {
          bytes =
            k < 3 && generator.next() % 3 != 0
            ? Self.mutateJSON(bytes, &generator) : Self.mutate(bytes, &generator)
        }
        try Self.put(bytes, bundle.appendingPathComponent(name))
      }
      let loaded = try TextFeaturePipeline(contentsOf: bundle)
      let codes = try loaded.embeddings(for: ["word1 other2 text", ""])
      #expect(codes.values.allSatisfy { $0.isFinite }, "case \(index): non-finite codes")
      if !loaded.classes.isEmpty {
        let probabilities = try loaded.probabilities(for: ["word1 text"])
        #expect(probabilities.values.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 })
      }
      if loaded.trainingScores != nil {
        let scores = try loaded.anomalyScores(for: ["word1 text"])
        #expect(scores.scores.allSatisfy { $0.isFinite }, "case \(index): non-finite scores")
      }
    }
    #expect(tally.refused > 0 && tally.accepted > 0)
  }

  /// `--config` files: the configuration object of a bundle (as written, partial, and in the
  /// camelCase form of format version 2), mutated; what loads is validated and its sizes
  /// checked, as `fit` does before any work.
  @Test func configurationFiles() throws {
    let directory = try Self.scratch()
    defer { try? FileManager.default.removeItem(at: directory) }
    let file = directory.appendingPathComponent("pipeline.json")
    let seeds: [[UInt8]] = [
      [UInt8](try JSONFormat.data(TextFeaturePipeline.Configuration())),
      [UInt8](
        try JSONFormat.data(
          TextFeaturePipeline.Configuration(
            autoencoder: .topK(16), classifierInput: .both))),
      Array(#"{"folds": 5, "autoencoder": {"hidden_units": 64}, "outlier_quantile": 0.95}"#.utf8),
      Array(
        #"{"autoencoder": {"hiddenUnits": 8, "epochs": 2}, "vectorizer": {"minDocumentFrequency": {"count": {"_0": 2}}}}"#
          .utf8),
    ]
    let tally = Self.fuzzCases("configuration files", salt: 41) { index, generator in
      let seed = seeds[index % seeds.count]
      let bytes =
        index % 50 == 0
        ? seed
        : generator.next() % 3 == 0
          ? Self.mutate(seed, &generator) : Self.mutateJSON(seed, &generator)
      try Self.put(bytes, file)
      let configuration = try TextFeaturePipeline.Configuration(contentsOf: file)
      try configuration.validate()
      try configuration.autoencoder?.checkSizes(inputColumns: 1000, rows: 1000)
      _ = try Tokenizer(configuration.vectorizer.counting.tokenizer)
    }
    #expect(tally.refused > 0 && tally.accepted > 0)
  }

  /// Vocabulary files in each form (JSON object, JSON array, lines), mutated; what is read is
  /// used to vectorize.
  @Test func vocabularyFiles() throws {
    let directory = try Self.scratch()
    defer { try? FileManager.default.removeItem(at: directory) }
    let file = directory.appendingPathComponent("vocabulary")
    let vocabulary = try Vocabulary(terms: ["fox", "the", "caf\u{E9}", "e\u{301}", "a b", "😀"])
    let seeds: [[UInt8]] = [
      [UInt8](vocabulary.jsonObject()),
      [UInt8](try JSONFormat.data(vocabulary.terms)),
      Array(vocabulary.terms.joined(separator: "\n").utf8),
      Array("the\r\nfox\n\ndog\n".utf8),
    ]
    let tally = Self.fuzzCases("vocabulary files", salt: 42) { index, generator in
      let seed = seeds[index % seeds.count]
      let bytes =
        index % 50 == 0
        ? seed
        : index % seeds.count < 2 && generator.next() % 2 == 0
          ? Self.mutateJSON(seed, &generator) : Self.mutate(seed, &generator)
      try Self.put(bytes, file)
      let read = try Vocabulary(contentsOf: file)
      let (_, x) = try TfidfVectorizer.fitTransform(
        ["the fox", "a café"], vocabulary: read, configuration: .init())
      #expect(x.columns == read.count)
    }
    #expect(tally.refused > 0 && tally.accepted > 0)
  }

  /// The JSON header of a term-statistics file, mutated with its length kept right, so the
  /// parser gets past the framing to the header's fields.
  @Test func statisticsHeaders() throws {
    let documents = ["the cup final", "rates and shares", "北京 café 🙂", ""]
    let data = [UInt8](try TermStatistics(counting: documents, tokenizer: .unicode).fileData())
    let length = Int(
      UInt32(data[8]) | UInt32(data[9]) << 8 | UInt32(data[10]) << 16 | UInt32(data[11]) << 24)
    let header = Array(data[12..<(12 + length)])
    let body = Array(data[(12 + length)...])
    let tally = Self.fuzzCases("statistics headers", salt: 43) { index, generator in
      let mutated =
        index % 50 == 0
        ? header
        : generator.next() % 4 == 0
          ? Self.mutate(header, &generator) : Self.mutateJSON(header, &generator)
      var bytes = Array(data[0..<8])
      withUnsafeBytes(of: UInt32(mutated.count).littleEndian) { bytes.append(contentsOf: $0) }
      bytes += mutated + body
      let statistics = try TermStatistics(fileData: Data(bytes), file: "x.stats")
      let merged = try TermStatistics.merged([statistics, statistics])
      _ = try merged.vectorizer(configuration: .init(counting: .init(tokenizer: merged.tokenizer)))
    }
    #expect(tally.refused > 0 && tally.accepted > 0)
  }
}
