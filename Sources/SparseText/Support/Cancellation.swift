import Dispatch
import Foundation

/// Asked between batches, epochs, solver iterations and stages of long work: `true` stops the
/// work, which then throws `CancellationError`. The async API passes one that reads the calling
/// task's cancellation; synchronous callers pass none.
package typealias CancellationCheck = @Sendable () -> Bool

/// Throws `CancellationError` when `isCancelled` says so.
package func checkCancellation(_ isCancelled: CancellationCheck?) throws {
  if isCancelled?() == true { throw CancellationError() }
}

/// A flag set once, from any thread, when a task is cancelled.
package final class CancellationFlag: @unchecked Sendable {
  private let lock = NSLock()
  private var cancelled = false

  package init() {}

  /// Whether ``cancel()`` was called.
  package var isCancelled: Bool { lock.withLock { cancelled } }

  /// Marks the work cancelled.
  package func cancel() { lock.withLock { cancelled = true } }

  /// A check that reads this flag.
  package var check: CancellationCheck { { [self] in isCancelled } }
}

/// Runs CPU-bound `work` on a Dispatch queue of its own, not on the Swift concurrency pool (a
/// long fit would otherwise hold one of its few threads) and not on a global queue (whose few
/// threads the library's parallel loops keep busy), and returns its result. Cancelling the
/// calling task sets the flag `work` receives, which it checks between steps.
package func runOffThePool<T: Sendable>(
  _ work: @escaping @Sendable (_ isCancelled: @escaping CancellationCheck) throws -> T
) async throws -> T {
  let flag = CancellationFlag()
  return try await withTaskCancellationHandler {
    try await withCheckedThrowingContinuation { continuation in
      DispatchQueue(label: "SparseText.background", qos: .userInitiated).async {
        continuation.resume(with: Result { try work(flag.check) })
      }
    }
  } onCancel: {
    flag.cancel()
  }
}
