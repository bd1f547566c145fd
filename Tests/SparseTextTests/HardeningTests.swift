import Foundation
import Testing

@testable import SparseText

@Suite struct HardeningTests {
  /// Hashing into more columns than a dense per-worker table can hold (up to 2³¹ − 1) counts
  /// each document by sorting its hits; both ways give the same matrix.
  @Test func sortedColumnCountsMatchDenseCounts() throws {
    let documents = [
      "the goal the match the goal", "", "bank rates bank shares rates rates",
      "alpha beta gamma delta epsilon zeta",
      "goal", String(repeating: "xx yy ", count: 50),
    ]
    let configuration = HashingVectorizer.Configuration(features: 16)
    let tokenizer = try Tokenizer(configuration.tokenizer)
    let column: @Sendable (UnsafeBufferPointer<UInt8>) -> (index: Int, sign: Float)? = {
      HashingVectorizer.column(ofUTF8: $0, configuration: configuration)
    }
    let dense = TermCounting.countColumns(
      documents, tokenizer: tokenizer, columns: 16, column: column)
    let sorted = TermCounting.countColumns(
      documents, tokenizer: tokenizer, columns: 16, denseColumnLimit: 0, column: column)
    #expect(dense.nonzeroCount > 10)
    #expect(sorted == dense)
  }
}
