import Foundation
import Testing

@testable import SparseText

@Suite struct SparseMatrixTests {
  @Test func buildsFromEntriesSortingAndSumming() throws {
    let m = try SparseMatrix(
      rows: [[(2, 1), (0, 2), (2, 3)], [], [(1, 0), (3, 5)]], columns: 4)
    #expect(m.rowOffsets == [0, 2, 2, 3])
    #expect(m.columnIndices == [0, 2, 3])
    #expect(m.values == [2, 4, 5])
    #expect(m[0, 2] == 4)
    #expect(m[1, 1] == 0)
    #expect(m[2, 3] == 5)
  }

  @Test func rejectsInvalidCSR() {
    #expect(throws: DataError.self) {
      try SparseMatrix(
        rows: 1, columns: 3, rowOffsets: [0, 2], columnIndices: [2, 1], values: [1, 1])
    }
    #expect(throws: DataError.self) {
      try SparseMatrix(rows: 1, columns: 2, rowOffsets: [0, 1], columnIndices: [5], values: [1])
    }
    #expect(throws: DataError.self) {
      try SparseMatrix(rows: 2, columns: 2, rowOffsets: [0, 1], columnIndices: [0], values: [1])
    }
  }

  /// A shape that cannot be is an error, never a trap.
  @Test func zerosAndEntriesCheckTheShape() throws {
    let zeros = try SparseMatrix(zeros: 2, columns: 3)
    #expect(zeros.rows == 2 && zeros.columns == 3 && zeros.rowOffsets == [0, 0, 0])
    #expect(throws: DataError.self) { try SparseMatrix(zeros: -1, columns: 3) }
    #expect(throws: DataError.self) { try SparseMatrix(zeros: 1, columns: -3) }
    #expect(throws: DataError.self) { try SparseMatrix(zeros: 1, columns: Int(Int32.max) + 1) }
    do {
      _ = try SparseMatrix(zeros: Int.max, columns: 1)
      Issue.record("Int.max rows were accepted")
    } catch DataError.exceedsMemory {
    }
    #expect(throws: DataError.self) { try SparseMatrix(rows: [[]], columns: -1) }
  }

  @Test func densifiesSelectsAndConcatenates() throws {
    let m = try SparseMatrix(rows: [[(1, 2)], [(0, 1), (2, 3)]], columns: 3)
    #expect(m.densified().values == [0, 2, 0, 1, 0, 3])
    #expect(m.selectingRows([1, 1, 0]).densified().values == [1, 0, 3, 1, 0, 3, 0, 2, 0])
    let both = try m.horizontallyConcatenated(with: m)
    #expect(both.columns == 6)
    #expect(both.densified().row(1) == [1, 0, 3, 1, 0, 3])
    #expect(m.densified().sparsified() == m)
  }
}

/// One product to check: operands for `transA`/`transB` and the reference result of
/// `C = 2·op(A)·op(B) + 0.5·C` with C starting at ones.
private struct ProductCase {
  let transA: BLAS.Transpose
  let transB: BLAS.Transpose
  let lda: Int
  let ldb: Int
  let expected: [Float]
}

/// Random `m×k` and `k×n` operands and the reference product for every transpose combination.
private func productCases(m: Int, n: Int, k: Int, seed: UInt64) -> (
  a: [Float], b: [Float], cases: [ProductCase]
) {
  var generator = SeededGenerator(seed: seed)
  let a = (0..<(m * k)).map { _ in generator.nextFloat() - 0.5 }
  let b = (0..<(k * n)).map { _ in generator.nextFloat() - 0.5 }
  var cases: [ProductCase] = []
  for transA in [BLAS.Transpose.none, .transpose] {
    for transB in [BLAS.Transpose.none, .transpose] {
      let lda = transA == .none ? k : m
      let ldb = transB == .none ? n : k
      var expected = [Float](repeating: 1, count: m * n)
      ReferenceKernels.sgemm(
        transA, transB, m: m, n: n, k: k, alpha: 2, a: a, lda: lda, b: b, ldb: ldb, beta: 0.5,
        c: &expected, ldc: n)
      cases.append(
        ProductCase(transA: transA, transB: transB, lda: lda, ldb: ldb, expected: expected))
    }
  }
  return (a, b, cases)
}

@Suite struct BLASTests {
  @Test func sgemmMatchesReferenceForEveryTransposeCombination() {
    let (m, n, k) = (5, 4, 3)
    let (a, b, cases) = productCases(m: m, n: n, k: k, seed: 7)
    for c in cases {
      var actual = [Float](repeating: 1, count: m * n)
      BLAS.sgemm(
        c.transA, c.transB, m: m, n: n, k: k, alpha: 2, a: a, lda: c.lda, b: b, ldb: c.ldb,
        beta: 0.5, c: &actual, ldc: n)
      for (x, y) in zip(c.expected, actual) { #expect(abs(x - y) < 1e-5) }
    }
  }

  /// The split product agrees with the reference for wide and tall results, every transpose
  /// combination and block counts that leave ragged edges.
  @Test(arguments: [(3, 37, 5), (41, 6, 7), (17, 17, 1)])
  func splitSgemmMatchesReference(_ shape: (Int, Int, Int)) {
    let (m, n, k) = shape
    let (a, b, cases) = productCases(m: m, n: n, k: k, seed: 11)
    for c in cases {
      for workers in [1, 2, 3] {
        var actual = [Float](repeating: 1, count: m * n)
        BLAS.singleThreaded {
          BLAS.splitSgemm(
            c.transA, c.transB, m: m, n: n, k: k, alpha: 2, a: a, lda: c.lda, b: b, ldb: c.ldb,
            beta: 0.5, c: &actual, ldc: n, workers: workers)
        }
        let worst = zip(c.expected, actual).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 1e-5, "\(c.transA) \(c.transB) \(workers) workers: \(worst)")
      }
    }
  }
}

@Suite struct OptimizerTests {
  /// The vectorized Adam (eight lanes and a scalar tail) does exactly what the textbook loop
  /// does, element by element, and returns Σθ² before the update.
  @Test func adamMatchesTheScalarFormulaBitForBit() {
    var generator = SeededGenerator(seed: 3)
    let count = 8 * 5 + 3
    let gradient = (0..<count).map { _ in generator.nextFloat() - 0.5 }
    var theta = (0..<count).map { _ in generator.nextFloat() - 0.5 }
    var optimizer = Optimizer(kind: .adam, learningRate: 0.01, momentum: 0, count: count)
    var expected = theta
    var m = [Float](repeating: 0, count: count)
    var v = [Float](repeating: 0, count: count)
    let lambda: Float = 0.1
    for step in 1...3 {
      let c1 = 1 - pow(Float(0.9), Float(step))
      let c2 = 1 - pow(Float(0.999), Float(step))
      var squares = 0.0
      for i in 0..<count {
        squares += Double(expected[i] * expected[i])
        let g = gradient[i] + lambda * expected[i]
        m[i] = 0.9 * m[i] + 0.1 * g
        v[i] = 0.999 * v[i] + 0.001 * g * g
        // The step size and 1/c₂ are folded into scalars once per step, as the kernel does.
        expected[i] -= ((0.01 / c1) * m[i]) / ((v[i] * (1 / c2)).squareRoot() + 1e-8)
      }
      let reported = optimizer.step(
        &theta, gradient: gradient, decay: .init(lambda: lambda, ranges: [0..<count]))
      #expect(theta == expected, "step \(step)")
      #expect(abs(reported - squares) <= 1e-5 * squares)
    }
  }

  /// Every optimizer's update with no gradient (`nil`, for rows a batch did not touch) is the
  /// update with a zero-filled gradient, bit for bit, signs of zero included.
  @Test(arguments: [SparseAutoencoder.OptimizerKind.adam, .sgd, .adadelta])
  func aMissingGradientIsAZeroGradient(_ kind: SparseAutoencoder.OptimizerKind) {
    var generator = SeededGenerator(seed: 5)
    let count = 8 * 4 + 5
    var start = (0..<count).map { _ in generator.nextFloat() - 0.5 }
    start[3] = -0.0
    start[count - 1] = -0.0
    var optimizer = Optimizer(kind: kind, learningRate: 0.01, momentum: 0.9, count: count)
    // One step with a gradient first, so the state is not all zero.
    let gradient = (0..<count).map { _ in generator.nextFloat() - 0.5 }
    optimizer.step(&start, gradient: gradient)
    var withZeros = start
    var withNothing = start
    var zerosState = optimizer
    var nothingState = optimizer
    let zeros = [Float](repeating: 0, count: count)
    for lambda: Float in [0, 0.1] {
      let update = zerosState.begin()
      _ = nothingState.begin()
      let a = zerosState.withState { m, v in
        withZeros.withUnsafeMutableBufferPointer { p in
          update.apply(
            p.baseAddress!, m.baseAddress!, v.baseAddress ?? m.baseAddress!, gradient: zeros,
            count: count, lambda: lambda)
        }
      }
      let c = nothingState.withState { m, v in
        withNothing.withUnsafeMutableBufferPointer { p in
          update.apply(
            p.baseAddress!, m.baseAddress!, v.baseAddress ?? m.baseAddress!, gradient: nil,
            count: count, lambda: lambda)
        }
      }
      #expect(withZeros.map(\.bitPattern) == withNothing.map(\.bitPattern), "λ = \(lambda)")
      for (x, y) in zip(zerosState.state, nothingState.state) {
        #expect(x.map(\.bitPattern) == y.map(\.bitPattern))
      }
      #expect(a == c)
    }
  }

  /// A lazy step touches only the given ranges (values and state) and does there exactly what
  /// a full step does.
  @Test func lazyStepLeavesOtherRangesAlone() {
    var generator = SeededGenerator(seed: 4)
    let count = 300_000  // several parallel chunks
    let gradient = (0..<count).map { _ in generator.nextFloat() - 0.5 }
    let start = (0..<count).map { _ in generator.nextFloat() - 0.5 }
    let ranges = [5..<17, 70_000..<140_003, 299_990..<300_000]
    let decay = Optimizer.Decay(lambda: 0.01, ranges: [0..<150_000])
    var full = Optimizer(kind: .adam, learningRate: 0.01, momentum: 0, count: count)
    var lazy = full
    var dense = start
    var sparse = start
    full.step(&dense, gradient: gradient, decay: decay)
    lazy.step(&sparse, gradient: gradient, decay: decay, only: ranges)
    for i in stride(from: 0, to: count, by: 1) {
      let inside = ranges.contains { $0.contains(i) }
      if sparse[i] != (inside ? dense[i] : start[i]) {
        Issue.record("parameter \(i) (inside \(inside))")
        break
      }
    }
    #expect(lazy.state[0][6] == full.state[0][6])
    #expect(lazy.state[0][20] == 0)
    let pieces = Optimizer.pieces(10..<25, of: ranges, prefix: [0, 12, 70_015, 70_025])
    #expect(pieces == [15..<17, 70_000..<70_013])
  }
}

@Suite struct RadixSortTests {
  /// Keys come out ordered by their high word, keys with equal high words in their input order,
  /// for short arrays (insertion sort) and long ones (one to four radix passes).
  @Test(arguments: [
    (0, 10), (1, 10), (47, 300), (49, 3), (200, 17_760), (5_000, 70_000), (3_000, 1 << 31),
  ])
  func sortsByTheHighWordStably(_ count: Int, bound: Int) {
    var generator = SeededGenerator(seed: UInt64(count))
    let keys = (0..<count).map { i in
      UInt64(generator.next() % UInt64(bound)) << 32 | UInt64(i)
    }
    let expected = keys.sorted { a, b in a >> 32 != b >> 32 ? a >> 32 < b >> 32 : a < b }
    var sorted = keys
    var scratch: [UInt64] = []
    sorted.withUnsafeMutableBufferPointer {
      RadixSort.sortByHighWord($0, bound: UInt32(bound), scratch: &scratch)
    }
    #expect(sorted == expected)
  }
}

@Suite struct StopIdleWorkersTests {
  /// BLAS still multiplies correctly, on all its threads, after its workers were stopped.
  @Test func productsStillWorkAfterwards() {
    BLAS.stopIdleWorkers()
    let n = 256
    var generator = SeededGenerator(seed: 8)
    let a = (0..<(n * n)).map { _ in generator.nextFloat() - 0.5 }
    let b = (0..<(n * n)).map { _ in generator.nextFloat() - 0.5 }
    var c = [Float](repeating: 0, count: n * n)
    BLAS.sgemm(
      .none, .none, m: n, n: n, k: n, alpha: 1, a: a, lda: n, b: b, ldb: n, beta: 0, c: &c, ldc: n)
    var reference = [Float](repeating: 0, count: n * n)
    ReferenceKernels.sgemm(
      .none, .none, m: n, n: n, k: n, alpha: 1, a: a, lda: n, b: b, ldb: n, beta: 0,
      c: &reference, ldc: n)
    let worst = zip(c, reference).map { abs($0 - $1) }.max()!
    #expect(worst < 1e-4)
  }
}

@Suite struct SeededGeneratorTests {
  @Test func sameSeedSameStream() {
    var a = SeededGenerator(seed: 13)
    var b = SeededGenerator(seed: 13)
    var c = SeededGenerator(seed: 14)
    let sa = (0..<8).map { _ in a.next() }
    #expect(sa == (0..<8).map { _ in b.next() })
    #expect(sa != (0..<8).map { _ in c.next() })
    #expect(SeededGenerator(words: a.words) == a)
  }

  @Test func parallelMapKeepsChunkOrder() {
    let parts = Parallel.map(count: 1000, workers: 7) { range in range.reduce(0, +) }
    #expect(parts.count == 7)
    #expect(parts.reduce(0, +) == (0..<1000).reduce(0, +))
    #expect(Parallel.ranges(count: 10, chunks: 3) == [0..<4, 4..<7, 7..<10])
  }

  /// Tasks of very unequal cost, two at a time: every task runs once, results come back in
  /// task order, no more than two run at once, and the first failing task's error (in task
  /// order) is the one thrown.
  @Test func parallelTasksRunOnceEachInOrderAndAtMostTwoAtATime() throws {
    let gauge = ConcurrencyGauge()
    let results = Parallel.mapTasks(count: 9, concurrency: 2) { task -> Int in
      gauge.enter()
      defer { gauge.leave() }
      // Task 0 is long, the rest short: a static split would leave a worker idle.
      var sum = 0
      for k in 0..<(task == 0 ? 2_000_000 : 20_000) { sum &+= k % 7 }
      return task * 1_000 + (sum > 0 ? 1 : 0)
    }
    #expect(results == (0..<9).map { $0 * 1_000 + 1 })
    #expect(gauge.peak <= 2)
    #expect(gauge.entries == 9)
    struct Failure: Error, Equatable { let task: Int }
    #expect(throws: Failure(task: 3)) {
      try Parallel.mapTasks(count: 8, concurrency: 2) { task throws(Failure) -> Int in
        if task == 3 || task == 6 { throw Failure(task: task) }
        return task
      }
    }
  }
}

@Suite struct ByteStringTableTests {
  /// Keys of every length around the eight-byte prefix, with zero and high bytes and shared
  /// prefixes: each gets one id, is found again from another buffer, and sorts as unsigned
  /// bytes with the shorter first on a common prefix.
  @Test func storesFindsAndSortsKeysOfEveryLength() {
    var generator = SeededGenerator(seed: 12)
    var keys: [[UInt8]] = [[], [0], [0, 0], Array("abcdefgh".utf8), Array("abcdefgh\0".utf8)]
    // More than the 4,096 keys above which the sort goes by radix.
    for _ in 0..<6_000 {
      let length = Int(generator.next() % 20)
      let alphabet: [UInt8] = [0, 1, 0x61, 0x62, 0x7F, 0x80, 0xC3, 0xFF]
      keys.append((0..<length).map { _ in alphabet[Int(generator.next() % 8)] })
    }
    var table = ByteStringTable(capacity: 4)
    var idOf: [[UInt8]: Int] = [:]
    for key in keys {
      let id = key.withUnsafeBufferPointer { table.insert($0) }
      if let known = idOf[key] {
        #expect(id == known)
      } else {
        #expect(id == idOf.count)
        idOf[key] = id
      }
    }
    #expect(table.count == idOf.count)
    for (key, id) in idOf {
      let copy = Array(key)
      #expect(copy.withUnsafeBufferPointer { table.find($0) } == id)
      #expect(Array(table.bytes(id)) == key)
      #expect(
        copy.withUnsafeBufferPointer { ByteStringTable.hash($0) }
          == table.storedHash(id))
    }
    #expect([UInt8]([0x62, 0x62, 0x62]).withUnsafeBufferPointer { table.find($0) } == nil)
    var ids = Array(0..<table.count)
    table.sortByBytes(&ids)
    let expected = idOf.keys.sorted { a, b in a.lexicographicallyPrecedes(b) }
    #expect(ids.map { Array(table.bytes($0)) } == expected)
  }
}

/// Counts how many callers are between `enter()` and `leave()` at once.
private final class ConcurrencyGauge: @unchecked Sendable {
  private let lock = NSLock()
  private var current = 0
  private(set) var peak = 0
  private(set) var entries = 0

  func enter() {
    lock.lock()
    current += 1
    entries += 1
    peak = max(peak, current)
    lock.unlock()
  }

  func leave() {
    lock.lock()
    current -= 1
    lock.unlock()
  }
}
