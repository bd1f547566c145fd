import Foundation
import Testing

@testable import SparseText

@Suite struct JSONFormatTests {
  /// Two configurations compared field by field, with paths as config.json spells them and a
  /// field that is absent (or null) on one side as `nil` there.
  @Test func differencesNameEachFieldByItsPath() throws {
    let old = TextFeaturePipeline.Configuration()
    var new = old
    new.vectorizer.counting.minDocumentFrequency = .count(5)
    new.autoencoder?.topK = 8
    new.cValues = [3]
    let differences = try JSONFormat.differences(old, new)
    #expect(
      differences == [
        .init(path: "autoencoder.top_k", old: nil, new: "8"),
        .init(path: "c_values", old: "[0.1,1,10,100]", new: "[3]"),
        .init(path: "vectorizer.counting.min_document_frequency.count", old: "2", new: "5"),
      ])
    #expect(try JSONFormat.differences(old, old).isEmpty)
  }

  /// Reports encode once, through the shared encoder: keys sorted, slashes unescaped.
  @Test func reportsUseTheSharedEncoder() throws {
    let text = String(decoding: try JSONFormat.data(["b": "x/y", "a": "z"]), as: UTF8.self)
    #expect(text.contains("x/y"))
    #expect(text.firstRange(of: "\"a\"")!.lowerBound < text.firstRange(of: "\"b\"")!.lowerBound)
  }
}
