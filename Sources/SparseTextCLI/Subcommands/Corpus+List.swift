import ArgumentParser
import Foundation
import SparseText

extension Corpus {
  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the default corpora.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
      if global.json {
        let encoder = JSONFormat.encoder()
        print(String(decoding: try encoder.encode(CorpusCatalog.entries), as: UTF8.self))
        return
      }
      for entry in CorpusCatalog.entries {
        let fetched = CorpusCatalog.isFetched(entry)
        print(
          "\(entry.name)  \(entry.requirement)  \(entry.documents) documents, classes: \(entry.classes.joined(separator: ", "))"
        )
        print("    license: \(entry.license)")
        print("    cite: \(entry.citation)")
        print(
          "    \(fetched ? "fetched: " + CorpusCatalog.location(of: entry).path : "not fetched (sparsetext corpus fetch \(entry.name))")"
        )
      }
    }
  }
}
