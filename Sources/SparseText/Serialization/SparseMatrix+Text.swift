import Foundation

extension SparseMatrix {
  /// The matrix in libsvm/svmlight text form, one row a line: `label index:value …`, with
  /// zero-based indices as scikit-learn's `dump_svmlight_file` writes by default (`zero_based`).
  /// Rows without a label start with `0`. `value` gives stored entry `p`'s text (by default its
  /// Float value's).
  package func svmlightText(
    labels: [String]? = nil, zeroBased: Bool = true, value: ((Int) -> String)? = nil
  ) -> String {
    var out = ""
    out.reserveCapacity(nonzeroCount * 12)
    for r in 0..<rows {
      out += labels.map { $0[r].replacingOccurrences(of: " ", with: "_") } ?? "0"
      for p in storageRange(ofRow: r) {
        let text = value?(p) ?? "\(values[p])"
        out += " \(Int(columnIndices[p]) + (zeroBased ? 0 : 1)):\(text)"
      }
      out += "\n"
    }
    return out
  }
}
