import ArgumentParser
import SparseText

@main
struct SparseTextCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sparsetext",
    abstract: "Turn raw text into features: tokens, TF-IDF, sparse codes, predictions.",
    version: SparseTextVersion.library,
    subcommands: []
  )
}
