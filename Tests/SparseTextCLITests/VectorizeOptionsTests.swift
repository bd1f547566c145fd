import Foundation
import Testing

/// Writes `lines` as a one-document-per-line file in `directory`.
private func writeLines(_ lines: [String], in directory: URL, name: String = "docs.txt") throws
  -> URL
{
  let url = directory.appendingPathComponent(name)
  try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
  return url
}

/// The rows of a `.jsonl` matrix: each row's columns and values.
private func readRows(_ url: URL) throws -> [(indices: [Int], values: [Double])] {
  try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { line in
    let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
    return (object?["indices"] as? [Int] ?? [], object?["values"] as? [Double] ?? [])
  }
}

/// A vocabulary JSON file's terms in column order.
private func readVocabulary(_ url: URL) throws -> [String] {
  let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Int]
  return (object ?? [:]).sorted { $0.value < $1.value }.map(\.key)
}

@Suite struct VectorizeOptionsTests {
  @Test func binaryMaxFeaturesRanksByDocumentFrequency() throws {
    let dir = try CLI.temporaryDirectory()
    let docs = try writeLines(["aa aa aa aa", "bb", "bb"], in: dir)
    let x = dir.appendingPathComponent("x.jsonl")
    let vocabulary = dir.appendingPathComponent("v.json")
    let result = try CLI.run([
      "vectorize", docs.path, "-o", x.path, "--vocabulary-out", vocabulary.path, "--counts",
      "--binary", "--max-features", "1", "--quiet",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(try readVocabulary(vocabulary) == ["bb"])
    let rows = try readRows(x)
    #expect(rows.map(\.indices) == [[], [0], [0]])
    // Without --binary, the total count decides.
    let raw = try CLI.run([
      "vectorize", docs.path, "-o", x.path, "--vocabulary-out", vocabulary.path, "--counts",
      "--max-features", "1", "--quiet",
    ])
    #expect(raw.status == 0, "\(raw.stderr)")
    #expect(try readVocabulary(vocabulary) == ["aa"])
  }

  @Test func vocabularyInFixesTheColumns() throws {
    let dir = try CLI.temporaryDirectory()
    let docs = try writeLines(["bb aa cc", "aa aa", "cc"], in: dir)
    let json = dir.appendingPathComponent("in.json")
    try Data(#"{"cc": 0, "aa": 1, "missing": 2}"#.utf8).write(to: json)
    let lines = try writeLines(["cc", "aa", "missing"], in: dir, name: "in.txt")
    for source in [json, lines] {
      let x = dir.appendingPathComponent("x.jsonl")
      let out = dir.appendingPathComponent("out.json")
      let result = try CLI.run([
        "vectorize", docs.path, "-o", x.path, "--vocabulary-in", source.path, "--counts",
        "--vocabulary-out", out.path, "--json", "--quiet",
      ])
      #expect(result.status == 0, "\(result.stderr)")
      #expect(try readVocabulary(out) == ["cc", "aa", "missing"])
      let rows = try readRows(x)
      #expect(rows.map(\.indices) == [[0, 1], [1], [0]])
      #expect(rows.map(\.values) == [[1, 1], [2], [1]])
      let summary = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
      #expect((summary as? [String: Any])?["terms"] as? Int == 3)
    }
    // Pruning options have no meaning with a fixed vocabulary.
    let refused = try CLI.run([
      "vectorize", docs.path, "-o", dir.appendingPathComponent("y.npz").path,
      "--vocabulary-in", json.path, "--min-df", "2",
    ])
    #expect(refused.status != 0)
    #expect(refused.stderr.contains("--min-df"))
    // A vocabulary with a gap in its columns is refused, naming the file.
    try Data(#"{"cc": 0, "aa": 2}"#.utf8).write(to: json)
    let gap = try CLI.run([
      "vectorize", docs.path, "-o", dir.appendingPathComponent("z.npz").path,
      "--vocabulary-in", json.path,
    ])
    #expect(gap.status != 0)
    #expect(gap.stderr.contains("in.json") && gap.stderr.contains("column 2"), "\(gap.stderr)")
    #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("z.npz").path))
  }

  @Test func vectorizerOutIsReadByModel() throws {
    let dir = try CLI.temporaryDirectory()
    let train = try writeLines(["the fox runs", "the dog barks", "a fox and a dog"], in: dir)
    let test = try writeLines(
      ["the fox barks at the dog", "nothing known here"], in: dir, name: "t.txt")
    let bundle = dir.appendingPathComponent("vectorizer")
    let fitted = try CLI.run([
      "vectorize", train.path, "-o", dir.appendingPathComponent("train.jsonl").path,
      "--vectorizer-out", bundle.path, "--sublinear-tf", "--preset", "sklearn", "--quiet",
    ])
    #expect(fitted.status == 0, "\(fitted.stderr)")
    let names = try FileManager.default.contentsOfDirectory(atPath: bundle.path).sorted()
    #expect(names == ["config.json", "model.safetensors", "vocabulary.json"])
    // Applying the bundle to the training text gives the fitted matrix again.
    let again = try CLI.run([
      "vectorize", train.path, "--model", bundle.path, "-o",
      dir.appendingPathComponent("again.jsonl").path, "--quiet",
    ])
    #expect(again.status == 0, "\(again.stderr)")
    let first = try readRows(dir.appendingPathComponent("train.jsonl"))
    let second = try readRows(dir.appendingPathComponent("again.jsonl"))
    #expect(first.map(\.indices) == second.map(\.indices))
    #expect(first.map(\.values) == second.map(\.values))
    // Raw counts of new text over the bundle's vocabulary.
    let vocabularyOut = dir.appendingPathComponent("v.json")
    let counted = try CLI.run([
      "vectorize", test.path, "--model", bundle.path, "--counts", "-o",
      dir.appendingPathComponent("counts.jsonl").path, "--vocabulary-out", vocabularyOut.path,
      "--quiet",
    ])
    #expect(counted.status == 0, "\(counted.stderr)")
    let terms = try readVocabulary(vocabularyOut)
    let rows = try readRows(dir.appendingPathComponent("counts.jsonl"))
    #expect(rows.count == 2)
    let the = try #require(terms.firstIndex(of: "the"))
    #expect(rows[0].indices.contains(the))
    #expect(rows[0].values[rows[0].indices.firstIndex(of: the)!] == 2)
    #expect(rows[1].indices.isEmpty)
    // Hashing fits nothing to save.
    let hashed = try CLI.run([
      "vectorize", train.path, "--hashing", "16", "--vectorizer-out",
      dir.appendingPathComponent("hashed").path, "-o", dir.appendingPathComponent("h.npz").path,
    ])
    #expect(hashed.status != 0)
    #expect(hashed.stderr.contains("--vectorizer-out"), "\(hashed.stderr)")
  }
}

@Suite struct VectorizerFlagTests {
  @Test func idfFlagsTokenPatternAndLowercase() throws {
    let dir = try CLI.temporaryDirectory()
    let docs = try writeLines(["Foo bar, BAR baz.", "bar x-ray"], in: dir)
    let x = dir.appendingPathComponent("x.jsonl")
    let vocabulary = dir.appendingPathComponent("v.json")
    func run(_ options: [String]) throws -> CLIResult {
      try CLI.run(
        ["vectorize", docs.path, "-o", x.path, "--vocabulary-out", vocabulary.path, "--quiet"]
          + options)
    }
    // Without idf and norm, TF-IDF values are the counts.
    var result = try run(["--no-use-idf", "--norm", "none"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(try readRows(x)[0].values.sorted() == [1, 1, 2])
    // Without smoothing, a term in every document has idf 1; smoothed it would too, but a
    // term in one of two documents has 1 + ln 2 rather than 1 + ln(3/2).
    result = try run(["--no-smooth-idf", "--norm", "none"])
    #expect(result.status == 0, "\(result.stderr)")
    let terms = try readVocabulary(vocabulary)
    let row = try readRows(x)[0]
    let baz = try #require(terms.firstIndex(of: "baz"))
    let value = try #require(row.indices.firstIndex(of: baz).map { row.values[$0] })
    #expect(abs(value - (1 + log(2.0))) < 1e-6)
    // A token pattern with one group; one that keeps case.
    result = try run(["--preset", "sklearn", "--token-pattern", #"(\w+)[,.]"#, "--counts"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(try readVocabulary(vocabulary) == ["bar", "baz"])
    result = try run([
      "--preset", "sklearn", "--token-pattern", #"\b[A-Z]\w*"#, "--no-lowercase", "--counts",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(try readVocabulary(vocabulary) == ["BAR", "Foo"])
    // --no-lowercase with the unicode preset and the char analyzer.
    result = try run(["--no-lowercase", "--counts"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(try readVocabulary(vocabulary) == ["BAR", "Foo", "bar", "baz", "ray"])
    result = try run(["--no-lowercase", "--counts", "--analyzer", "char", "--ngrams", "1"])
    #expect(try readVocabulary(vocabulary).contains("F"))
    // Refused: a bad pattern, two groups, the unicode preset.
    for options in [
      ["--preset", "sklearn", "--token-pattern", "(unclosed"],
      ["--preset", "sklearn", "--token-pattern", #"(\w)(\w)"#],
      ["--token-pattern", #"\w+"#],
    ] {
      let refused = try run(options)
      #expect(refused.status != 0)
      #expect(refused.stderr.contains("--token-pattern"), "\(refused.stderr)")
    }
  }
}

@Suite struct VectorizeInputsAndTypesTests {
  @Test func severalInputsAndAFileList() throws {
    let dir = try CLI.temporaryDirectory()
    let first = try writeLines(["alpha beta", "beta gamma"], in: dir, name: "first.txt")
    let second = try writeLines(["gamma delta"], in: dir, name: "second.txt")
    // Listed files are one document each, however many lines they hold.
    let one = try writeLines(["delta", "delta epsilon"], in: dir, name: "one.txt")
    let list = try writeLines([one.path, second.path], in: dir, name: "list.txt")
    let x = dir.appendingPathComponent("x.jsonl")
    let vocabulary = dir.appendingPathComponent("v.json")
    let result = try CLI.run([
      "vectorize", first.path, second.path, "--files-from", list.path, "-o", x.path,
      "--counts", "--vocabulary-out", vocabulary.path, "--quiet",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let terms = try readVocabulary(vocabulary)
    #expect(terms == ["alpha", "beta", "delta", "epsilon", "gamma"])
    let rows = try readRows(x)
    #expect(rows.map(\.indices) == [[0, 1], [1, 4], [2, 4], [2, 3], [2, 4]])
    #expect(rows[3].values == [2, 1])
    // A listed file that does not exist is named.
    let missing = try writeLines(
      [dir.appendingPathComponent("nope.txt").path], in: dir, name: "bad.txt")
    let refused = try CLI.run([
      "vectorize", "--files-from", missing.path, "-o", dir.appendingPathComponent("y.npz").path,
    ])
    #expect(refused.status != 0)
    #expect(refused.stderr.contains("nope.txt"), "\(refused.stderr)")
    #expect(try CLI.run(["vectorize", "-o", x.path]).status != 0)
  }

  /// The `.npy` type string of the `data` member of an `.npz`, and the `data` tensor's type in a
  /// `.safetensors` header, read from the raw bytes.
  private func storedTypes(_ url: URL) throws -> String {
    String(decoding: try Data(contentsOf: url).prefix(4096), as: UTF8.self)
  }

  @Test func countsAreIntegersAndFloat64OnRequest() throws {
    let dir = try CLI.temporaryDirectory()
    let docs = try writeLines(["aa aa aa aa", "bb", "bb"], in: dir)
    func run(_ output: String, _ options: [String]) throws -> String {
      let url = dir.appendingPathComponent(output)
      let result = try CLI.run(["vectorize", docs.path, "-o", url.path, "--quiet"] + options)
      #expect(result.status == 0, "\(result.stderr)")
      return try storedTypes(url)
    }
    #expect(try run("counts.npz", ["--counts"]).contains("'descr': '<i8'"))
    #expect(try run("tfidf.npz", []).contains("'descr': '<f4'"))
    #expect(try run("wide.npz", ["--dtype", "float64"]).contains("'descr': '<f8'"))
    #expect(
      try run("counts.safetensors", ["--counts"]).contains(
        #""data":{"data_offsets":[0,24],"dtype":"I64""#))
    #expect(try run("wide.safetensors", ["--dtype", "float64"]).contains(#""dtype":"F64""#))
    #expect(try run("counts.csv", ["--counts"]) == "row,column,value\n0,0,4\n1,1,1\n2,1,1\n")
    #expect(try run("float.csv", ["--counts", "--dtype", "float32"]).contains("0,0,4.0\n"))
    let refused = try CLI.run([
      "vectorize", docs.path, "-o", dir.appendingPathComponent("bad.npz").path, "--dtype", "int64",
    ])
    #expect(refused.status != 0)
    #expect(refused.stderr.contains("--dtype int64"))
  }

  @Test func denseNPYHonoursTheValueType() throws {
    let dir = try CLI.temporaryDirectory()
    let docs = try writeLines(["aa aa aa aa", "bb", "bb"], in: dir)
    func run(_ options: [String]) throws -> (header: String, body: Data) {
      let url = dir.appendingPathComponent("x.npy")
      let result = try CLI.run(["vectorize", docs.path, "-o", url.path, "--quiet"] + options)
      #expect(result.status == 0, "\(result.stderr)")
      let data = try Data(contentsOf: url)
      let length = Int(data[8]) | Int(data[9]) << 8
      return (
        String(decoding: data.prefix(10 + length), as: UTF8.self), data.dropFirst(10 + length)
      )
    }
    let counts = try run(["--counts"])
    #expect(counts.header.contains("'descr': '<i8'"))
    #expect(counts.header.contains("'shape': (3, 2)"))
    #expect(
      counts.body.withUnsafeBytes { Array($0.bindMemory(to: Int64.self)) } == [4, 0, 0, 1, 0, 1])
    let wide = try run(["--counts", "--dtype", "float64"])
    #expect(wide.header.contains("'descr': '<f8'"))
    #expect(
      wide.body.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) } == [4, 0, 0, 1, 0, 1])
    let tfidf = try run([])
    #expect(tfidf.header.contains("'descr': '<f4'"))
    #expect(
      tfidf.body.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) } == [1, 0, 0, 1, 0, 1])
  }
}
