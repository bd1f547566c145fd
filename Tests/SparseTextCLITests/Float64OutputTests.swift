import Foundation
import Testing

/// Issue 24 item 7: `vectorize --dtype float64` computes the idf, sublinear tf, the idf weights
/// and the norm in Double, as scikit-learn does for `dtype=np.float64`, on every path that fits
/// or applies a vectorizer, and every output format stores those Double values.
@Suite struct Float64OutputTests {
  /// The golden files of `Tests/Golden/generate_text.py`.
  static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Golden/text")

  /// The golden documents as a JSONL corpus in `dir`.
  private func corpus(in dir: URL) throws -> URL {
    let object = try JSONSerialization.jsonObject(
      with: Data(contentsOf: Self.golden.appendingPathComponent("documents.json")))
    let documents = (object as? [String: Any])?["documents"] as? [String] ?? []
    #expect(documents.count == 16)
    let lines = try documents.map {
      String(decoding: try JSONSerialization.data(withJSONObject: ["text": $0]), as: UTF8.self)
    }
    let url = dir.appendingPathComponent("docs.jsonl")
    try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
    return url
  }

  /// A golden case's matrix: column indices and values in storage order.
  private func goldenMatrix(_ name: String) throws -> (indices: [Int], values: [Double]) {
    let object = try JSONSerialization.jsonObject(
      with: Data(contentsOf: Self.golden.appendingPathComponent(name + ".json")))
    let matrix = (object as? [String: Any])?["matrix"] as? [String: Any]
    return (matrix?["indices"] as? [Int] ?? [], matrix?["data"] as? [Double] ?? [])
  }

  /// A `.jsonl` matrix's column indices and values, in storage order, and its rows' values.
  /// Numbers are parsed by `Double(_:)`, which reads the shortest representation back exactly
  /// (Foundation's JSON parser on Linux can be one step off).
  private func readJSONL(_ url: URL) throws -> (indices: [Int], values: [Double], rows: [[Double]])
  {
    func array(_ key: String, in line: Substring) -> [Substring] {
      guard let start = line.range(of: "\"\(key)\":[") else { return [] }
      let rest = line[start.upperBound...]
      return rest[..<(rest.firstIndex(of: "]") ?? rest.endIndex)].split(separator: ",")
    }
    var indices: [Int] = []
    var rows: [[Double]] = []
    for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") {
      indices += array("indices", in: line).compactMap { Int($0) }
      rows.append(array("values", in: line).compactMap { Double($0) })
    }
    return (indices, rows.flatMap { $0 }, rows)
  }

  /// The array of the last `.npy` in `data` (an `.npy` file, or the `data` member of an `.npz`
  /// written uncompressed, as `save_npz`'s order puts it last): its type string and its first
  /// `count` elements as Double.
  private func lastArray(_ data: Data, count: Int) throws -> (descriptor: String, values: [Double])
  {
    let magic = Data([0x93] + Array("NUMPY".utf8))
    let start = try #require(data.ranges(of: magic).last?.lowerBound)
    let length = Int(data[start + 8]) | Int(data[start + 9]) << 8
    let header = String(decoding: data[(start + 10)..<(start + 10 + length)], as: UTF8.self)
    let body = Data(data[(start + 10 + length)...])
    let descriptor = header.contains("'<f8'") ? "<f8" : header.contains("'<f4'") ? "<f4" : "?"
    let values: [Double] =
      descriptor == "<f8"
      ? body.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
      : body.withUnsafeBytes { $0.bindMemory(to: Float.self).map(Double.init) }
    return (descriptor, Array(values.prefix(count)))
  }

  private func worstRelative(_ actual: [Double], _ expected: [Double]) -> Double {
    zip(actual, expected).map { abs($0 - $1) / max(abs($1), .leastNormalMagnitude) }.max() ?? 0
  }

  private func run(_ arguments: [String]) throws {
    let result = try CLI.run(["vectorize"] + arguments + ["--quiet"])
    #expect(result.status == 0, "\(arguments): \(result.stderr)")
  }

  @Test func tfidfAgreesWithScikitLearnInEveryFormat() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let docs = try corpus(in: dir)
    // scikit-learn: ngram_range=(1, 2), min_df=2, sublinear_tf=True, norm="l1".
    let options = ["--preset", "sklearn", "--ngrams", "1-2", "--min-df", "2"]
    let weighting = ["--sublinear-tf", "--norm", "l1"]
    let expected = try goldenMatrix("tfidf_float64_sublinear_l1")
    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
    let vocabulary = path("v.json")
    try run(
      [docs.path, "-o", path("x.jsonl"), "--dtype", "float64", "--vocabulary-out", vocabulary]
        + options + weighting)
    let x = try readJSONL(URL(fileURLWithPath: path("x.jsonl")))
    #expect(x.indices == expected.indices)
    #expect(x.values.count == expected.values.count)
    let worst = worstRelative(x.values, expected.values)
    #expect(worst <= 1e-12, "float64 values off by \(worst)")
    // l1 rows sum to one in Double.
    #expect(x.rows.allSatisfy { $0.isEmpty || abs($0.reduce(0, +) - 1) <= 1e-15 })

    // Binary formats store the same Double values, bit for bit.
    for name in ["x.npz", "x.npy"] {
      try run([docs.path, "-o", path(name), "--dtype", "float64"] + options + weighting)
      let data = try Data(contentsOf: URL(fileURLWithPath: path(name)))
      let array = try lastArray(data, count: name == "x.npy" ? 16 * 6 : x.values.count)
      #expect(array.descriptor == "<f8", "\(name)")
      #expect(array.values.filter { $0 != 0 } == x.values, "\(name)")
    }
    // Text formats print them in full.
    try run([docs.path, "-o", path("x.csv"), "--dtype", "float64"] + options + weighting)
    let csv = try String(contentsOfFile: path("x.csv"), encoding: .utf8).split(separator: "\n")
      .dropFirst().map { Double($0.split(separator: ",")[2])! }
    #expect(csv == x.values)
    try run([docs.path, "-o", path("x.svm"), "--dtype", "float64"] + options + weighting)
    let svm = try String(contentsOfFile: path("x.svm"), encoding: .utf8).split(separator: "\n")
      .flatMap { $0.split(separator: " ").dropFirst().map { Double($0.split(separator: ":")[1])! } }
    #expect(svm == x.values)

    // float32 (the default) stays as computed before: further off than the float64 tolerance.
    try run([docs.path, "-o", path("f.jsonl")] + options + weighting)
    let floats = try readJSONL(URL(fileURLWithPath: path("f.jsonl")))
    #expect(floats.indices == expected.indices)
    #expect(worstRelative(floats.values, expected.values) > 1e-9)

    // A given vocabulary (its idf fitted on INPUT) and merged statistics give the same values.
    try run(
      [docs.path, "-o", path("given.jsonl"), "--dtype", "float64", "--vocabulary-in", vocabulary]
        + ["--preset", "sklearn", "--ngrams", "1-2"] + weighting)
    #expect(try readJSONL(URL(fileURLWithPath: path("given.jsonl"))).values == x.values)
    try run(
      [docs.path, "--statistics-out", path("s.stats"), "--preset", "sklearn", "--ngrams", "1-2"])
    try run(
      [docs.path, "-o", path("merged.npz"), "--dtype", "float64", "--statistics", path("s.stats")]
        + options + weighting)
    let merged = try lastArray(
      try Data(contentsOf: URL(fileURLWithPath: path("merged.npz"))), count: x.values.count)
    #expect(merged.descriptor == "<f8")
    #expect(merged.values == x.values)

    // A bundle's idf is float32: with --model the rest is computed in Double from it.
    try run(
      [docs.path, "-o", path("fit.npz"), "--vectorizer-out", path("vectorizer")] + options
        + weighting)
    try run([docs.path, "-o", path("m.jsonl"), "--dtype", "float64", "--model", path("vectorizer")])
    let applied = try readJSONL(URL(fileURLWithPath: path("m.jsonl")))
    #expect(applied.indices == expected.indices)
    #expect(worstRelative(applied.values, expected.values) <= 1e-6)
    #expect(applied.rows.allSatisfy { $0.isEmpty || abs($0.reduce(0, +) - 1) <= 1e-15 })
  }

  @Test func hashingNormIsComputedInDouble() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let docs = try corpus(in: dir)
    let x = dir.appendingPathComponent("h.jsonl")
    try run([
      docs.path, "-o", x.path, "--dtype", "float64", "--hashing", "1024", "--preset", "sklearn",
      "--norm", "l1",
    ])
    let expected = try goldenMatrix("hashing_1024_l1_float64")
    let hashed = try readJSONL(x)
    #expect(hashed.indices == expected.indices)
    let worst = zip(hashed.values, expected.values).map { abs($0 - $1) }.max() ?? 1
    #expect(worst <= 1e-12, "hashed values off by \(worst)")
  }

  /// Counts are whole numbers in every text format, svmlight too.
  @Test func svmlightPrintsCountsAsWholeNumbers() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let docs = dir.appendingPathComponent("docs.txt")
    try Data("aa aa bb\ncc\n".utf8).write(to: docs)
    let x = dir.appendingPathComponent("c.svm")
    try run([docs.path, "-o", x.path, "--counts"])
    #expect(try String(contentsOf: x, encoding: .utf8) == "0 0:2 1:1\n0 2:1\n")
  }
}

/// `vectorize --model` and `--vocabulary-in` read their input block by block (4,096 documents
/// each) instead of all at once: the idf of `--vocabulary-in` is still fitted on the whole
/// input, so both give exactly what the fit gave on the same documents, over many blocks.
@Suite struct FixedColumnBlocksTests {
  @Test(arguments: [["--dtype", "float32"], ["--dtype", "float64"], ["--counts"]])
  func fixedColumnsOverManyBlocksEqualTheFit(_ options: [String]) throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let words = ["goal", "match", "bank", "shares", "café", "straße", "北京", "team", "profit"]
    let lines = (0..<10_000).map { d in
      "{\"id\":\"\(d)\",\"label\":\"\(d % 3)\",\"text\":\""
        + (0..<(1 + d % 7)).map { words[(d * 7 + $0 * 3) % words.count] + "\(d % 11)" }
        .joined(separator: " ") + "\"}"
    }
    let corpus = dir.appendingPathComponent("docs.jsonl")
    try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: corpus)
    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
    func run(_ arguments: [String]) throws {
      let result = try CLI.run(["vectorize", corpus.path] + arguments + options + ["--quiet"])
      #expect(result.status == 0, "\(arguments): \(result.stderr)")
    }
    try run([
      "-o", path("fit.jsonl"), "--vocabulary-out", path("v.json"), "--vectorizer-out",
      path("vectorizer"), "--labels-out", path("fit.txt"),
    ])
    try run(["-o", path("given.jsonl"), "--vocabulary-in", path("v.json")])
    let fit = try Data(contentsOf: URL(fileURLWithPath: path("fit.jsonl")))
    #expect(fit.count > 100_000)
    #expect(try Data(contentsOf: URL(fileURLWithPath: path("given.jsonl"))) == fit)
    try run([
      "-o", path("model.jsonl"), "--model", path("vectorizer"), "--labels-out", path("m.txt"),
    ])
    let model = try Data(contentsOf: URL(fileURLWithPath: path("model.jsonl")))
    if options != ["--dtype", "float64"] {
      #expect(model == fit)
    } else {
      // The bundle's idf is float32: the values differ from the fit's in the last digits only.
      #expect(model.count > 100_000 && model != fit)
    }
    #expect(
      try Data(contentsOf: URL(fileURLWithPath: path("m.txt")))
        == Data(contentsOf: URL(fileURLWithPath: path("fit.txt"))))
  }
}
