import Foundation

/// How unusual each document is to a fitted pipeline: how badly its autoencoder reconstructs
/// the document's TF-IDF vector, and the parts that score is built from. Higher is more unusual.
///
/// Every part is in the TF-IDF scale (the autoencoder's input divided back by its input scale);
/// ``values(_:)`` gives each method's values. For a document with no term of the vocabulary,
/// the ``Method/relativeError``, ``Method/cosineDistance``, ``Method/ownTermsCosineDistance`` and
/// ``Method/ownTermsGeometricMean`` scores are 1 (the reconstruction explains nothing of it) and
/// the ``Method/ownTermsError`` score is 0.
public struct AnomalyScores: Sendable, Equatable {
  /// Which number is the anomaly score.
  public enum Method: String, Codable, Sendable, CaseIterable {
    /// `‖x̂ − x‖²`, the squared reconstruction error.
    case squaredError
    /// `‖x̂ − x‖² / ‖x‖²`; equal to ``squaredError`` for l2-normalized TF-IDF.
    case relativeError
    /// `Σ (x̂_c − x_c)²` over the document's own terms `c` only.
    case ownTermsError
    /// `1 − cos(x, x̂)`: how far the reconstruction points from the document.
    case cosineDistance
    /// `1 − cos(x, x̂_own)`, with `x̂_own` the reconstruction at the document's own terms only:
    /// how far, in direction, the reconstruction of its terms is from the document, whatever
    /// its scale.
    case ownTermsCosineDistance
    /// `√(own-terms error / ‖x‖² × own-terms cosine distance)`: the geometric mean of how much
    /// and in which direction the reconstruction of the document's own terms misses. A product
    /// ranks documents the same whatever the scale of either factor, so it needs no weighting.
    /// The default: it separated best on BBC (see the README).
    case ownTermsGeometricMean
    /// `Σⱼ hⱼ`, the total activation of the codes.
    case codeMass
    /// `−Σⱼ hⱼ`: how little the codes fire. With TopK codes, automatic input scaling and
    /// unit-norm decoder columns it separated best on BBC (see the README).
    case codeDeficit
  }

  /// The reference scores of one ``Method``, sorted: what a threshold is a quantile of.
  ///
  /// `fit` scores the documents its autoencoder held out for early stopping (its validation
  /// slice), which it did not train on: scores of the training documents themselves are
  /// optimistic (on BBC a quantile of 0.99 of them flagged 5% of unseen in-domain documents, on
  /// CR 5%). Documents without a known term are left out of the values and counted in
  /// ``Reference/withoutKnownTerms``. A bundle keeps at most ``capacity`` values, evenly spaced
  /// by rank (first and last kept).
  package struct Distribution: Sendable, Equatable {
    /// What the values were measured on.
    package struct Reference: Codable, Sendable, Equatable {
      /// Whether the documents were held out of the autoencoder's training.
      package var heldOut: Bool
      /// The documents scored, those without a known term included.
      package var documents: Int
      /// The share of ``documents`` without a known term (left out of the values).
      package var withoutKnownTerms: Double

      /// Describes a reference set.
      package init(heldOut: Bool, documents: Int, withoutKnownTerms: Double) {
        self.heldOut = heldOut
        self.documents = documents
        self.withoutKnownTerms = withoutKnownTerms
      }

      enum CodingKeys: String, CodingKey {
        case heldOut = "held_out"
        case documents
        case withoutKnownTerms = "without_known_terms"
      }
    }

    /// The most values a distribution keeps.
    package static let capacity = 1000
    /// The most documents a reference may count (2^40, far above any corpus, and exact in a
    /// `Double`, so every rank computed from it is an exact, representable `Int`).
    package static let maximumDocuments = 1 << 40
    /// The sorted (ascending) values kept.
    package let sortedValues: [Float]
    /// What the values were measured on; `nil` in bundles written before it was stored, whose
    /// values are the training documents' scores.
    package let reference: Reference?

    /// Keeps at most ``capacity`` of `values`, evenly spaced by rank.
    /// - Throws: ``ConfigurationError`` when `values` is empty or holds a non-finite value, or
    ///   when `reference` counts fewer documents than values (or more than
    ///   ``maximumDocuments``) or a share outside [0, 1].
    package init(_ values: [Float], reference: Reference? = nil) throws {
      guard !values.isEmpty, values.allSatisfy(\.isFinite) else {
        throw ConfigurationError.outOfRange(
          field: .trainingScores, value: "\(values.count) values",
          allowed: "one or more finite numbers")
      }
      if let reference {
        let share = reference.withoutKnownTerms
        guard (values.count...Self.maximumDocuments).contains(reference.documents),
          (0...1).contains(share)
        else {
          throw ConfigurationError.outOfRange(
            field: .trainingScores,
            value: "\(reference.documents) documents, \(share) without known terms",
            allowed:
              "at least as many documents as values (and at most \(Self.maximumDocuments)) and a share in [0, 1]"
          )
        }
      }
      self.reference = reference
      let sorted = values.sorted()
      if sorted.count <= Self.capacity {
        sortedValues = sorted
      } else {
        let last = sorted.count - 1
        sortedValues = (0..<Self.capacity).map { i in
          sorted[Int((Double(i) * Double(last) / Double(Self.capacity - 1)).rounded())]
        }
      }
    }

    /// The number of documents the values stand for (before thinning to ``capacity``).
    var represented: Int {
      guard let reference else { return sortedValues.count }
      let share = reference.withoutKnownTerms
      return max(
        sortedValues.count, Int((Double(reference.documents) * (1 - share)).rounded()))
    }

    /// The `q` quantile. With a ``reference`` (held-out scores), the rank is `q·(n + 1)` among
    /// the `n` values (the Weibull plotting position), so that a new document from the same
    /// source exceeds it with probability `1 − q` on average; without, interpolated linearly
    /// between ranks (NumPy's default), as earlier bundles were read.
    package func quantile(_ q: Double) -> Double {
      let q = min(1, max(0, q))
      let last = sortedValues.count - 1
      var position = q * Double(last)
      if reference != nil {
        // The 0-based rank among all `n` values, mapped onto the thinned ones.
        let n = Double(represented)
        let rank = min(n - 1, max(0, q * (n + 1) - 1))
        position = n > 1 ? rank * Double(last) / (n - 1) : 0
      }
      let low = Int(position.rounded(.down))
      let high = min(last, low + 1)
      let fraction = position - Double(low)
      return Double(sortedValues[low]) * (1 - fraction) + Double(sortedValues[high]) * fraction
    }

    /// Whether documents without a known term count as outliers at quantile `q`: when they
    /// are rarer in the reference set than `1 − q` (on a corpus of short phrases, where one in
    /// ten held-out phrases has no known term, they are not unusual); `nil` without a
    /// ``reference`` (their score is compared like any other).
    package func flagsDocumentsWithoutKnownTerms(at q: Double) -> Bool? {
      reference.map { $0.withoutKnownTerms < 1 - q }
    }
  }

  /// The method ``scores`` follow.
  public let method: Method
  /// `‖x̂ − x‖²` per document.
  package let squaredError: [Double]
  /// `‖x‖²` per document (1 for l2-normalized TF-IDF, 0 without a vocabulary term).
  package let squaredNorm: [Double]
  /// `‖x̂ − x‖² / ‖x‖²` per document.
  package let relativeError: [Double]
  /// The squared error on the document's own terms only.
  package let ownTermsError: [Double]
  /// `1 − cos(x, x̂)` per document.
  package let cosineDistance: [Double]
  /// `1 − cos(x, x̂)` on the document's own terms, per document.
  package let ownTermsCosineDistance: [Double]
  /// `Σⱼ hⱼ` per document: the codes' total activation.
  package let codeMass: [Double]
  /// The number of vocabulary terms per document.
  package let termCounts: [Int]
  /// A document is an outlier when its score is above this; `nil` when there is none (a model
  /// without stored training scores and no threshold given).
  public let threshold: Double?
  /// Whether a document without a known term is an outlier (when there is a threshold); `nil`
  /// compares its score (1) with the threshold like any other's. It is flagged when documents
  /// without a known term were rarer than `1 − q` among the held-out reference documents.
  package let flagsDocumentsWithoutKnownTerms: Bool?

  /// Assembles scores from their parts (all of one length).
  package init(
    method: Method, squaredError: [Double], squaredNorm: [Double], ownTermsError: [Double],
    cosineDistance: [Double], ownTermsCosineDistance: [Double], codeMass: [Double],
    termCounts: [Int], threshold: Double?, flagsDocumentsWithoutKnownTerms: Bool? = nil
  ) {
    self.flagsDocumentsWithoutKnownTerms = flagsDocumentsWithoutKnownTerms
    self.method = method
    self.squaredError = squaredError
    self.squaredNorm = squaredNorm
    self.relativeError = zip(squaredError, squaredNorm).map { $1 > 0 ? $0 / $1 : 1 }
    self.ownTermsError = ownTermsError
    self.cosineDistance = cosineDistance
    self.ownTermsCosineDistance = ownTermsCosineDistance
    self.codeMass = codeMass
    self.termCounts = termCounts
    self.threshold = threshold
  }

  /// The number of documents.
  public var count: Int { squaredError.count }

  /// The values of one method, per document.
  public func values(_ method: Method) -> [Double] {
    switch method {
    case .squaredError: return squaredError
    case .relativeError: return relativeError
    case .ownTermsError: return ownTermsError
    case .cosineDistance: return cosineDistance
    case .ownTermsCosineDistance: return ownTermsCosineDistance
    case .ownTermsGeometricMean: return (0..<count).map(ownTermsGeometricMean)
    case .codeMass: return codeMass
    case .codeDeficit: return codeMass.map { -$0 }
    }
  }

  /// The ``Method/ownTermsGeometricMean`` score of document `i`.
  func ownTermsGeometricMean(_ i: Int) -> Double {
    let relative = squaredNorm[i] > 0 ? ownTermsError[i] / squaredNorm[i] : 1
    return (relative * ownTermsCosineDistance[i]).squareRoot()
  }

  /// The value of `method` for document `i`.
  func value(_ method: Method, at i: Int) -> Double {
    switch method {
    case .squaredError: return squaredError[i]
    case .relativeError: return relativeError[i]
    case .ownTermsError: return ownTermsError[i]
    case .cosineDistance: return cosineDistance[i]
    case .ownTermsCosineDistance: return ownTermsCosineDistance[i]
    case .ownTermsGeometricMean: return ownTermsGeometricMean(i)
    case .codeMass: return codeMass[i]
    case .codeDeficit: return -codeMass[i]
    }
  }

  /// The anomaly score per document (``method``'s values); higher is more unusual.
  public var scores: [Double] { values(method) }

  /// The reconstruction error per document (``squaredError``).
  package var reconstructionError: [Double] { squaredError }

  /// Whether document `index` scores above ``threshold`` (`false` without a threshold). The
  /// score is compared at the precision the training scores are stored in (Float), so a
  /// document scoring the same as the top of the training distribution is not an outlier
  /// because of rounding.
  package func isOutlier(_ index: Int) -> Bool {
    guard let threshold else { return false }
    if termCounts[index] == 0, let flagged = flagsDocumentsWithoutKnownTerms { return flagged }
    return Self.exceeds(value(method, at: index), threshold)
  }

  /// Whether each document scores above ``threshold`` (all `false` without a threshold). A
  /// score is compared at the precision the training scores are stored in (Float), so a
  /// document scoring the same as the top of the training distribution is not an outlier
  /// because of rounding.
  public var outliers: [Bool] { (0..<count).map(isOutlier) }

  static func exceeds(_ score: Double, _ threshold: Double) -> Bool {
    Double(Float(score)) > threshold
  }

  /// The same scores against another threshold, which documents without a known term are
  /// compared with like any other.
  public func with(threshold: Double?) -> AnomalyScores {
    AnomalyScores(
      method: method, squaredError: squaredError, squaredNorm: squaredNorm,
      ownTermsError: ownTermsError, cosineDistance: cosineDistance,
      ownTermsCosineDistance: ownTermsCosineDistance, codeMass: codeMass,
      termCounts: termCounts, threshold: threshold)
  }
}
