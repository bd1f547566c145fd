import ArgumentParser
import Foundation
import Testing

@testable import SparseTextCLI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Every command's `--help` as users read it: the argument parser wraps the prose (the source
/// holds no line breaks inside a paragraph), each example is one line that fits 80 columns, so
/// it is never wrapped, and every example parses as the command line it shows.
@Suite struct HelpExamplesTests {
  /// Every command and subcommand, with its words on the command line (`["corpus", "split"]`).
  static func commands(
    _ command: any ParsableCommand.Type = SparseTextCommand.self, words: [String] = []
  ) -> [(type: any ParsableCommand.Type, words: [String])] {
    var all = [(command, words)]
    for sub in command.configuration.subcommands {
      all += commands(sub, words: words + [sub._commandName])
    }
    return all
  }

  /// The overview and discussion of `command`'s help at `columns` (everything before USAGE),
  /// as lines.
  static func overview(_ command: any ParsableCommand.Type, columns: Int) -> [String] {
    let help =
      command == SparseTextCommand.self
      ? SparseTextCommand.helpMessage(columns: columns)
      : SparseTextCommand.helpMessage(for: command, columns: columns)
    let text = help.components(separatedBy: "\nUSAGE:").first ?? help
    return text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
  }

  /// Whether `line` of a help overview is an example command line.
  static func isExample(_ line: String) -> Bool {
    line.hasPrefix("  ") && line.contains("sparsetext ")
  }

  /// The arguments `sparsetext` gets from an example line, as a POSIX shell splits it: the
  /// `sparsetext` stage of a pipeline, quotes removed, redirections dropped.
  static func arguments(of example: String) throws -> [String] {
    var words: [String] = []
    var stages: [[String]] = []
    var word = ""
    var inWord = false
    var quote: Character?
    for character in example {
      if let open = quote {
        if character == open { quote = nil } else { word.append(character) }
        continue
      }
      switch character {
      case "'", "\"":
        quote = character
        inWord = true
      case " ":
        if inWord { words.append(word) }
        word = ""
        inWord = false
      case "|":
        if inWord { words.append(word) }
        word = ""
        inWord = false
        stages.append(words)
        words = []
      case "#", ";", "&", "(", ")", "\\", "`", "$":
        // Nothing a pasted example should need: comments (zsh takes `#` literally), command
        // separators, subshells, line continuations, substitutions.
        Issue.record("\(example): '\(character)' does not belong in an example")
        return []
      default:
        word.append(character)
        inWord = true
      }
    }
    #expect(quote == nil, "\(example): unbalanced quote")
    if inWord { words.append(word) }
    stages.append(words)
    let stage = try #require(stages.first { $0.first == "sparsetext" }, "\(example)")
    var arguments: [String] = []
    var index = 1
    while index < stage.count {
      if [">", "<", ">>", "2>"].contains(stage[index]) {
        index += 2
        continue
      }
      arguments.append(stage[index])
      index += 1
    }
    return arguments
  }

  @Test func everyExampleFitsOneLineAndParses() throws {
    var examples = 0
    for (command, words) in Self.commands() {
      let wide = Self.overview(command, columns: 10_000)
      let narrow = Set(Self.overview(command, columns: 80))
      let shown = wide.filter(Self.isExample)
      // Every command that runs shows how to run it.
      if command.configuration.subcommands.isEmpty {
        #expect(!shown.isEmpty, "sparsetext \(words.joined(separator: " ")) has no example")
      }
      for example in shown {
        // Printed whole at 80 columns: never wrapped into two lines that paste as two commands.
        #expect(narrow.contains(example), "wrapped at 80 columns: \(example)")
        let arguments = try Self.arguments(of: example)
        let console = Console(
          standardOutput: .init { _ in }, standardError: .init { _ in },
          standardInput: open("/dev/null", O_RDONLY))
        defer { close(console.standardInput) }
        Console.$current.withValue(console) {
          do {
            _ = try SparseTextCommand.parseAsRoot(arguments)
          } catch {
            Issue.record(
              "sparsetext \(words.joined(separator: " ")) --help: '\(example)' does not parse: \(SparseTextCommand.message(for: error))"
            )
          }
        }
        examples += 1
      }
    }
    #expect(examples >= 40, "\(examples) examples")
  }

  /// The prose is wrapped by the argument parser, not in the source: at any width, a line of
  /// prose starts a paragraph (a capital letter, a digit or an option), never the middle of a
  /// sentence, so `fit --help` at 80 columns no longer breaks "predict," from "evaluate,".
  @Test func proseIsNotHardWrapped() throws {
    for (command, words) in Self.commands() {
      for line in Self.overview(command, columns: 10_000)
      where !line.isEmpty && !Self.isExample(line) {
        let first = try #require(line.first)
        #expect(
          first.isUppercase || first.isNumber || line.hasPrefix("--"),
          "sparsetext \(words.joined(separator: " ")) --help: '\(line.prefix(60))…' continues a sentence of the line before"
        )
      }
    }
  }

  /// `fit --help` at 80 columns, where the issue saw its list broken.
  @Test func fitHelpKeepsItsListTogether() throws {
    let help = SparseTextCommand.helpMessage(for: Fit.self, columns: 80)
    #expect(!help.contains("predict,\nevaluate,"))
    #expect(help.contains("\n  sparsetext fit reviews.jsonl -o model/\n"))
    #expect(
      help.replacingOccurrences(of: "\n", with: " ").contains(
        "predict, evaluate, encode, score, inspect, export-embeddings and vectorize --model read"))
  }
}
