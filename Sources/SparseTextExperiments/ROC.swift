/// Receiver operating characteristic of a score that should rank positives above negatives.
package enum ROC {
  /// The area under the ROC curve: the probability that a random positive scores above a random
  /// negative, ties counting one half (the Mann–Whitney U statistic over `P·N`).
  ///
  /// - Returns: the area, or `nil` when there is no positive or no negative.
  package static func auc(scores: [Double], positives: [Bool]) -> Double? {
    precondition(scores.count == positives.count, "one label per score")
    let p = positives.filter { $0 }.count
    let n = positives.count - p
    guard p > 0, n > 0 else { return nil }
    let order = scores.indices.sorted { scores[$0] < scores[$1] }
    // Ranks from 1, tied scores sharing the mean of their ranks.
    var positiveRankSum = 0.0
    var start = 0
    while start < order.count {
      var end = start + 1
      while end < order.count && scores[order[end]] == scores[order[start]] { end += 1 }
      let meanRank = Double(start + 1 + end) / 2
      for k in start..<end where positives[order[k]] { positiveRankSum += meanRank }
      start = end
    }
    return (positiveRankSum - Double(p) * Double(p + 1) / 2) / (Double(p) * Double(n))
  }

  /// The ROC curve's corners from (0, 0) to (1, 1): one point per distinct score, from the
  /// highest down (tied scores move both rates at once).
  package static func curve(scores: [Double], positives: [Bool]) -> [(
    falsePositiveRate: Double, truePositiveRate: Double
  )] {
    precondition(scores.count == positives.count, "one label per score")
    let p = Double(positives.filter { $0 }.count)
    let n = Double(positives.count) - p
    guard p > 0, n > 0 else { return [] }
    let order = scores.indices.sorted { scores[$0] > scores[$1] }
    var points: [(Double, Double)] = [(0, 0)]
    var tp = 0.0
    var fp = 0.0
    var k = 0
    while k < order.count {
      let value = scores[order[k]]
      while k < order.count && scores[order[k]] == value {
        if positives[order[k]] { tp += 1 } else { fp += 1 }
        k += 1
      }
      points.append((fp / n, tp / p))
    }
    return points
  }

  /// The true-positive rate of `curve` at false-positive rate `x`, linearly interpolated.
  package static func truePositiveRate(
    _ curve: [(falsePositiveRate: Double, truePositiveRate: Double)], at x: Double
  ) -> Double {
    guard var previous = curve.first else { return 0 }
    for point in curve.dropFirst() {
      if point.falsePositiveRate >= x {
        let width = point.falsePositiveRate - previous.falsePositiveRate
        if width <= 0 { return max(previous.truePositiveRate, point.truePositiveRate) }
        let t = (x - previous.falsePositiveRate) / width
        return previous.truePositiveRate + t * (point.truePositiveRate - previous.truePositiveRate)
      }
      previous = point
    }
    return previous.truePositiveRate
  }
}
