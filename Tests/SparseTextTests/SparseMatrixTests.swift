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

@Suite struct BLASTests {
  @Test func sgemmMatchesReferenceForEveryTransposeCombination() {
    var generator = SeededGenerator(seed: 7)
    let (m, n, k) = (5, 4, 3)
    let a = (0..<(m * k)).map { _ in generator.nextFloat() - 0.5 }
    let b = (0..<(k * n)).map { _ in generator.nextFloat() - 0.5 }
    for transA in [BLAS.Transpose.none, .transpose] {
      for transB in [BLAS.Transpose.none, .transpose] {
        let lda = transA == .none ? k : m
        let ldb = transB == .none ? n : k
        var expected = [Float](repeating: 1, count: m * n)
        ReferenceKernels.sgemm(
          transA, transB, m: m, n: n, k: k, alpha: 2, a: a, lda: lda, b: b, ldb: ldb, beta: 0.5,
          c: &expected, ldc: n)
        var actual = [Float](repeating: 1, count: m * n)
        BLAS.sgemm(
          transA, transB, m: m, n: n, k: k, alpha: 2, a: a, lda: lda, b: b, ldb: ldb, beta: 0.5,
          c: &actual, ldc: n)
        for (x, y) in zip(expected, actual) { #expect(abs(x - y) < 1e-5) }
      }
    }
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
}
