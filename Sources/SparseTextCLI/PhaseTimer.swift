import Foundation

/// Wall-clock time per phase of a command, printed to standard error when the environment sets
/// `SPARSETEXT_TIMING=1` (for profiling: where a run's time goes, phase by phase).
struct PhaseTimer {
  private let enabled = Console.current.environment["SPARSETEXT_TIMING"] == "1"
  private var last = Date()
  private var phases: [(String, Double)] = []

  /// Ends the current phase, naming it.
  mutating func lap(_ name: String) {
    guard enabled else { return }
    let now = Date()
    phases.append((name, now.timeIntervalSince(last)))
    last = now
  }

  /// Prints the phases and their total.
  func report() {
    guard enabled else { return }
    let total = phases.reduce(0) { $0 + $1.1 }
    let lines = (phases + [("total", total)]).map { name, seconds in
      "timing: " + name.padding(toLength: 12, withPad: " ", startingAt: 0)
        + String(format: "%7.3f s\n", seconds)
    }
    Console.current.writeError(lines.joined())
  }
}
