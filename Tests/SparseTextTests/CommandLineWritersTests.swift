import Foundation
import TestSupport
import Testing

@testable import SparseText

/// The file-format and counting work the command line used to do itself (issue 27): the
/// word2vec writer, the anomaly-score rows, token counts and the matrix fingerprint.
@Suite struct Word2VecFormatTests {
  @Test func writesAHeaderAndOneLinePerTermWithSpacesReplaced() throws {
    let vectors = try DenseMatrix(rows: 2, columns: 3, values: [1, 0.5, -2, 0, 0.25, 3])
    let text = String(
      decoding: try Word2VecFormat.data(terms: ["oil", "oil prices"], vectors: vectors),
      as: UTF8.self)
    #expect(text == "2 3\noil 1.0 0.5 -2.0\noil_prices 0.0 0.25 3.0\n")
  }

  @Test func refusesVectorsOfAnotherCount() throws {
    let vectors = try DenseMatrix(rows: 1, columns: 2, values: [1, 2])
    #expect(throws: DataError.self) {
      try Word2VecFormat.data(terms: ["a", "b"], vectors: vectors)
    }
  }
}

@Suite struct AnomalyScoreWriterTests {
  static let scores = AnomalyScores(
    method: .relativeError, squaredError: [1, 0], squaredNorm: [2, 2], ownTermsError: [0.5, 0],
    cosineDistance: [0.25, .nan], ownTermsCosineDistance: [0.125, 1], codeMass: [3, 0],
    termCounts: [4, 0], threshold: 0.4)

  @Test func rowsInEveryFormat() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "score-writer-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let ids = ["a,1", "b"]
    var streamed = ""
    let stream = AnomalyScoreWriter { streamed += $0 }
    try stream.append(Self.scores, outliers: Self.scores.outliers, ids: ids)
    try stream.finish()
    #expect(Self.scores.outliers == [true, false])
    #expect(
      streamed.split(separator: "\n").first
        == """
        {"code_mass":3.0,"cosine_distance":0.25,"id":"a,1","outlier":true,"own_terms_cosine_distance":0.125,\
        "own_terms_error":0.5,"relative_error":0.5,"score":0.5,"squared_error":1.0,"squared_norm":2.0,"terms":4}
        """)
    // Not a number is null in JSON.
    #expect(streamed.contains("\"cosine_distance\":null"))
    for name in ["s.jsonl", "s.csv", "s.npy"] {
      let writer = try AnomalyScoreWriter(url: directory.appendingPathComponent(name))
      try writer.append(Self.scores, outliers: Self.scores.outliers, ids: ids)
      try writer.finish()
    }
    let jsonl = try String(contentsOf: directory.appendingPathComponent("s.jsonl"), encoding: .utf8)
    #expect(jsonl == streamed)
    let csv = try String(contentsOf: directory.appendingPathComponent("s.csv"), encoding: .utf8)
    #expect(
      csv.split(separator: "\n").map(String.init) == [
        "id," + AnomalyScoreWriter.columns.joined(separator: ","),
        "\"a,1\",0.5,1.0,2.0,0.5,0.5,0.25,0.125,3.0,4,true",
        "b,0.0,0.0,2.0,0.0,0.0,nan,1.0,0.0,0,false",
      ])
    let npy = try NumPyArray.readMatrix(from: directory.appendingPathComponent("s.npy"))
    #expect(npy.rows == 2 && npy.columns == AnomalyScoreWriter.columns.count)
    #expect(npy.row(0) == [0.5, 1, 2, 0.5, 0.5, 0.25, 0.125, 3, 4, 1])
    #expect(throws: ConfigurationError.self) {
      try AnomalyScoreWriter(url: directory.appendingPathComponent("s.txt"))
    }
    #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("s.txt").path))
  }
}

@Suite struct CorpusCountingTests {
  @Test func countsTermsAndDistinctTerms() throws {
    let tokenizer = try Tokenizer()
    let counted = tokenizer.countTerms(in: ["The cat, the CAT!", "a dog"])
    let terms = try ["The cat, the CAT!", "a dog"].flatMap { try tokenizer.terms(in: $0) }
    #expect(counted.terms == terms.count)
    #expect(counted.distinct == Set(terms).count)
    // One-letter words are no terms under the default token pattern.
    #expect(counted == (terms: 5, distinct: 3))
    #expect(tokenizer.countTerms(in: [String]()) == (terms: 0, distinct: 0))
  }

  @Test func aMatrixFingerprintChangesWithAnyStoredByte() throws {
    let x = try SparseMatrix(rows: [[(0, 1), (2, 0.5)], [(1, 2)]], columns: 3)
    let same = try SparseMatrix(rows: [[(0, 1), (2, 0.5)], [(1, 2)]], columns: 3)
    #expect(Digest.fingerprint(of: x) == Digest.fingerprint(of: same))
    for other in [
      try SparseMatrix(rows: [[(0, 1), (2, 0.25)], [(1, 2)]], columns: 3),
      try SparseMatrix(rows: [[(0, 1), (1, 0.5)], [(1, 2)]], columns: 3),
      try SparseMatrix(rows: [[(0, 1), (2, 0.5)], [(1, 2)]], columns: 4),
      try SparseMatrix(rows: [[(0, 1)], [(2, 0.5), (1, 2)]], columns: 3),
    ] {
      #expect(Digest.fingerprint(of: other) != Digest.fingerprint(of: x))
    }
    // FNV-1a over the little-endian bytes of the shape and the three arrays, as computed in
    // Python; train-sae directories written before keep resuming.
    #expect(Digest.fingerprint(of: x) == "55e4b6dfcb191616")
  }
}
