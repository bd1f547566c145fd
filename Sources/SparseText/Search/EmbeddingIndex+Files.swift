import Foundation

/// The index directory: `index.json` (format, version, dimension, count, normalization, the
/// model's digest and, when known, where its bundle lies), `ids.json` (the ids as a JSON array
/// in row order) and `vectors.npy` (the normalized rows, float32, `count × dimension`, C order:
/// `numpy.load` reads it). Written
/// atomically; read defensively: a truncated, oversized or hostile file gives a
/// ``ModelFormatError``, never a crash or an allocation larger than the files.
extension EmbeddingIndex {
  /// The index format's name.
  package static let formatName = "sparsetext-index"
  /// The index format version this build writes.
  package static let formatVersion = 1
  /// The index format versions this build reads.
  package static let readableFormatVersions = 1...1
  /// The files of an index directory: ``write(to:)`` replaces a directory holding only these.
  package static let directoryEntries: Set<String> = ["index.json", "ids.json", "vectors.npy"]
  /// The largest `index.json` read.
  static let headerLimit = 1 << 20
  /// The largest id read, in bytes of JSON; `ids.json` may be this much per row, and no more.
  static let idLimit = 4096

  /// What `index.json` holds.
  struct Header: Codable {
    var format: String
    var formatVersion: Int
    var libraryVersion: String
    var dimension: Int
    var count: Int
    var normalization: String
    var modelDigest: String?
    /// The model bundle's absolute path (symbolic links resolved).
    var modelBundlePath: String?
    /// The model bundle's path relative to the index directory.
    var modelBundleRelativePath: String?

    enum CodingKeys: String, CodingKey {
      case format, dimension, count, normalization
      case formatVersion = "format_version"
      case libraryVersion = "library_version"
      case modelDigest = "model_digest"
      case modelBundlePath = "model_bundle_path"
      case modelBundleRelativePath = "model_bundle_relative_path"
    }
  }

  /// Rows are L2-normalized (or zero); the only normalization this version writes.
  static let normalization = "l2"

  /// Writes the index to the directory `url`, atomically: at every instant `url` holds the
  /// complete old index or the complete new one. An ordinary file, or a directory that is not
  /// an index (other than an empty one), is never replaced: that throws ``OutputError``.
  public func write(to url: URL) throws {
    try Self.checkReplaceable(url)
    let header = Header(
      format: Self.formatName, formatVersion: Self.formatVersion,
      libraryVersion: SparseTextVersion.library, dimension: dimension, count: count,
      normalization: Self.normalization, modelDigest: modelDigest,
      modelBundlePath: modelBundle.map { OutputLocation.resolved($0) },
      modelBundleRelativePath: modelBundle.map {
        Self.relativePath(from: OutputLocation.resolved(url), to: OutputLocation.resolved($0))
      })
    let headerData = try JSONFormat.data(header)
    var idBytes: [UInt8] = Array("[".utf8)
    for (i, id) in ids.enumerated() {
      idBytes += Array((i == 0 ? "\n  " : ",\n  ").utf8)
      JSONString.append(id, to: &idBytes)
    }
    idBytes += Array((ids.isEmpty ? "]\n" : "\n]\n").utf8)
    try AtomicFile.writeDirectory(
      at: url, formats: [Self.formatName], entries: Self.directoryEntries
    ) { folder in
      try headerData.write(to: folder.appendingPathComponent("index.json"))
      try Data(idBytes).write(to: folder.appendingPathComponent("ids.json"))
      try NumPyArray.encode(shape: [count, dimension], floats: vectors.values)
        .write(to: folder.appendingPathComponent("vectors.npy"))
    }
  }

  /// Loads an index directory, checking every part.
  ///
  /// - Parameters:
  ///   - url: the directory ``write(to:)`` wrote.
  ///   - pipeline: the pipeline for text queries; it must be the one the index was built with
  ///     (the same ``TextFeaturePipeline/embeddingDigest``). `nil` to search with vectors only.
  ///   - configuration: how the loaded index is scanned.
  /// - Throws: ``ModelFormatError`` for a missing, damaged or inconsistent file,
  ///   ``EmbeddingIndexError/modelMismatch(indexDigest:modelDigest:)`` for a pipeline of
  ///   another model, ``ConfigurationError`` for invalid settings.
  public init(
    contentsOf url: URL, pipeline: TextFeaturePipeline? = nil,
    configuration: Configuration = .init()
  ) throws {
    try configuration.validate()
    let headerURL = url.appendingPathComponent("index.json")
    let idsURL = url.appendingPathComponent("ids.json")
    let vectorsURL = url.appendingPathComponent("vectors.npy")
    let header = try Self.readHeader(headerURL)
    let byteCount = header.count.multipliedReportingOverflow(by: header.dimension)
    guard !byteCount.overflow, !byteCount.partialValue.multipliedReportingOverflow(by: 4).overflow
    else {
      throw ModelFormatError.corrupt(
        file: headerURL.path,
        reason: "\(header.count) rows of \(header.dimension) values cannot be stored")
    }
    // The vectors first: their file's size bounds the row count, so a hostile count in
    // index.json cannot make the ids' reader allocate more than the files hold.
    let vectors = try Self.readVectors(vectorsURL, header: header)
    let ids = try Self.readIDs(idsURL, count: header.count)
    do {
      var index = try EmbeddingIndex(
        unitRows: vectors, ids: ids, modelDigest: header.modelDigest, pipeline: nil,
        configuration: configuration)
      index.modelBundle = Self.recordedModelBundles(header, index: url).first
      self = try pipeline.map { try index.using($0) } ?? index
    } catch let error as EmbeddingIndexError {
      if case .duplicateID(let id, let first, let second) = error {
        throw ModelFormatError.corrupt(
          file: idsURL.path, reason: "the id '\(id)' is given to rows \(first) and \(second)")
      }
      throw error
    }
  }

  /// Loads an index directory with the model bundle its text queries go through: `modelBundle`,
  /// or the one the index records (``modelBundle``; its path relative to the index first, so
  /// that an index and model moved together still find each other, then its absolute path).
  ///
  /// ```swift
  /// let index = try EmbeddingIndex(contentsOf: indexURL, modelBundle: nil)
  /// let hits = try index.search("a late goal in the cup final")
  /// ```
  ///
  /// - Parameters:
  ///   - url: the directory ``write(to:)`` wrote.
  ///   - modelBundle: the bundle to embed queries with; `nil` for the one the index records.
  ///   - configuration: how the loaded index is scanned.
  /// - Throws: what ``init(contentsOf:pipeline:configuration:)`` and
  ///   ``TextFeaturePipeline/init(contentsOf:)`` throw;
  ///   ``EmbeddingIndexError/noModelBundle(index:)`` when none is given or recorded,
  ///   ``EmbeddingIndexError/modelBundleMissing(index:path:)`` when the recorded one is gone,
  ///   ``EmbeddingIndexError/modelMismatch(indexDigest:modelDigest:)`` for a bundle of
  ///   another model.
  public init(contentsOf url: URL, modelBundle: URL?, configuration: Configuration = .init())
    throws
  {
    var index = try EmbeddingIndex(contentsOf: url, configuration: configuration)
    if let modelBundle {
      index = try index.using(TextFeaturePipeline(contentsOf: modelBundle))
      index.modelBundle = modelBundle
      self = index
      return
    }
    let header = try Self.readHeader(url.appendingPathComponent("index.json"))
    let recorded = Self.recordedModelBundles(header, index: url)
    guard let first = recorded.first else {
      throw EmbeddingIndexError.noModelBundle(index: url.path)
    }
    let present = recorded.filter {
      OutputLocation.exists($0.appendingPathComponent("config.json"))
    }
    guard !present.isEmpty else {
      throw EmbeddingIndexError.modelBundleMissing(
        index: url.path, path: header.modelBundlePath ?? first.path)
    }
    // The first bundle of the index's model; a bundle of another model is an error only when
    // no recorded place holds the right one.
    var firstError: (any Error)?
    for candidate in present {
      do {
        index = try index.using(TextFeaturePipeline(contentsOf: candidate))
        index.modelBundle = candidate
        self = index
        return
      } catch {
        firstError = firstError ?? error
      }
    }
    throw firstError!
  }

  /// The places `header` records for the model bundle, relative one first (resolved against
  /// the index directory `index`), without repeats.
  static func recordedModelBundles(_ header: Header, index: URL) -> [URL] {
    var places: [URL] = []
    if let relative = header.modelBundleRelativePath {
      places.append(
        URL(fileURLWithPath: OutputLocation.resolved(index.appendingPathComponent(relative))))
    }
    if let absolute = header.modelBundlePath {
      let url = URL(fileURLWithPath: absolute)
      if !places.contains(where: { $0.standardizedFileURL == url.standardizedFileURL }) {
        places.append(url)
      }
    }
    return places
  }

  /// The path of `target` relative to the directory `base` (both absolute).
  static func relativePath(from base: String, to target: String) -> String {
    let from = base.split(separator: "/")
    let to = target.split(separator: "/")
    var common = 0
    while common < from.count, common < to.count, from[common] == to[common] { common += 1 }
    let parts =
      Array(repeating: "..", count: from.count - common) + to[common...].map(String.init)
    return parts.isEmpty ? "." : parts.joined(separator: "/")
  }

  /// Refuses to replace what is at `url` unless it is nothing, an empty directory or an index
  /// directory (its `index.json` names this format).
  static func checkReplaceable(_ url: URL) throws {
    try OutputLocation.checkDirectory(url, formats: [formatName], entries: directoryEntries)
    let headerURL = url.appendingPathComponent("index.json")
    guard OutputLocation.exists(headerURL) else { return }
    let format =
      (try? Data(contentsOf: headerURL)).flatMap {
        (try? JSONSerialization.jsonObject(with: $0)) as? [String: Any]
      }?["format"] as? String
    guard format == formatName else {
      throw OutputError.refused(
        file: url.path, reason: "its index.json is not that of a \(formatName) directory",
        suggestion: "Choose another path; sparsetext replaces only its own index directories.")
    }
  }

  /// Reads a file of at most `limit` bytes that must be an ordinary file.
  static func readLimitedFile(_ url: URL, limit: Int) throws -> Data {
    try TextFeaturePipeline.checkBundleFile(url)
    let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int
    guard let size else { throw ModelFormatError.missingFile(file: url.path) }
    guard size <= limit else {
      throw ModelFormatError.oversized(file: url.path, limit: limit, actual: size)
    }
    do {
      return try Data(contentsOf: url)
    } catch {
      throw ModelFormatError.corrupt(
        file: url.path, reason: "it cannot be read (\(error.localizedDescription))")
    }
  }

  static func readHeader(_ url: URL) throws -> Header {
    let data = try readLimitedFile(url, limit: headerLimit)
    let header: Header
    do {
      let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
      guard let format = object?["format"] as? String else {
        throw ModelFormatError.corrupt(file: url.path, reason: "it has no 'format'")
      }
      guard format == formatName else {
        throw ModelFormatError.corrupt(
          file: url.path, reason: "format is '\(format)', not '\(formatName)'")
      }
      if let version = object?["format_version"] as? Int,
        !readableFormatVersions.contains(version)
      {
        throw ModelFormatError.unsupportedVersion(
          file: url.path, found: "\(version)",
          supported:
            "\(readableFormatVersions.lowerBound) to \(readableFormatVersions.upperBound)")
      }
      header = try JSONFormat.decoder().decode(Header.self, from: data)
    } catch let error as ModelFormatError {
      throw error
    } catch {
      throw ModelFormatError.corrupt(file: url.path, reason: TextFeaturePipeline.describe(error))
    }
    guard header.dimension >= 1, header.count >= 0 else {
      throw ModelFormatError.corrupt(
        file: url.path,
        reason:
          "dimension \(header.dimension) and count \(header.count): the dimension must be 1 or more, the count not negative"
      )
    }
    guard header.normalization == normalization else {
      throw ModelFormatError.corrupt(
        file: url.path,
        reason: "normalization is '\(header.normalization)'; this build reads '\(normalization)'")
    }
    for path in [header.modelBundlePath, header.modelBundleRelativePath].compactMap({ $0 }) {
      guard !path.isEmpty, path.utf8.count <= 4096, !path.utf8.contains(0) else {
        throw ModelFormatError.corrupt(
          file: url.path, reason: "a model bundle path is empty, too long or holds a NUL byte")
      }
    }
    if let digest = header.modelDigest {
      let hex = Set("0123456789abcdef".utf8)
      guard digest.utf8.count == 64, digest.utf8.allSatisfy(hex.contains) else {
        throw ModelFormatError.corrupt(
          file: url.path, reason: "model_digest is not 64 lowercase hex digits")
      }
    }
    return header
  }

  /// The rows of `vectors.npy`: float32, `count × dimension`, finite, each of norm 1 or 0.
  static func readVectors(_ url: URL, header: Header) throws -> DenseMatrix {
    try TextFeaturePipeline.checkBundleFile(url)
    let array = try NumPyArray.decode(try NumPyArray.readFile(url), file: url.path)
    guard array.elementType == .float32 else {
      throw ModelFormatError.corrupt(
        file: url.path, reason: "it holds \(array.elementType.rawValue), not float32 (<f4)")
    }
    guard array.shape == [header.count, header.dimension] else {
      throw ModelFormatError.inconsistent(
        file: url.path,
        reason:
          "its shape is \(array.shape), but index.json says [\(header.count), \(header.dimension)]"
      )
    }
    let values = array.floats()
    let d = header.dimension
    if let (row, norm) = firstRowNotOfUnitNorm(values, rows: header.count, columns: d) {
      throw ModelFormatError.corrupt(
        file: url.path,
        reason:
          "row \(row) has norm \(norm); an index holds finite, L2-normalized rows (norm 1, or 0)")
    }
    return DenseMatrix(uncheckedRows: header.count, columns: d, values: values)
  }

  /// The ids of `ids.json`: a JSON array of `count` strings.
  static func readIDs(_ url: URL, count: Int) throws -> [String] {
    let perRow = count.multipliedReportingOverflow(by: idLimit + 8)
    let limit = perRow.overflow ? Int.max / 2 : min(Int.max / 2, 64 + perRow.partialValue)
    let data = try readLimitedFile(url, limit: limit)
    let ids: [String]
    do {
      ids = try JSONFormat.decoder().decode([String].self, from: data)
    } catch {
      throw ModelFormatError.corrupt(file: url.path, reason: TextFeaturePipeline.describe(error))
    }
    guard ids.count == count else {
      throw ModelFormatError.inconsistent(
        file: url.path, reason: "it holds \(ids.count) ids, but index.json says \(count) rows")
    }
    return ids
  }
}
