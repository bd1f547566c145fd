import Foundation
import Testing

@testable import SparseText

/// Messages that contradicted themselves (issue 24 item 6).
@Suite struct MessageWordingTests {
  @Test func foldsOverTooFewRowsSayWhy() {
    for (labels, expected) in [
      (["a"], "at least 2, with at least as many rows; there is 1 row"),
      (["a", "b", "a"], "from 2 to 3 (the number of rows)"),
    ] {
      do {
        _ = try StratifiedSplit.folds(labels: labels, k: 4, seed: 1)
        Issue.record("accepted")
      } catch let error as ConfigurationError {
        #expect(error.description.contains(expected), "\(error)")
        #expect(!error.description.contains("2...1"))
      } catch {
        Issue.record("\(error)")
      }
    }
  }

  @Test func aClassifierOfOneClassSaysSo() throws {
    let weights = try DenseMatrix(rows: 1, columns: 2, values: [1, 2])
    do {
      _ = try LogisticRegression(weights: weights, intercepts: [0], classes: ["only"])
      Issue.record("accepted")
    } catch let error as ModelFormatError {
      #expect("\(error)".contains("needs two classes or more, found 1"), "\(error)")
    }
    do {
      _ = try LogisticRegression(weights: weights, intercepts: [0, 1], classes: ["a", "b"])
      Issue.record("accepted")
    } catch let error as ModelFormatError {
      #expect(
        "\(error)".contains("need 1 weight row and as many intercepts, found 1 weight rows and 2"),
        "\(error)")
    }
  }
}
