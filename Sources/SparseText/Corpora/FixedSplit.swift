import Foundation

/// A fixed train/test assignment (`id, split, label, sha1_12` TSV), with a check that every
/// document was decoded exactly as when the split was made.
package struct FixedSplit: Sendable {
  /// One row of the split file.
  package struct Assignment: Sendable, Equatable {
    /// The document id.
    package let id: String
    /// `train` or `test`.
    package let split: String
    /// The label.
    package let label: String
    /// The first 12 hex digits of SHA-1 over the UTF-8 of the decoded text.
    package let sha1Prefix: String
  }

  /// The assignments in file order.
  package let assignments: [Assignment]

  /// Reads a split file.
  package init(contentsOf url: URL) throws {
    let text: String
    do {
      text = try String(contentsOf: url, encoding: .utf8)
    } catch {
      throw DataError.unreadableFile(file: url.path, reason: error.localizedDescription)
    }
    var rows: [Assignment] = []
    for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
    where !line.isEmpty && number > 0 {
      let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
      guard fields.count == 4 else {
        throw DataError.malformedRecord(
          file: url.path, line: number + 1, column: nil, byteOffset: 0,
          reason: "expected 4 tab-separated fields (id, split, label, sha1_12)")
      }
      rows.append(
        Assignment(
          id: String(fields[0]), split: String(fields[1]), label: String(fields[2]),
          sha1Prefix: String(fields[3])))
    }
    assignments = rows
  }

  /// Splits `documents` into train and test as assigned, checking that every assigned id is
  /// present with the same label and text hash.
  package func apply(to documents: [LabeledDocument], file: String = "split") throws -> (
    train: [LabeledDocument], test: [LabeledDocument]
  ) {
    var byID: [String: LabeledDocument] = [:]
    for document in documents { byID[document.id] = document }
    var train: [LabeledDocument] = []
    var test: [LabeledDocument] = []
    for row in assignments {
      guard var document = byID[row.id] else {
        throw DataError.splitMismatch(document: row.id, reason: "is not in the corpus")
      }
      let hash = String(Digest.sha1Hex(Array(document.text.utf8)).prefix(12))
      guard hash == row.sha1Prefix else {
        throw DataError.splitMismatch(
          document: row.id,
          reason:
            "decodes differently than when the split was made (SHA-1 \(hash), expected \(row.sha1Prefix))"
        )
      }
      document.labels = [row.label]
      if row.split == "test" { test.append(document) } else { train.append(document) }
    }
    return (train, test)
  }
}
