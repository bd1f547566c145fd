import CKernels
import Dispatch
import Foundation

/// The calling thread's denormal handling, which ``Parallel`` hands on to its workers.
enum FloatingPointMode {
  /// Whether denormals are flushed to zero on this thread.
  static var flushesDenormals: Bool {
    let saved = sparsetext_flush_denormals_begin()
    sparsetext_flush_denormals_end(saved)
    return saved & 0x8040 == 0x8040
  }

  /// Runs `body` with denormals flushed to zero on this thread (and on the workers
  /// ``Parallel`` starts from it), then restores the previous mode.
  static func flushingDenormals<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
    let saved = sparsetext_flush_denormals_begin()
    defer { sparsetext_flush_denormals_end(saved) }
    return try body()
  }
}

/// Work splitting over rows or documents.
///
/// Work is cut into contiguous chunks whose boundaries depend only on the item count and the
/// chunk count, never on timing, so a caller that combines chunk results in chunk order gets the
/// same answer on every run.
package enum Parallel {
  /// The number of workers used by default: the number of active processors.
  package static var defaultWorkerCount: Int {
    max(1, ProcessInfo.processInfo.activeProcessorCount)
  }

  /// Splits `0..<count` into at most `chunks` contiguous ranges of near-equal size.
  package static func ranges(count: Int, chunks: Int) -> [Range<Int>] {
    guard count > 0 else { return [] }
    let n = max(1, min(chunks, count))
    let base = count / n
    let extra = count % n
    var result: [Range<Int>] = []
    result.reserveCapacity(n)
    var start = 0
    for i in 0..<n {
      let size = base + (i < extra ? 1 : 0)
      result.append(start..<(start + size))
      start += size
    }
    return result
  }

  /// Runs `body` once for each chunk of `0..<count`, concurrently, and returns the chunk
  /// results in chunk order.
  ///
  /// - Parameters:
  ///   - count: the number of items.
  ///   - workers: how many chunks to cut (defaults to ``defaultWorkerCount``).
  ///   - minimumChunk: below this many items per chunk the work runs on the calling thread.
  ///   - body: the work for one range of items.
  /// - Returns: the chunks' results, in chunk order.
  /// - Throws: the first error a chunk threw, in chunk order.
  package static func map<T: Sendable, E: Error>(
    count: Int,
    workers: Int = defaultWorkerCount,
    minimumChunk: Int = 1,
    _ body: @Sendable (Range<Int>) throws(E) -> T
  ) throws(E) -> [T] {
    let chunkCount = max(1, min(workers, count / max(1, minimumChunk)))
    let parts = ranges(count: count, chunks: chunkCount)
    if parts.count <= 1 {
      var single: [T] = []
      for part in parts { single.append(try body(part)) }
      return single
    }
    let results = ResultSlots<T, E>(count: parts.count)
    let callerFlushes = FloatingPointMode.flushesDenormals
    DispatchQueue.concurrentPerform(iterations: parts.count) { index in
      // Workers compute with the caller's denormal mode, so a result does not depend on which
      // thread computed it.
      let saved = sparsetext_flush_denormals_begin()
      if !callerFlushes { sparsetext_flush_denormals_end(saved) }
      defer { sparsetext_flush_denormals_end(saved) }
      do throws(E) {
        results.set(index, .success(try body(parts[index])))
      } catch {
        results.set(index, .failure(error))
      }
    }
    return try results.values()
  }

  /// Runs `body` for each of `count` tasks, at most `concurrency` at a time: each worker takes
  /// the next task as it comes free, so tasks of unequal cost keep the workers busy, and no
  /// more than `concurrency` tasks hold their memory at once. Which worker runs a task depends
  /// on timing; a task's result must not.
  ///
  /// - Returns: the tasks' results, in task order.
  /// - Throws: the first error a task threw, in task order (the other tasks still run).
  package static func mapTasks<T: Sendable, E: Error>(
    count: Int, concurrency: Int, _ body: @Sendable (Int) throws(E) -> T
  ) throws(E) -> [T] {
    let width = max(1, min(concurrency, count))
    let results = ResultSlots<T, E>(count: count)
    let queue = TaskQueue(count: count)
    // One chunk per worker (in the caller's denormal mode, as every chunk of `map`), each
    // taking tasks until none is left.
    forEach(count: width, workers: width) { _ in
      while let task = queue.next() {
        do throws(E) {
          results.set(task, .success(try body(task)))
        } catch {
          results.set(task, .failure(error))
        }
      }
    }
    return try results.values()
  }

  /// Runs `body` for each chunk of `0..<count` concurrently, for work that writes into
  /// disjoint parts of a shared buffer.
  package static func forEach(
    count: Int,
    workers: Int = defaultWorkerCount,
    minimumChunk: Int = 1,
    _ body: @Sendable (Range<Int>) -> Void
  ) {
    _ = map(count: count, workers: workers, minimumChunk: minimumChunk) { body($0) }
  }
}

/// A value computed on another thread while the caller goes on; ``value`` waits for it.
package final class Background<Value: Sendable>: @unchecked Sendable {
  private var result: Value?
  private let group = DispatchGroup()

  package init(_ body: @escaping @Sendable () -> Value) {
    DispatchQueue.global(qos: .userInitiated).async(group: group) { self.result = body() }
  }

  /// The value, once computed.
  package var value: Value {
    group.wait()
    return result!
  }
}

/// The tasks `0..<count`, handed out in order to the workers that ask.
private final class TaskQueue: @unchecked Sendable {
  private let count: Int
  private var taken = 0
  private let lock = NSLock()

  init(count: Int) { self.count = count }

  /// The next task, or `nil` when all are taken.
  func next() -> Int? {
    lock.lock()
    defer { lock.unlock() }
    guard taken < count else { return nil }
    taken += 1
    return taken - 1
  }
}

/// Slots written once each from concurrent workers, read after they have all finished.
private final class ResultSlots<T, E: Error>: @unchecked Sendable {
  private var slots: [Result<T, E>?]
  private let lock = NSLock()

  init(count: Int) { slots = Array(repeating: nil, count: count) }

  func set(_ index: Int, _ value: Result<T, E>) {
    lock.lock()
    slots[index] = value
    lock.unlock()
  }

  func values() throws(E) -> [T] {
    var out: [T] = []
    out.reserveCapacity(slots.count)
    for slot in slots { out.append(try slot!.get()) }
    return out
  }
}

/// The one pointer wrapper for handing a buffer to concurrent workers: Swift cannot prove that
/// sharing a pointer is safe, so the caller promises it. The buffer outlives every use of the
/// wrapper, and no two workers write the same element (buffers wrapped `readOnly` are only
/// read).
package struct UnsafeSharedBuffer<Element>: @unchecked Sendable {
  /// The shared buffer.
  package let base: UnsafeMutablePointer<Element>
  /// Its element count.
  package let count: Int

  /// Wraps `buffer`; it must outlive every use of the wrapper.
  package init(_ buffer: UnsafeMutableBufferPointer<Element>) {
    base = buffer.baseAddress ?? UnsafeMutablePointer(bitPattern: 1)!
    count = buffer.count
  }

  /// Wraps a buffer the workers only read; it must outlive every use of the wrapper.
  package init(readOnly buffer: UnsafeBufferPointer<Element>) {
    base = UnsafeMutablePointer(mutating: buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!)
    count = buffer.count
  }

  /// Wraps `count` elements from `start`.
  package init(start: UnsafeMutablePointer<Element>, count: Int) {
    base = start
    self.count = count
  }

  /// Wraps `count` elements from `start` that the workers only read.
  package init(readOnly start: UnsafePointer<Element>, count: Int) {
    base = UnsafeMutablePointer(mutating: start)
    self.count = count
  }

  /// The elements, for reading.
  package var elements: UnsafeBufferPointer<Element> {
    UnsafeBufferPointer(start: base, count: count)
  }

  /// The element at `index`, read or written.
  package subscript(index: Int) -> Element {
    get { base[index] }
    nonmutating set { base[index] = newValue }
  }
}
