import Foundation
import Testing

@testable import SparseText

@Suite struct ConcatenatedFeaturesTests {
  /// `[sparse | dense]` against the same columns stored as one sparse matrix, whose products
  /// are plain loops: both products agree on every range, for 3 outputs (the dense block's
  /// direct kernels) and for 20 (its BLAS products), and so do the fitted classifiers.
  @Test(arguments: [3, 20]) func productsMatchTheSameColumnsStoredSparse(outputs k: Int) throws {
    let sparse = randomSparse(rows: 37, columns: 11, density: 0.3, seed: 2)
    var generator = SeededGenerator(seed: 5)
    let dense = try DenseMatrix(
      rows: 37, columns: 4, values: (0..<(37 * 4)).map { _ in generator.nextFloat() - 0.5 })
    let both = try ConcatenatedFeatures(sparse, dense)
    let reference = try sparse.horizontallyConcatenated(with: dense.sparsified())
    #expect(both.columns == 15 && both.rows == 37)
    // 3 outputs take the dense block's direct kernels, 20 its BLAS products.
    #expect((k > DenseMatrix.directOutputs) == (k == 20))
    let w = (0..<(k * 15)).map { _ in Double(generator.nextFloat() - 0.5) }
    let g = (0..<(37 * k)).map { _ in Double(generator.nextFloat() - 0.5) }
    for range in [0..<37, 5..<19, 36..<37] {
      var ours: [Double] = []
      var theirs: [Double] = []
      both.multiplyRows(range, weights: w, outputs: k, into: &ours)
      reference.multiplyRows(range, weights: w, outputs: k, into: &theirs)
      #expect(ours.count == range.count * k && theirs.count == ours.count)
      for (a, b) in zip(ours, theirs) { #expect(abs(a - b) < 1e-12) }
      let coefficients = Array(g[(range.lowerBound * k)..<(range.upperBound * k)])
      var gradient = [Double](repeating: 0.25, count: k * 15)
      var expected = gradient
      both.accumulateTransposed(range, coefficients: coefficients, outputs: k, into: &gradient)
      reference.accumulateTransposed(
        range, coefficients: coefficients, outputs: k, into: &expected)
      for (a, b) in zip(gradient, expected) { #expect(abs(a - b) < 1e-12) }
    }
    let labels = (0..<37).map { "class \($0 % k)" }
    let fitted = try LogisticRegression(fitting: both, labels: labels, isCancelled: nil)
    let plain = try LogisticRegression(fitting: reference, labels: labels)
    for (a, b) in zip(fitted.weights.values, plain.weights.values) { #expect(abs(a - b) < 1e-4) }
    #expect(throws: DataError.self) {
      try ConcatenatedFeatures(sparse, DenseMatrix(zeros: 3, columns: 2))
    }
  }
}

/// The products' weights and gradients are feature-major, `w[c * k + j]`, whatever the kind of
/// matrix and the number of outputs.
@Suite struct FeatureMatrixLayoutTests {
  /// `x[r, c]` of a dense matrix, row by row.
  static func entries(_ x: DenseMatrix) -> [[Double]] {
    (0..<x.rows).map { x.row($0).map(Double.init) }
  }

  static func check(
    _ x: some FeatureMatrix, entries: [[Double]], outputs k: Int, seed: UInt64
  ) {
    var generator = SeededGenerator(seed: seed)
    let d = x.columns
    let w = (0..<(k * d)).map { _ in generator.nextDouble() - 0.5 }
    let g = (0..<(x.rows * k)).map { _ in generator.nextDouble() - 0.5 }
    for range in [0..<x.rows, 3..<10] {
      var out: [Double] = []
      x.multiplyRows(range, weights: w, outputs: k, into: &out)
      var gradient = [Double](repeating: 0.5, count: k * d)
      let coefficients = Array(g[(range.lowerBound * k)..<(range.upperBound * k)])
      x.accumulateTransposed(range, coefficients: coefficients, outputs: k, into: &gradient)
      for r in range {
        for j in 0..<k {
          var expected = 0.0
          for c in 0..<d { expected += entries[r][c] * w[c * k + j] }
          #expect(abs(out[(r - range.lowerBound) * k + j] - expected) < 1e-6)
        }
      }
      for c in 0..<d {
        for j in 0..<k {
          var expected = 0.5
          for r in range {
            expected += entries[r][c] * coefficients[(r - range.lowerBound) * k + j]
          }
          #expect(abs(gradient[c * k + j] - expected) < 1e-6)
        }
      }
    }
  }

  @Test(arguments: [1, 3, 20]) func productsReadFeatureMajorWeights(outputs k: Int) throws {
    let sparse = randomSparse(rows: 13, columns: 9, density: 0.4, seed: 7)
    var generator = SeededGenerator(seed: 8)
    let dense = try DenseMatrix(
      rows: 13, columns: 10, values: (0..<(13 * 10)).map { _ in generator.nextFloat() - 0.5 })
    let both = try ConcatenatedFeatures(sparse, dense)
    let sparseEntries = Self.entries(sparse.densified())
    let denseEntries = Self.entries(dense)
    Self.check(sparse, entries: sparseEntries, outputs: k, seed: 1)
    Self.check(dense, entries: denseEntries, outputs: k, seed: 2)
    Self.check(
      both, entries: zip(sparseEntries, denseEntries).map { $0 + $1 }, outputs: k, seed: 3)
  }
}

/// The C kernels of the dense block's products: eight Double lanes, each lane's products added
/// in order, the lanes summed 0 to 7, then the tail; so the AVX2 and the baseline variants, and
/// every processor, give the same bits.
@Suite struct DenseProductKernelTests {
  @Test(arguments: [0, 1, 7, 8, 9, 64, 259])
  func dotAndAxpyFollowTheirDocumentedOrder(count: Int) {
    var generator = SeededGenerator(seed: UInt64(count) + 1)
    let x = (0..<count).map { _ in generator.nextFloat() * 4 - 2 }
    let w = (0..<count).map { _ in Double(generator.nextFloat()) * 1e3 - 5e2 }
    var lanes = [Double](repeating: 0, count: 8)
    let body = count - count % 8
    for i in 0..<body { lanes[i % 8] += Double(x[i]) * w[i] }
    var expected = 0.0
    for lane in lanes { expected += lane }
    for i in body..<count { expected += Double(x[i]) * w[i] }
    let dot = x.withUnsafeBufferPointer { x in
      w.withUnsafeBufferPointer { w in
        DenseMatrix.dot(x.baseAddress!, w.baseAddress!, count: count)
      }
    }
    #expect(dot.bitPattern == expected.bitPattern)
    // Against the plain sum too, so a kernel that skipped entries would fail.
    let plain = zip(x, w).reduce(0.0) { $0 + Double($1.0) * $1.1 }
    #expect(abs(dot - plain) <= 1e-9 * max(1, abs(plain)))
    var y = w
    y.withUnsafeMutableBufferPointer { y in
      x.withUnsafeBufferPointer { x in
        DenseMatrix.axpy(-0.375, x.baseAddress!, y.baseAddress!, count: count)
      }
    }
    #expect(y == zip(x, w).map { $1 + -0.375 * Double($0) })
  }
}
