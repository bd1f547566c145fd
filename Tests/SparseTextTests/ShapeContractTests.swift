import Foundation
import SparseText
import Testing

/// One rule for inputs of the wrong shape: a typed error (`DataError.shapeMismatch`), never a
/// trap and never a silently misaligned result. Public API only.
@Suite struct ShapeContractTests {
  /// Throws unless `body` throws `DataError.shapeMismatch` about `what` (the start of its
  /// description), with counts that differ.
  func expectShapeMismatch(
    _ what: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
  ) {
    do {
      try body()
      Issue.record("no error for a mismatched \(what)", sourceLocation: sourceLocation)
    } catch DataError.shapeMismatch(let reported, let expected, let actual) {
      #expect(reported.hasPrefix(what), "\(reported)", sourceLocation: sourceLocation)
      #expect(expected != actual, sourceLocation: sourceLocation)
    } catch {
      Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
  }

  /// Three well separated classes over four features.
  func threeClassModel() throws -> LogisticRegression {
    let x = try DenseMatrix(
      rows: [
        [1, 0, 0, 0], [0.9, 0.1, 0, 0], [0, 1, 0, 0], [0.1, 0.9, 0, 0], [0, 0, 1, 0],
        [0, 0, 0.9, 0.1],
      ], columns: 4)
    return try LogisticRegression(fitting: x, labels: ["a", "a", "b", "b", "c", "c"])
  }

  @Test func logisticRegressionRejectsANarrowerOrWiderMatrix() throws {
    let model = try threeClassModel()
    #expect(model.featureCount == 4)
    // Before the check, a 3-column input read the weights of the wrong features silently.
    let narrow = try DenseMatrix(rows: [[1, 0, 0]], columns: 3)
    let wide = try SparseMatrix(rows: [[(column: 4, value: 1)]], columns: 5)
    expectShapeMismatch("feature columns") { _ = try model.decisionFunction(narrow) }
    expectShapeMismatch("feature columns") { _ = try model.probabilities(for: narrow) }
    expectShapeMismatch("feature columns") { _ = try model.predict(wide) }
    // The right width still works.
    let right = try DenseMatrix(rows: [[0, 0, 1, 0]], columns: 4)
    #expect(try model.predict(right) == ["c"])
  }

  @Test func autoencoderRejectsInputsAndCodesOfTheWrongWidth() throws {
    let x = try SparseMatrix(
      rows: (0..<6).map { r in [(column: r % 5, value: 1), (column: (r + 1) % 5, value: 0.5)] },
      columns: 5)
    let model = try SparseAutoencoder(
      training: x, configuration: .init(hiddenUnits: 3, epochs: 2, batchSize: 2))
    let narrow = try SparseMatrix(rows: [[(column: 0, value: 1)]], columns: 4)
    expectShapeMismatch("input columns") { _ = try model.encode(narrow) }
    expectShapeMismatch("input columns") { _ = try model.reconstruct(narrow) }
    expectShapeMismatch("input columns") { _ = try model.metrics(on: narrow) }
    expectShapeMismatch("reference means") {
      _ = try model.metrics(on: x, referenceMeans: [0, 0])
    }
    expectShapeMismatch("code columns") {
      _ = try model.decode(DenseMatrix(zeros: 1, columns: 2))
    }
    #expect(try model.encode(x).columns == 3)
    #expect(try model.decode(model.encode(x)).columns == 5)
  }

  @Test func pipelineCodesRejectRowsOfAnotherVocabulary() throws {
    let pipeline = try TextFeaturePipeline(
      fitting: ["alpha beta gamma", "beta gamma delta", "gamma delta eps", "delta eps alpha"],
      configuration: .init(
        vectorizer: .init(), autoencoder: .init(hiddenUnits: 2, epochs: 2, batchSize: 2),
        classifier: nil))
    let foreign = try SparseMatrix(zeros: 1, columns: pipeline.vectorizer.vocabulary.count + 1)
    expectShapeMismatch("input columns") { _ = try pipeline.codes(for: foreign) }
  }

  @Test func classificationReportRejectsMismatchedInputs() throws {
    expectShapeMismatch("predictions") {
      _ = try ClassificationReport(truth: ["a", "b"], predicted: ["a"])
    }
    expectShapeMismatch("probability") {
      _ = try ClassificationReport(
        truth: ["a", "b"], predicted: ["a", "b"], probabilities: DenseMatrix(zeros: 2, columns: 3),
        classes: ["a", "b"])
    }
    #expect(throws: ConfigurationError.self) {
      _ = try ClassificationReport(
        truth: ["a", "b"], predicted: ["a", "b"], probabilities: DenseMatrix(zeros: 2, columns: 2),
        classes: ["a", "a"])
    }
    let report = try ClassificationReport(truth: ["a", "b"], predicted: ["a", "a"])
    #expect(report.accuracy == 0.5)
  }

  @Test func corpusReaderTakesAURL() throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-contract-\(UUID().uuidString).jsonl")
    defer { try? FileManager.default.removeItem(at: url) }
    try Data(
      """
      {"text": "first document", "label": "x"}
      {"text": "second document", "label": "y"}

      """.utf8
    ).write(to: url)
    let reader = CorpusReader(contentsOf: url)
    #expect(reader.url?.standardizedFileURL == url.standardizedFileURL)
    let (documents, report) = try reader.readAll()
    #expect(documents.map(\.text) == ["first document", "second document"])
    #expect(documents.map(\.label) == ["x", "y"])
    #expect(report.documents == 2)
    #expect(CorpusReader.standardInput().url == nil)
  }
}
