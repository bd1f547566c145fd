import ArgumentParser
import Foundation
import SparseText

extension SparseRowWriter.ValueType: ExpressibleByArgument {}

/// `vectorize`'s input: one or more corpora read one after another, and/or `--files-from`, a
/// list of files that are one document each (scikit-learn's `input='filename'`). `input`,
/// `read` and `documents()` are those of ``InputOptions``.
struct VectorizeInputOptions: ParsableArguments {
  @Argument(
    help: ArgumentHelp(
      "The corpora: files, DIR/<label>/*.txt folders, or - for standard input, read in order.",
      valueName: "input"))
  var inputs: [String] = []

  @Option(
    help: ArgumentHelp(
      "A file listing documents, one path per line (relative to the current directory): each file is one document (scikit-learn's input='filename'), after INPUT's.",
      valueName: "list"))
  var filesFrom: String?

  @OptionGroup var read: ReadOptions

  func validate() throws {
    if inputs.isEmpty && filesFrom == nil {
      throw ValidationError("give INPUT (one or more), or --files-from LIST")
    }
    if inputs.filter({ $0 == "-" }).count > 1 {
      throw ValidationError("standard input (-) can be read once")
    }
  }

  /// The first input, as messages name it.
  var input: String { inputs.first ?? filesFrom ?? "-" }

  /// Every path read, for the output checks: each INPUT, the `--files-from` list and the files
  /// it lists (when the list is a file: standard input is read once, and its files are checked
  /// when they are read).
  func readPaths() throws -> [OutputPlan.Named] {
    var paths: [OutputPlan.Named] = inputs.map { ("INPUT", $0) }
    paths.append(("--files-from", filesFrom))
    if let filesFrom, filesFrom != "-" {
      paths += try listedFiles().map { ("a file listed in --files-from", $0) }
    }
    return paths
  }

  /// The paths `--files-from` lists.
  func listedFiles() throws -> [String] {
    guard let filesFrom else { return [] }
    try RunPaths.read(filesFrom, as: "--files-from")
    // A file list is read through one bounded descriptor (1 GiB, as a vocabulary): an
    // unreadable one is named with the system's reason.
    let data =
      filesFrom == "-"
      ? FileHandle(fileDescriptor: Console.current.standardInput, closeOnDealloc: false)
        .readDataToEndOfFile()
      : try BoundedFile.contents(of: filesFrom, limit: Vocabulary.fileLimit)
    return String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
      .map(String.init).filter { !$0.isEmpty }
  }

  /// Streams every document: each input's in turn, then each listed file as one document.
  func forEachDocument(_ body: (LabeledDocument) throws -> Void) throws {
    for path in inputs { try read.forEachDocument(path, body) }
    try forEachListedDocument(body)
  }

  /// ``forEachDocument(_:)`` in blocks of about `blockBytes` bytes of text, keeping each
  /// document's first label when `keepsLabels` is set. Each input ends a block.
  func forEachBlock(
    blockBytes: Int, keepsLabels: Bool, _ body: (DocumentBlock) throws -> Void
  ) throws {
    for path in inputs {
      try read.forEachBlock(path, blockBytes: blockBytes, keepsLabels: keepsLabels, body)
    }
    var block = DocumentBlock(keepsLabels: keepsLabels)
    try forEachListedDocument { document in
      block.append(document)
      if block.byteCount >= blockBytes {
        try body(block)
        block = DocumentBlock(keepsLabels: keepsLabels)
      }
    }
    if !block.isEmpty { try body(block) }
  }

  /// Streams each file `--files-from` lists as one document.
  private func forEachListedDocument(_ body: (LabeledDocument) throws -> Void) throws {
    let options = read.options
    let decoder = TextDecoder(encoding: options.encoding, strict: options.strictEncoding)
    let paths = try listedFiles()
    try RunPaths.read(paths, as: "a file listed in --files-from")
    for path in paths {
      let bytes: Data
      do {
        // Each file is one record: bounded like the records of every other input.
        bytes = try BoundedFile.contents(of: path, limit: max(1, options.maximumRecordBytes))
      } catch DataError.unreadableFile(_, let reason) {
        throw DataError.unreadableFile(
          file: path, reason: "it is listed in \(filesFrom ?? "") but cannot be read (\(reason))")
      }
      let text: String
      do {
        text = try decoder.decode([UInt8](bytes))
      } catch DataError.invalidEncoding(_, let line, let offset, let encoding) {
        throw DataError.invalidEncoding(
          file: path, line: line, byteOffset: offset, encoding: encoding)
      }
      try body(LabeledDocument(id: path, text: text))
    }
  }

  /// Reads every document.
  func documents() throws -> [LabeledDocument] {
    var documents: [LabeledDocument] = []
    try forEachDocument { documents.append($0) }
    if documents.isEmpty {
      throw DataError.noDocuments(source: input)
    }
    return documents
  }
}
