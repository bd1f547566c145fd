import Foundation
import Testing

@testable import SparseText

@Suite struct ConcatenatedFeaturesTests {
  /// `[sparse | dense]` against the same columns stored as one sparse matrix, whose products
  /// are plain loops: both products agree on every range, and so do the fitted classifiers.
  @Test func productsMatchTheSameColumnsStoredSparse() throws {
    let sparse = randomSparse(rows: 37, columns: 11, density: 0.3, seed: 2)
    var generator = SeededGenerator(seed: 5)
    let dense = try DenseMatrix(
      rows: 37, columns: 4, values: (0..<(37 * 4)).map { _ in generator.nextFloat() - 0.5 })
    let both = try ConcatenatedFeatures(sparse, dense)
    let reference = try sparse.horizontallyConcatenated(with: dense.sparsified())
    #expect(both.columns == 15 && both.rows == 37)
    let k = 3
    let w = (0..<(k * 15)).map { _ in Double(generator.nextFloat() - 0.5) }
    let g = (0..<(37 * k)).map { _ in Double(generator.nextFloat() - 0.5) }
    for range in [0..<37, 5..<19, 36..<37] {
      var ours: [Double] = []
      var theirs: [Double] = []
      both.multiplyRows(range, weights: w, outputs: k, into: &ours)
      reference.multiplyRows(range, weights: w, outputs: k, into: &theirs)
      for (a, b) in zip(ours, theirs) { #expect(abs(a - b) < 1e-12) }
      let coefficients = Array(g[(range.lowerBound * k)..<(range.upperBound * k)])
      var gradient = [Double](repeating: 0.25, count: k * 15)
      var expected = gradient
      both.accumulateTransposed(range, coefficients: coefficients, outputs: k, into: &gradient)
      reference.accumulateTransposed(
        range, coefficients: coefficients, outputs: k, into: &expected)
      for (a, b) in zip(gradient, expected) { #expect(abs(a - b) < 1e-12) }
    }
    let labels = (0..<37).map { ["a", "b", "c"][$0 % 3] }
    let fitted = try LogisticRegression(fitting: both, labels: labels, isCancelled: nil)
    let plain = try LogisticRegression(fitting: reference, labels: labels)
    for (a, b) in zip(fitted.weights.values, plain.weights.values) { #expect(abs(a - b) < 1e-4) }
    #expect(throws: DataError.self) {
      try ConcatenatedFeatures(sparse, DenseMatrix(zeros: 3, columns: 2))
    }
  }
}
