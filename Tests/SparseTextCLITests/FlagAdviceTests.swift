import Foundation
import SparseText
import Testing

@testable import SparseTextCLI

/// Library errors carry the configuration fields they are about; the command line names each
/// field's flag from one table (`FlagAdvice.flag(for:)`), never by matching text.
@Suite struct FlagAdviceTests {
  /// Every flag the table names is an option of some command.
  @Test func everyFlagInTheTableExists() throws {
    var help = ""
    for command in [
      ["vectorize"], ["fit"], ["experiment"], ["score"], ["train-sae"], ["corpus", "fetch"],
      ["corpus", "split"], ["encode"], ["search"],
    ] {
      let result = try CLI.run(command + ["--help"])
      #expect(result.status == 0)
      help += result.stdout
    }
    let flags = ConfigurationField.allCases.compactMap { FlagAdvice.flag(for: $0) }
    #expect(flags.count >= 40)
    for flag in flags {
      #expect([" ", ",", "\n", "/"].contains { help.contains(flag + $0) }, "\(flag)")
    }
  }

  @Test func referencesAreWordedAsFlagsOrAsFields() {
    let advice: Advice =
      "\(set: .encoding, to: "latin-1"), or \(unset: .strictEncoding). Lower \(field: .minDocumentFrequency)."
    #expect(
      advice.description
        == "Set `encoding` to latin-1, or turn off `strictEncoding`. Lower `minDocumentFrequency`.")
    #expect(
      advice.rendered(FlagAdvice())
        == "Pass --encoding latin-1, or drop --strict-encoding. Lower --min-df.")
    // A field no flag sets keeps the library's name.
    let config: Advice = "raise \(field: .maxIterations)"
    #expect(config.rendered(FlagAdvice()) == "raise `maxIterations`")
    // Text and references compare as values: interpolated text joins the literal around it.
    let joined: Advice = "a \("b") c"
    #expect(joined == Advice(stringLiteral: "a b c"))
  }

  @Test func errorsNameFlagsOnTheCommandLineAndFieldsInTheLibrary() {
    let encoding = DataError.invalidEncoding(
      file: "f.txt", line: 2, byteOffset: 7, encoding: "UTF-8")
    #expect(encoding.description.contains("Set `encoding` to windows-1252 or latin-1"))
    #expect(encoding.description.contains("or turn off `strictEncoding`"))
    let words = FlagAdvice.message(for: encoding)
    #expect(words.contains("Pass --encoding windows-1252 or latin-1 for legacy files"))
    #expect(words.contains("or drop --strict-encoding to replace"))
    let range = ConfigurationError.outOfRange(
      field: .hiddenUnits, value: "0", allowed: "1 or more")
    #expect(range.description == "hiddenUnits is 0, but it must be 1 or more.")
    #expect(FlagAdvice.message(for: range) == "--hidden is 0, but it must be 1 or more.")
    let labels = DataError.missingLabels(unlabeled: 1, total: 3)
    #expect(labels.description.hasSuffix("or fit without a classifier."))
    #expect(
      FlagAdvice.message(for: labels).hasSuffix("or pass --no-classifier to fit without labels."))
    let fetch = DataError.corpusNotFetched(name: "bbc")
    #expect(fetch.description == "bbc is not fetched. Fetch it first.")
    #expect(
      FlagAdvice.message(for: fetch)
        == "bbc is not fetched. Run `sparsetext corpus fetch bbc` first.")
    let missing = ModelFormatError.missingFile(file: "m/config.json")
    #expect(FlagAdvice.message(for: missing).hasSuffix("Re-create it with `sparsetext fit`."))
    #expect(!missing.description.contains("sparsetext"))
  }

  @Test func commandsPrintFlags() throws {
    let dir = try CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let corpus = dir.appendingPathComponent("c.txt")
    let lines = (0..<20).map { $0 % 2 == 0 ? "__label__a goal match" : "__label__b bank rates" }
    try lines.joined(separator: "\n").write(to: corpus, atomically: true, encoding: .utf8)
    let hidden = try CLI.run(["fit", corpus.path, "-o", dir.path + "/m", "--hidden", "0", "-q"])
    #expect(hidden.status == 2)
    #expect(hidden.stderr == "error: --hidden is 0, but it must be 1 or more.\n")
    let pattern = try CLI.run([
      "vectorize", corpus.path, "-o", dir.path + "/x.npz", "--token-pattern", "\\w+",
    ])
    #expect(pattern.status == 2)
    #expect(
      pattern.stderr
        == "error: --token-pattern applies to the sklearn preset only. Pass --preset sklearn, or drop --token-pattern.\n"
    )
    let cv = try CLI.run(["experiment", corpus.path, "--cv", "1", "--no-autoencoder", "-q"])
    #expect(cv.status == 2)
    #expect(cv.stderr.hasPrefix("error: --cv is 1, but it must be from 2 to"), "\(cv.stderr)")
    let output = try CLI.run(["vectorize", corpus.path, "-o", dir.path + "/x.txt"])
    #expect(output.status == 2 && output.stderr.contains("x.txt"))
  }
}
