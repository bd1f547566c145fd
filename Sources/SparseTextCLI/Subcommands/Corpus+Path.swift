import ArgumentParser
import Foundation
import SparseText

extension Corpus {
  struct Path: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Print where a fetched corpus is, to pass to other commands.",
      discussion: """
        Example:
          sparsetext corpus path bbc
        """)

    @Argument(help: "bbc or twitter.")
    var name: String

    func run() throws {
      let entry = try CorpusCatalog.entry(named: name)
      guard CorpusCatalog.isFetched(entry, in: Corpus.cache) else {
        throw DataError.corpusNotFetched(name: entry.name)
      }
      try Console.current.print(CorpusCatalog.location(of: entry, in: Corpus.cache).path)
    }
  }
}
