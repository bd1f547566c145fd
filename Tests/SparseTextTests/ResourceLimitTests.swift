import Foundation
import Testing

@testable import SparseText

/// Hostile numbers and sizes end in a clear error before anything is allocated (issue 24,
/// item 3): `--hidden 9223372036854775807` and `--batch-size 9223372036854775807` trapped on
/// arithmetic overflow, `fit --hidden 1099511627776` aborted on a failed allocation.
@Suite struct ResourceLimitTests {
  static let documents = [
    "the fox runs fast", "a fox and the dog", "rates rise at the bank", "the bank lends at rates",
  ]

  private func fit(_ autoencoder: SparseAutoencoder.Configuration) throws {
    _ = try TextFeaturePipeline(
      fitting: Self.documents, configuration: .init(vectorizer: .init(), autoencoder: autoencoder))
  }

  private func expectField(
    _ field: String, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
  ) {
    do {
      try body()
      Issue.record("accepted", sourceLocation: sourceLocation)
    } catch ConfigurationError.outOfRange(let named, _, let allowed) {
      #expect(named == field, "\(named): \(allowed)", sourceLocation: sourceLocation)
    } catch {
      Issue.record("\(error)", sourceLocation: sourceLocation)
    }
  }

  @Test func countsThatOverflowAreRefusedByTheirField() {
    let huge = Int.max
    expectField("hiddenUnits") { try fit(.init(hiddenUnits: huge)) }
    expectField("batchSize") { try fit(.init(hiddenUnits: 2, batchSize: huge)) }
    expectField("epochs") { try fit(.init(hiddenUnits: 2, epochs: huge)) }
    expectField("hiddenUnits") { try fit(.init(hiddenUnits: 1 << 40)) }
    expectField("topK") { try fit(.init(hiddenUnits: 2, topK: huge)) }
    // Refused before any work: validating the configuration finds them.
    expectField("batchSize") {
      try TextFeaturePipeline.Configuration(autoencoder: .init(batchSize: huge)).validate()
    }
  }

  /// Counts within Int32 whose products exceed the memory budget name the setting to lower.
  @Test func productsThatExceedMemoryAreRefusedBeforeAllocation() throws {
    let budget = MemoryBudget.bytes
    // Weights of hidden × columns × 16 bytes alone exceed the budget.
    let hidden = Int(min(Double(Int32.max), Double(budget) / 16 / 4))
    expectField("hiddenUnits") { try fit(.init(hiddenUnits: hidden, epochs: 1)) }
    let config = SparseAutoencoder.Configuration(hiddenUnits: 256, batchSize: Int(Int32.max))
    expectField("batchSize") {
      try config.checkSizes(inputColumns: 1 << 20, rows: Int(Int32.max))
    }
    // The same batch over few rows is a batch of those rows: it fits.
    try config.checkSizes(inputColumns: 1 << 20, rows: 100)
  }
}
