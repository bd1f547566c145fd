import Foundation

extension SparseMatrix {
  /// The matrix in libsvm/svmlight text form, one row a line: `label index:value …`, with
  /// zero-based indices as scikit-learn's `dump_svmlight_file` writes by default (`zero_based`).
  /// Rows without a label start with `0`.
  package func svmlightText(labels: [String]? = nil, zeroBased: Bool = true) -> String {
    var out = ""
    out.reserveCapacity(nonzeroCount * 12)
    for r in 0..<rows {
      out += labels.map { $0[r].replacingOccurrences(of: " ", with: "_") } ?? "0"
      for p in storageRange(ofRow: r) {
        out += " \(Int(columnIndices[p]) + (zeroBased ? 0 : 1)):\(values[p])"
      }
      out += "\n"
    }
    return out
  }
}
