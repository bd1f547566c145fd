import ArgumentParser
import Foundation
import SparseText

extension Corpus {
  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "List the default corpora.",
      discussion: """
        With --json, the catalog as corpora/manifest.json holds it.

        Example:
          sparsetext corpus list --json
        """)

    @OptionGroup var global: GlobalOptions

    func run() throws {
      if global.json {
        try Console.current.print(
          String(decoding: try JSONFormat.data(CorpusCatalog.manifest), as: UTF8.self))
        return
      }
      for entry in CorpusCatalog.entries {
        let fetched = CorpusCatalog.isFetched(entry, in: Corpus.cache)
        try Console.current.print(
          "\(entry.name)  \(entry.requirement)  \(entry.documents) documents, classes: \(entry.classes.joined(separator: ", "))"
        )
        try Console.current.print("    license: \(entry.license)")
        try Console.current.print("    cite: \(entry.citation)")
        try Console.current.print(
          "    \(fetched ? "fetched: " + CorpusCatalog.location(of: entry, in: Corpus.cache).path : "not fetched (sparsetext corpus fetch \(entry.name))")"
        )
      }
    }
  }
}
