import Foundation
import SparseText

/// What a report says about the data it was measured on: where the documents came from, how
/// many of each class, a digest of their text, and the sizes of the training and test parts.
package struct ReportData: Sendable, Equatable, Codable {
  /// The corpus or files read (`train.jsonl + test.jsonl`, a corpus name, a path).
  package var source: String
  /// Documents read.
  package var documents: Int
  /// Documents per label (unlabelled ones under the empty label).
  package var countsPerClass: [String: Int]
  /// SHA-256 of the documents' texts in order, each followed by a NUL byte.
  package var sha256: String
  /// Training documents of each part (one part, or one per fold).
  package var train: [Int]
  /// Test documents of each part.
  package var test: [Int]

  /// The description of `documents`, read from `source` and divided into `parts`.
  package init(
    source: String, documents: [LabeledDocument],
    parts: [(train: [LabeledDocument], test: [LabeledDocument])]
  ) {
    self.source = source
    self.documents = documents.count
    var counts: [String: Int] = [:]
    for document in documents { counts[document.label ?? "", default: 0] += 1 }
    countsPerClass = counts
    var text: [UInt8] = []
    for document in documents {
      text.append(contentsOf: document.text.utf8)
      text.append(0)
    }
    sha256 = Digest.sha256Hex(text)
    train = parts.map(\.train.count)
    test = parts.map(\.test.count)
  }

  enum CodingKeys: String, CodingKey {
    case source, documents, sha256, train, test
    case countsPerClass = "counts_per_class"
  }
}
