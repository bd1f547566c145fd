import ArgumentParser
import Foundation
import SparseText

extension Corpus {
  struct Split: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Split a labelled corpus into train and test JSONL files (stratified, or a fixed split file).",
      discussion: """
        Examples:
          sparsetext corpus split all.csv --train-out train.jsonl --test-out test.jsonl
        Each line is {"id", "text", "label"}; read them back with --format jsonl. --corpus NAME reads \
        a fetched default corpus instead of INPUT. The split is stratified by label \
        (--test-fraction, --seed), or a fixed one with --split FILE (columns id, split, label, \
        sha1_12).
        """)

    @Argument(help: "A labelled corpus (or use --corpus).")
    var input: String?

    @OptionGroup var source: SplitOptions

    @Option(help: "Seed of the stratified split.")
    var seed: UInt64 = SeededGenerator.defaultSeed

    @Option(help: "Where to write the training part.")
    var trainOut: String

    @Option(help: "Where to write the test part.")
    var testOut: String

    @OptionGroup var read: ReadOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
      for (path, option) in [(trainOut, "--train-out"), (testOut, "--test-out")] {
        try OutputNames.require(path, option: option, allowed: ".jsonl") {
          $0 == "jsonl" || $0 == "ndjson"
        }
      }
    }

    func run() throws {
      let outputs = try OutputPlan(
        files: [("--train-out", trainOut), ("--test-out", testOut)],
        inputs: [("INPUT", input)] + (try source.readPaths()))
      defer { outputs.release() }
      let documents = try source.documents(input: input, read: read).documents
      let (train, test) = try source.divide(documents, seed: seed)
      if train.isEmpty || test.isEmpty {
        throw CommandError.usage(
          "the split leaves \(train.count) training and \(test.count) test documents of \(documents.count); "
            + (source.split != nil
              ? "the --split file must give both parts documents of INPUT"
              : "choose a --test-fraction that gives both parts at least one document"))
      }
      // Both parts are written to temporary files first, then put in place together.
      let commit = OutputCommit()
      for (part, path) in [(train, trainOut), (test, testOut)] {
        var text = ""
        for document in part {
          let object: [String: Any] = [
            "id": document.id, "text": document.text, "label": document.label ?? NSNull(),
          ]
          let data = try JSONFormat.data(object: object)
          text += String(decoding: data, as: UTF8.self) + "\n"
        }
        try AtomicFile.write(Data(text.utf8), to: URL(fileURLWithPath: path), in: commit)
      }
      try commit.commit()
      Terminal.note("\(train.count) training and \(test.count) test documents", quiet: global.quiet)
    }
  }
}
