import ArgumentParser
import Foundation
import SparseText

struct Corpus: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Fetch, locate and describe corpora.",
    subcommands: [Fetch.self, List.self, Path.self, Stats.self, Split.self])
}
