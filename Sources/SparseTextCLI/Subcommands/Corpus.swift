import ArgumentParser
import Foundation
import SparseText

struct Corpus: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Fetch, locate and describe corpora.",
    subcommands: [Fetch.self, List.self, Path.self, Stats.self, Split.self])

  /// Where fetched corpora live, as the run's environment places them (`XDG_CACHE_HOME`,
  /// `HOME`).
  static var cache: URL { CorpusCatalog.cacheDirectory(environment: Console.current.environment) }
}
