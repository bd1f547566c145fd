/// Seeded, stratified ways of dividing labelled rows: a train/test split, k folds, and label
/// fractions for learning curves. Each keeps every class's proportion (up to rounding).
public enum StratifiedSplit {
  /// Indices of a stratified train/test split with `testFraction` of each class in test.
  public static func trainTest(labels: [String], testFraction: Double, seed: UInt64) throws -> (
    train: [Int], test: [Int]
  ) {
    guard testFraction > 0, testFraction < 1 else {
      throw ConfigurationError.outOfRange(
        field: .testFraction, value: "\(testFraction)", allowed: "strictly between 0 and 1")
    }
    var generator = SeededGenerator(seed: seed)
    var train: [Int] = []
    var test: [Int] = []
    for (_, rows) in groups(labels) {
      var shuffled = rows
      shuffled.shuffle(using: &generator)
      let testCount = min(
        rows.count - 1, max(1, Int((Double(rows.count) * testFraction).rounded())))
      test.append(contentsOf: shuffled.prefix(testCount))
      train.append(contentsOf: shuffled.dropFirst(testCount))
    }
    return (train.sorted(), test.sorted())
  }

  /// `k` stratified folds: each fold's test indices, the rest being its training indices.
  public static func folds(labels: [String], k: Int, seed: UInt64) throws -> [(
    train: [Int], test: [Int]
  )] {
    guard k >= 2, k <= labels.count else {
      throw ConfigurationError.outOfRange(
        field: .folds, value: "\(k)",
        allowed: labels.count >= 2
          ? "from 2 to \(labels.count) (the number of rows)"
          : "at least 2, with at least as many rows; there \(labels.count == 1 ? "is 1 row" : "are none")"
      )
    }
    var generator = SeededGenerator(seed: seed)
    var assignment = [Int](repeating: 0, count: labels.count)
    var offset = 0
    for (_, rows) in groups(labels) {
      var shuffled = rows
      shuffled.shuffle(using: &generator)
      for (i, row) in shuffled.enumerated() { assignment[row] = (i + offset) % k }
      offset += shuffled.count
    }
    return (0..<k).map { fold in
      let test = assignment.indices.filter { assignment[$0] == fold }
      let train = assignment.indices.filter { assignment[$0] != fold }
      return (train, test)
    }
  }

  /// A stratified subset holding `fraction` of `indices` (at least one row of each class).
  public static func fraction(
    _ fraction: Double, of indices: [Int], labels: [String], seed: UInt64
  ) throws -> [Int] {
    guard fraction > 0, fraction <= 1 else {
      throw ConfigurationError.outOfRange(
        field: .labelFraction, value: "\(fraction)", allowed: "in (0, 1]")
    }
    if fraction == 1 { return indices }
    var generator = SeededGenerator(seed: seed)
    var chosen: [Int] = []
    for (_, rows) in groups(indices.map { labels[$0] }) {
      var shuffled = rows.map { indices[$0] }
      shuffled.shuffle(using: &generator)
      let count = max(1, Int((Double(rows.count) * fraction).rounded()))
      chosen.append(contentsOf: shuffled.prefix(count))
    }
    return chosen.sorted()
  }

  /// Row indices per label, labels sorted, so the result depends only on the data and seed.
  private static func groups(_ labels: [String]) -> [(String, [Int])] {
    var byLabel: [String: [Int]] = [:]
    for (i, label) in labels.enumerated() { byLabel[label, default: []].append(i) }
    return byLabel.keys.sorted().map { ($0, byLabel[$0]!) }
  }
}
