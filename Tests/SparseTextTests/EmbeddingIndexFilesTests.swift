import Foundation
import Testing

@testable import SparseText

/// The index as a directory, the model digest that ties it to its pipeline, and what a damaged
/// or hostile directory gives.
@Suite struct EmbeddingIndexFilesTests {
  static let documents = [
    "the striker scored a late goal in the cup final",
    "the coach praised the team after the league match",
    "shares fell as the bank cut interest rates",
    "investors sold shares when the market fell",
    "the new phone has a faster chip and a better camera",
    "the software update brings a camera app to the phone",
    "a late goal won the league for the team",
    "the bank raised rates and the market fell",
  ]
  static let labels = ["sport", "sport", "money", "money", "tech", "tech", "sport", "money"]

  /// A small fitted pipeline; its codes do not learn the labels (`labelWeight` 0), so that
  /// fits with and without labels have the same autoencoder.
  static func pipeline(seed: UInt64 = 13, labels: [String]? = labels) throws
    -> TextFeaturePipeline
  {
    try TextFeaturePipeline(
      fitting: documents, labels: labels,
      configuration: .init(
        vectorizer: .init(),
        autoencoder: .init(
          hiddenUnits: 4, epochs: 3, batchSize: 2, seed: seed, labelWeight: 0, taskWeight: 0),
        cValues: [1]))
  }

  static func temporaryDirectory() -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-index-\(UUID().uuidString)")
  }

  /// An index of a few rows written to a fresh directory.
  static func writtenIndex() throws -> (EmbeddingIndex, URL) {
    let index = try EmbeddingIndex(
      vectors: gaussianMatrix(rows: 6, columns: 3, seed: 1),
      ids: ["a", "b", "c", "d", "e", "naïve \"quoted\" id"])
    let url = temporaryDirectory()
    try index.write(to: url)
    return (index, url)
  }

  @Test func aWrittenIndexLoadsAndAnswersTheSame() throws {
    let pipeline = try Self.pipeline()
    let ids = Self.documents.indices.map { "doc\($0)" }
    let index = try EmbeddingIndex(documents: Self.documents, ids: ids, pipeline: pipeline)
    #expect(index.modelDigest == pipeline.embeddingDigest)
    #expect(index.count == 8 && index.dimension == 4)
    let url = Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: url) }
    try index.write(to: url)
    #expect(
      Set(try FileManager.default.contentsOfDirectory(atPath: url.path))
        == ["index.json", "ids.json", "vectors.npy"])
    let loaded = try EmbeddingIndex(contentsOf: url, pipeline: pipeline)
    #expect(loaded.ids == ids)
    #expect(loaded.vectors == index.vectors)
    #expect(loaded.modelDigest == index.modelDigest)
    let query = ["a goal in the cup final", "rates and shares"]
    #expect(
      try loaded.search(query, options: .init(k: 3)) == index.search(query, options: .init(k: 3)))
    let header =
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: url.appendingPathComponent("index.json")))
      as? [String: Any]
    #expect(header?["format"] as? String == "sparsetext-index")
    #expect(header?["format_version"] as? Int == 1)
    #expect(header?["count"] as? Int == 8)
    #expect(header?["dimension"] as? Int == 4)
    #expect(header?["normalization"] as? String == "l2")
    #expect(header?["model_digest"] as? String == pipeline.embeddingDigest)
    // Without a pipeline it searches with vectors only; given one later, text again.
    let bare = try EmbeddingIndex(contentsOf: url)
    #expect(throws: ConfigurationError.self) { try bare.search(query) }
    #expect(try bare.using(pipeline).search(query) == index.search(query))
    // Written again over itself, it is replaced whole.
    try loaded.write(to: url)
    #expect(try EmbeddingIndex(contentsOf: url).ids == ids)
  }

  /// The digest follows what embeddings depend on: the same after writing and loading the
  /// bundle and without the classifier (codes that do not learn the labels), another for
  /// another autoencoder, and another when the codes learn the labels.
  @Test func theDigestTiesAnIndexToItsModel() throws {
    let pipeline = try Self.pipeline()
    let bundle = Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: bundle) }
    try pipeline.write(to: bundle)
    let reloaded = try TextFeaturePipeline(contentsOf: bundle)
    #expect(reloaded.embeddingDigest == pipeline.embeddingDigest)
    #expect(pipeline.embeddingDigest.count == 64)
    let unlabelled = try Self.pipeline(labels: nil)
    #expect(
      try unlabelled.embeddings(for: Self.documents) == pipeline.embeddings(for: Self.documents))
    #expect(unlabelled.embeddingDigest == pipeline.embeddingDigest)
    let other = try Self.pipeline(seed: 14)
    #expect(other.embeddingDigest != pipeline.embeddingDigest)
    let labelTrained = try TextFeaturePipeline(
      fitting: Self.documents, labels: Self.labels,
      configuration: .init(
        vectorizer: .init(),
        autoencoder: .init(hiddenUnits: 4, epochs: 3, batchSize: 2, labelWeight: 1),
        cValues: [1]))
    #expect(labelTrained.embeddingDigest != pipeline.embeddingDigest)
    let plain = try TextFeaturePipeline(
      fitting: Self.documents, configuration: .init(autoencoder: nil, classifier: nil))
    #expect(plain.embeddingDigest != pipeline.embeddingDigest)

    let index = try EmbeddingIndex(documents: Self.documents, pipeline: pipeline)
    let url = Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: url) }
    try index.write(to: url)
    let mismatch = EmbeddingIndexError.modelMismatch(
      indexDigest: pipeline.embeddingDigest, modelDigest: other.embeddingDigest)
    #expect(throws: mismatch) { try EmbeddingIndex(contentsOf: url, pipeline: other) }
    #expect(throws: mismatch) { try index.using(other) }
    #expect(throws: DataError.self) { try index.using(plain) }
    #expect(try EmbeddingIndex(contentsOf: url, pipeline: reloaded).pipeline != nil)
    // An index of bare vectors accepts no model.
    let bare = try EmbeddingIndex(vectors: index.vectors)
    #expect(
      throws: EmbeddingIndexError.modelMismatch(
        indexDigest: nil, modelDigest: pipeline.embeddingDigest)
    ) {
      try bare.using(pipeline)
    }
  }

  /// An index records where its model bundle lies (absolute, and relative to the index) and
  /// finds it again when loaded for text queries: in place, after both moved together, and
  /// never through another model; a bundle that is gone is named in the error.
  @Test func aLoadedIndexFindsItsModelBundle() throws {
    let root = Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    let projects = root.appendingPathComponent("project")
    try FileManager.default.createDirectory(at: projects, withIntermediateDirectories: true)
    let bundle = projects.appendingPathComponent("model")
    let url = projects.appendingPathComponent("indexes/news")
    try FileManager.default.createDirectory(
      at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    let pipeline = try Self.pipeline()
    try pipeline.write(to: bundle)
    var index = try EmbeddingIndex(documents: Self.documents, pipeline: pipeline)
    #expect(index.modelBundle == nil)
    index.modelBundle = bundle
    try index.write(to: url)
    let header =
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: url.appendingPathComponent("index.json")))
      as? [String: Any]
    #expect(header?["model_bundle_relative_path"] as? String == "../../model")
    #expect(
      header?["model_bundle_path"] as? String == OutputLocation.resolved(bundle))
    let query = "a late goal in the cup final"
    let expected = try index.search(query)
    let loaded = try EmbeddingIndex(contentsOf: url, modelBundle: nil)
    #expect(try loaded.search(query) == expected)
    #expect(loaded.modelBundle?.path == OutputLocation.resolved(bundle))
    // Loaded without the model, the index still knows where it is.
    #expect(
      try EmbeddingIndex(contentsOf: url).modelBundle?.path == OutputLocation.resolved(bundle))

    // Both moved together: the relative path finds the model.
    let moved = root.appendingPathComponent("moved")
    try FileManager.default.moveItem(at: projects, to: moved)
    let movedIndex = moved.appendingPathComponent("indexes/news")
    let together = try EmbeddingIndex(contentsOf: movedIndex, modelBundle: nil)
    #expect(try together.search(query) == expected)
    #expect(
      together.modelBundle?.path == OutputLocation.resolved(moved.appendingPathComponent("model")))

    // Only the index moved: the absolute path finds the model.
    try FileManager.default.moveItem(at: moved, to: projects)
    let alone = root.appendingPathComponent("alone")
    try FileManager.default.moveItem(at: url, to: alone)
    #expect(try EmbeddingIndex(contentsOf: alone, modelBundle: nil).search(query) == expected)

    // A bundle of another model where the relative path points is passed over for the
    // recorded absolute one; given explicitly, it is refused.
    let decoyRoot = root.appendingPathComponent("decoy")
    try FileManager.default.createDirectory(
      at: decoyRoot.appendingPathComponent("indexes"), withIntermediateDirectories: true)
    let other = try Self.pipeline(seed: 14)
    try other.write(to: decoyRoot.appendingPathComponent("model"))
    let decoyIndex = decoyRoot.appendingPathComponent("indexes/news")
    try FileManager.default.moveItem(at: alone, to: decoyIndex)
    #expect(try EmbeddingIndex(contentsOf: decoyIndex, modelBundle: nil).search(query) == expected)
    #expect(
      throws: EmbeddingIndexError.modelMismatch(
        indexDigest: pipeline.embeddingDigest, modelDigest: other.embeddingDigest)
    ) {
      try EmbeddingIndex(
        contentsOf: decoyIndex, modelBundle: decoyRoot.appendingPathComponent("model"))
    }

    // The model gone: the error names the recorded bundle, and the model can be given.
    let elsewhere = root.appendingPathComponent("elsewhere")
    try FileManager.default.moveItem(at: bundle, to: elsewhere)
    try FileManager.default.removeItem(at: decoyRoot.appendingPathComponent("model"))
    #expect(
      throws: EmbeddingIndexError.modelBundleMissing(
        index: decoyIndex.path, path: OutputLocation.resolved(bundle))
    ) {
      try EmbeddingIndex(contentsOf: decoyIndex, modelBundle: nil)
    }
    let given = try EmbeddingIndex(contentsOf: decoyIndex, modelBundle: elsewhere)
    #expect(try given.search(query) == expected)
    #expect(given.modelBundle == elsewhere)
    let message = EmbeddingIndexError.modelBundleMissing(index: "i", path: "/m").description
    #expect(message.contains("'/m'") && message.contains("`modelBundle`"))

    // An index of vectors records no model.
    let (_, bare) = try Self.writtenIndex()
    defer { try? FileManager.default.removeItem(at: bare) }
    #expect(throws: EmbeddingIndexError.noModelBundle(index: bare.path)) {
      try EmbeddingIndex(contentsOf: bare, modelBundle: nil)
    }
  }

  @Test func relativePathsBetweenDirectories() {
    #expect(EmbeddingIndex.relativePath(from: "/a/b/index", to: "/a/b/model") == "../model")
    #expect(EmbeddingIndex.relativePath(from: "/a/index", to: "/a/index/model") == "model")
    #expect(EmbeddingIndex.relativePath(from: "/x/y", to: "/z") == "../../z")
    #expect(EmbeddingIndex.relativePath(from: "/x", to: "/x") == ".")
  }

  /// Each damaged part gives a ModelFormatError naming its file, never a crash or a giant
  /// allocation.
  @Test func damagedDirectoriesAreRefused() throws {
    let (_, url) = try Self.writtenIndex()
    defer { try? FileManager.default.removeItem(at: url) }
    let header = url.appendingPathComponent("index.json")
    let ids = url.appendingPathComponent("ids.json")
    let vectors = url.appendingPathComponent("vectors.npy")
    let good = (
      try Data(contentsOf: header), try Data(contentsOf: ids), try Data(contentsOf: vectors)
    )

    func expectRefused(
      _ file: URL, _ data: Data, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
      try data.write(to: file)
      do {
        _ = try EmbeddingIndex(contentsOf: url)
        Issue.record("a damaged \(file.lastPathComponent) loaded", sourceLocation: sourceLocation)
      } catch let error as ModelFormatError {
        // A count in index.json that the vectors do not have is told at vectors.npy.
        #expect("\(error)".contains(url.path), sourceLocation: sourceLocation)
      }
      try good.0.write(to: header)
      try good.1.write(to: ids)
      try good.2.write(to: vectors)
    }

    func headerWith(_ change: (inout [String: Any]) -> Void) throws -> Data {
      var object = try JSONSerialization.jsonObject(with: good.0) as! [String: Any]
      change(&object)
      return try JSONSerialization.data(withJSONObject: object)
    }

    try expectRefused(vectors, good.2.prefix(good.2.count - 5))
    try expectRefused(vectors, good.2.prefix(20))
    try expectRefused(vectors, Data())
    try expectRefused(
      vectors, NumPyArray.encode(shape: [6, 3], integers: [Int32](repeating: 1, count: 18)))
    try expectRefused(
      vectors, NumPyArray.encode(shape: [3, 6], floats: [Float](repeating: 0, count: 18)))
    var unnormalized = [Float](repeating: 0, count: 18)
    unnormalized[0] = 2
    try expectRefused(vectors, NumPyArray.encode(shape: [6, 3], floats: unnormalized))
    unnormalized[0] = .nan
    try expectRefused(vectors, NumPyArray.encode(shape: [6, 3], floats: unnormalized))
    try expectRefused(ids, Data("[\"a\", \"b\"]".utf8))
    try expectRefused(ids, Data("[\"a\", \"b\", \"c\", \"d\", \"e\", \"a\"]".utf8))
    try expectRefused(ids, Data("{\"a\": 1}".utf8))
    try expectRefused(ids, Data(repeating: 0x20, count: 64 + 6 * (4096 + 8) + 1))
    try expectRefused(header, Data("not json".utf8))
    try expectRefused(header, try headerWith { $0["format"] = "sparsetext-model" })
    try expectRefused(header, try headerWith { $0["format_version"] = 99 })
    try expectRefused(header, try headerWith { $0["normalization"] = "none" })
    try expectRefused(header, try headerWith { $0["model_digest"] = "abc" })
    try expectRefused(header, try headerWith { $0["dimension"] = 0 })
    try expectRefused(header, try headerWith { $0["count"] = -1 })
    try expectRefused(header, try headerWith { $0.removeValue(forKey: "count") })
    // Counts far beyond the files: refused from the sizes, before anything that large is
    // allocated.
    try expectRefused(header, try headerWith { $0["count"] = 1 << 40 })
    try expectRefused(header, try headerWith { $0["count"] = Int.max / 2 })
    try expectRefused(header, Data(repeating: 0x20, count: (1 << 20) + 1))
    // A missing file, a directory in its place, a FIFO.
    try FileManager.default.removeItem(at: ids)
    #expect(throws: ModelFormatError.missingFile(file: ids.path)) {
      try EmbeddingIndex(contentsOf: url)
    }
    try FileManager.default.createDirectory(at: ids, withIntermediateDirectories: false)
    #expect(throws: ModelFormatError.self) { try EmbeddingIndex(contentsOf: url) }
    try FileManager.default.removeItem(at: ids)
    #expect(mkfifo(ids.path, 0o600) == 0)
    #expect(throws: ModelFormatError.self) { try EmbeddingIndex(contentsOf: url) }
    try FileManager.default.removeItem(at: ids)
    try good.1.write(to: ids)
    #expect(try EmbeddingIndex(contentsOf: url).count == 6)
  }

  /// Writing never replaces what is not an index: a file, a model bundle, a directory of other
  /// files; an empty directory is fine.
  @Test func writingReplacesOnlyAnIndex() throws {
    let (index, url) = try Self.writtenIndex()
    defer { try? FileManager.default.removeItem(at: url) }
    let file = Self.temporaryDirectory()
    try Data("keep me".utf8).write(to: file)
    defer { try? FileManager.default.removeItem(at: file) }
    #expect(throws: OutputError.self) { try index.write(to: file) }
    #expect(try Data(contentsOf: file) == Data("keep me".utf8))

    let bundle = Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: bundle) }
    try Self.pipeline().write(to: bundle)
    #expect(throws: OutputError.self) { try index.write(to: bundle) }

    // An index.json of another format in a directory of index file names.
    let foreign = Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: foreign) }
    try FileManager.default.createDirectory(at: foreign, withIntermediateDirectories: false)
    try Data("{\"format\": \"something-else\"}".utf8).write(
      to: foreign.appendingPathComponent("index.json"))
    #expect(throws: OutputError.self) { try index.write(to: foreign) }

    let empty = Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: empty) }
    try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: false)
    try index.write(to: empty)
    #expect(try EmbeddingIndex(contentsOf: empty).ids == index.ids)
  }

  /// NumPy reads `vectors.npy` and `ids.json` as written, and finds the same nearest row.
  @Test func numpyReadsTheIndex() throws {
    guard pythonInteropRuns else { return }
    let vectors = gaussianMatrix(rows: 200, columns: 7, seed: 4)
    let index = try EmbeddingIndex(vectors: vectors, ids: (0..<200).map { "id-\($0)" })
    let url = Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: url) }
    try index.write(to: url)
    let script = """
      import json, sys
      import numpy as np
      v = np.load(sys.argv[1] + "/vectors.npy")
      ids = json.load(open(sys.argv[1] + "/ids.json"))
      scores = v[1:] @ v[0]
      print(json.dumps({"dtype": str(v.dtype), "shape": list(v.shape), "ids": len(ids),
        "norm": float(np.abs(np.linalg.norm(v, axis=1) - 1).max()),
        "nearest": ids[1 + int(np.argmax(scores))], "sum": float(v.astype(np.float64).sum())}))
      """
    let (status, output) = try runPython(script, arguments: [url.path])
    #expect(status == 0, "\(output)")
    let result = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
    #expect(result?["dtype"] as? String == "float32")
    #expect(result?["shape"] as? [Int] == [200, 7])
    #expect(result?["ids"] as? Int == 200)
    #expect((result?["norm"] as? Double ?? 1) < 1e-6)
    let nearest = try index.neighbors(of: ["id-0"], options: .init(k: 1))[0][0]
    #expect(result?["nearest"] as? String == nearest.id)
    let sum = index.vectors.values.reduce(0) { $0 + Double($1) }
    #expect(abs((result?["sum"] as? Double ?? .nan) - sum) < 1e-9)
  }
}

/// Whether the Python interop tests run: when Python with numpy is there, or when
/// SPARSETEXT_REQUIRE_PYTHON=1 (CI) makes its absence a failure, not a skip.
var pythonInteropRuns: Bool {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  process.arguments = ["python3", "-c", "import numpy"]
  process.standardOutput = FileHandle.nullDevice
  process.standardError = FileHandle.nullDevice
  let available =
    (try? process.run()) != nil
    && {
      process.waitUntilExit()
      return process.terminationStatus == 0
    }()
  return available || ProcessInfo.processInfo.environment["SPARSETEXT_REQUIRE_PYTHON"] == "1"
}

/// Runs a Python script; its standard output and error together.
func runPython(_ script: String, arguments: [String] = []) throws -> (
  status: Int32, output: String
) {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  process.arguments = ["python3", "-c", script] + arguments
  let pipe = Pipe()
  process.standardOutput = pipe
  process.standardError = pipe
  try process.run()
  let data = pipe.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
