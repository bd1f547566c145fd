import Foundation
import Testing

@testable import SparseText

/// Issue 24 item 7: float64 features are computed in Double (the idf, sublinear tf, the idf
/// weights and the norm), as scikit-learn computes them for `dtype=np.float64`, its
/// vectorizers' default: every golden TF-IDF and hashing matrix is float64, and the Double
/// path agrees with each to 1e-12 relative, where float32 features agree to about 1e-7.
@Suite struct Float64FeaturesTests {
  static let tolerance = 1e-12

  /// The largest difference relative to the expected value.
  private func worstRelative(_ actual: [Double], _ expected: [Double]) -> Double {
    zip(actual, expected).map { abs($0 - $1) / max(abs($1), .leastNormalMagnitude) }.max() ?? 0
  }

  private func expectStructure(_ x: SparseMatrix, _ expected: GoldenCSR, _ name: String) {
    #expect(x.rows == expected.shape[0] && x.columns == expected.shape[1], "\(name): shape")
    #expect(x.rowOffsets == expected.indptr, "\(name): row offsets")
    #expect(x.columnIndices == expected.indices, "\(name): column indices")
  }

  @Test(arguments: VectorizerGoldenTests.vectorizerCases.filter { $0.hasPrefix("tfidf") })
  func tfidfAgreesWithScikitLearnFloat64(_ name: String) throws {
    let golden = try GoldenFixtures.load(GoldenCase.self, "text/\(name).json")
    let docs = try VectorizerGoldenTests().documents()
    let configuration = golden.params.configuration
    let vectorizer: TfidfVectorizer
    if let terms = golden.params.vocabulary {
      vectorizer = try TfidfVectorizer.fitTransform(
        docs, vocabulary: try Vocabulary(terms: terms), configuration: configuration
      ).vectorizer
    } else {
      vectorizer = try TfidfVectorizer.fitTransform(docs, configuration: configuration).vectorizer
    }
    if let idf = golden.idf {
      #expect(vectorizer.transformer.fittedIDF.count == idf.count)
      let worst = worstRelative(vectorizer.transformer.fittedIDF, idf)
      #expect(worst <= Self.tolerance, "\(name): idf off by \(worst)")
    }
    let (counts, values) = try vectorizer.doubleFeatures(docs)
    expectStructure(counts, golden.matrix, name)
    #expect(values.count == golden.matrix.data.count)
    let worst = worstRelative(values, golden.matrix.data)
    #expect(worst <= Self.tolerance, "\(name): values off by \(worst)")
    // Merged term statistics give the same idf and features as a fit (`vectorize
    // --statistics`), bit for bit.
    if golden.params.vocabulary == nil {
      let statistics = try TermStatistics(
        counting: docs, tokenizer: configuration.counting.tokenizer)
      let fromStatistics = try statistics.vectorizer(configuration: configuration)
      #expect(fromStatistics.transformer.fittedIDF == vectorizer.transformer.fittedIDF)
      #expect(try fromStatistics.doubleFeatures(docs).values == values, "\(name): statistics")
    }
  }

  /// The test can fail: float32 features, widened, are further from scikit-learn's float64
  /// values than the tolerance, and so is the float32 idf.
  @Test func float32FeaturesAreFartherThanTheTolerance() throws {
    let golden = try GoldenFixtures.load(GoldenCase.self, "text/tfidf_float64_sublinear_l1.json")
    let docs = try VectorizerGoldenTests().documents()
    let (vectorizer, x) = try TfidfVectorizer.fitTransform(
      docs, configuration: golden.params.configuration)
    let widened = worstRelative(x.values.map(Double.init), golden.matrix.data)
    #expect(widened > 1e-9, "float32 features off by only \(widened)")
    #expect(worstRelative(vectorizer.idf.map(Double.init), golden.idf ?? []) > 1e-9)
  }

  @Test(arguments: VectorizerGoldenTests.hashingCases)
  func hashingAgreesWithScikitLearnFloat64(_ name: String) throws {
    let golden = try GoldenFixtures.load(GoldenCase.self, "text/\(name).json")
    let (counts, values) = try HashingVectorizer(golden.params.hashing).doubleFeatures(
      try VectorizerGoldenTests().documents())
    expectStructure(counts, golden.matrix, name)
    let worst = zip(values, golden.matrix.data).map { abs($0 - $1) }.max() ?? 0
    // Explicit zeros (cancelled signed counts) are compared absolutely.
    #expect(worst <= Self.tolerance, "\(name): values off by \(worst)")
  }

  /// A transformer restored from float32 weights (a bundle's) weights Double features with
  /// them widened; its Float features are those Double values rounded (both are computed in
  /// Double from the same weights, then the Float ones are rounded once).
  @Test func restoredTransformerWeightsWithItsFloatIdf() throws {
    let counts = try SparseMatrix(
      rows: 2, columns: 3, rowOffsets: [0, 2, 3], columnIndices: [0, 2, 1], values: [3, 1, 2])
    let idf: [Float] = [1.5, 2.25, 1.125]
    let transformer = TfidfTransformer(idf: idf, configuration: .init(sublinearTF: true))
    #expect(transformer.fittedIDF == idf.map(Double.init))
    let values = try transformer.doubleValues(counts)
    let first = [(1 + log(3.0)) * 1.5, 1.125]
    let norm = (first[0] * first[0] + first[1] * first[1]).squareRoot()
    #expect(abs(values[0] - first[0] / norm) <= 1e-15)
    #expect(abs(values[1] - first[1] / norm) <= 1e-15)
    #expect(values[2] == 1)
    let floats = try transformer.transform(counts).values
    #expect(zip(floats, values).allSatisfy { $0 == Float($1) })
    #expect(throws: DataError.self) {
      try TfidfTransformer(idf: [1, 1], configuration: .init()).doubleValues(counts)
    }
  }
}
