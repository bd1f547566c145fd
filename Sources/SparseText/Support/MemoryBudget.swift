import Foundation

/// How much memory one run may plan to use: the machine's physical memory, or the control
/// group's limit when that is lower. Sizes read from files are checked against it before
/// anything that large is allocated, so a hostile or mistaken size gives an error, not an abort.
package enum MemoryBudget {
  /// The budget in bytes.
  package static let bytes: Int = {
    var budget = Int(clamping: ProcessInfo.processInfo.physicalMemory)
    for file in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
      if let text = try? String(contentsOfFile: file, encoding: .utf8),
        let limit = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), limit > 0
      {
        budget = min(budget, limit)
      }
    }
    return budget
  }()

  /// `bytes` as a short human-readable size ("77.3 GB").
  package static func describe(_ bytes: Double) -> String {
    let units = ["bytes", "KB", "MB", "GB", "TB", "PB", "EB"]
    var value = bytes
    var unit = 0
    while value >= 1000 && unit < units.count - 1 {
      value /= 1000
      unit += 1
    }
    return unit == 0 ? "\(Int(value)) bytes" : String(format: "%.1f %@", value, units[unit])
  }

  /// Throws ``DataError/exceedsMemory(what:bytes:available:suggestion:)`` when `bytes` (what `what` needs)
  /// exceed the budget.
  package static func check(_ bytes: Double, for what: String, suggestion: String) throws {
    guard bytes.isFinite, bytes <= Double(Self.bytes) else {
      throw DataError.exceedsMemory(
        what: what, bytes: bytes, available: Self.bytes, suggestion: suggestion)
    }
  }
}
