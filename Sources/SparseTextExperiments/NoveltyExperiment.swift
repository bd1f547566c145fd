import Foundation
import SparseText

/// The held-out-class protocol for novelty scores on a labelled split: for each class, fit the
/// pipeline (vectorizer and autoencoder, no classifier) on the training documents of the other
/// classes, score every test document, and measure the ROC-AUC of picking out the held-out
/// class. Every ``AnomalyScores/Method`` is measured, with two baselines on the same TF-IDF: the
/// error of a truncated SVD reconstruction and one minus the cosine to the nearest training
/// document.
package struct NoveltyExperiment: Sendable {
  /// Settings of the experiment.
  package struct Configuration: Codable, Sendable, Equatable {
    /// The pipeline fitted per held-out class; its classifier is ignored.
    package var pipeline: TextFeaturePipeline.Configuration
    /// Components of the SVD baseline; 256 by default.
    package var svdComponents: Int

    /// Creates a configuration; see each property for its default.
    package init(pipeline: TextFeaturePipeline.Configuration = .init(), svdComponents: Int = 256) {
      self.pipeline = pipeline
      self.svdComponents = svdComponents
    }

    enum CodingKeys: String, CodingKey {
      case pipeline
      case svdComponents = "svd_components"
    }
  }

  /// One held-out class.
  package struct ClassResult: Sendable, Codable, Equatable {
    /// The class left out of training.
    package var heldOut: String
    /// Training documents of the other classes.
    package var trainDocuments: Int
    /// Test documents scored.
    package var testDocuments: Int
    /// Test documents of the held-out class.
    package var positives: Int
    /// ROC-AUC per score name (``scoreNames``).
    package var auc: [String: Double]
    /// ROC curve per score name: (false-positive rate, true-positive rate) pairs, at most 201.
    package var curves: [String: [[Double]]]

    enum CodingKeys: String, CodingKey {
      case heldOut = "held_out"
      case trainDocuments = "train_documents"
      case testDocuments = "test_documents"
      case positives, auc, curves
    }
  }

  /// Progress of ``run(train:test:progress:)``.
  package enum Event: Sendable {
    /// A held-out class started (`index` of `count`).
    case heldOut(String, index: Int, count: Int)
    /// A step within it.
    case step(String)
    /// An event of the autoencoder's training.
    case autoencoder(SparseAutoencoder.TrainingEvent)
  }

  /// The names of the measured scores: `sae_` plus each method, then `svd_error` and
  /// `nn_cosine_distance`.
  package static let scoreNames =
    AnomalyScores.Method.allCases.map { "sae_" + $0.rawValue } + [
      "svd_error", "nn_cosine_distance",
    ]

  /// The settings.
  package let configuration: Configuration

  /// Creates an experiment.
  package init(_ configuration: Configuration = .init()) { self.configuration = configuration }

  /// Runs the protocol once per class of `train` (classes with no test document are skipped).
  ///
  /// - Throws: ``DataError`` for unlabelled documents or fewer than two classes,
  ///   ``ConfigurationError`` for an invalid configuration.
  package func run(
    train: [LabeledDocument], test: [LabeledDocument],
    progress: (@Sendable (Event) -> Void)? = nil
  ) throws -> [ClassResult] {
    let trainLabels = try train.map { try Experiment.label(of: $0) }
    let testLabels = try test.map { try Experiment.label(of: $0) }
    let classes = Array(Set(trainLabels)).sorted().filter { testLabels.contains($0) }
    guard Set(trainLabels).count >= 2 else {
      throw DataError.tooFewClasses(
        got: Set(trainLabels).count, needed: 2, purpose: "the novelty protocol's training part")
    }
    guard !classes.isEmpty else {
      throw DataError.tooFewClasses(
        got: 0, needed: 1,
        purpose: "the novelty protocol's test part (classes also in the training part)")
    }
    guard configuration.pipeline.autoencoder != nil else {
      throw ConfigurationError.conflict(
        reason: "the novelty experiment scores the autoencoder's reconstruction, but there is none",
        suggestion: "Configure an autoencoder.")
    }
    guard configuration.svdComponents >= 1 else {
      throw ConfigurationError.outOfRange(
        field: .svdComponents, value: "\(configuration.svdComponents)", allowed: "1 or more")
    }
    var pipelineConfiguration = configuration.pipeline
    pipelineConfiguration.classifier = nil
    var results: [ClassResult] = []
    for (index, heldOut) in classes.enumerated() {
      progress?(.heldOut(heldOut, index: index, count: classes.count))
      let texts = zip(train, trainLabels).filter { $0.1 != heldOut }.map(\.0.text)
      let pipeline = try TextFeaturePipeline(
        fitting: texts, configuration: pipelineConfiguration
      ) { event in
        switch event {
        case .stage(let stage): progress?(.step(stage.rawValue))
        case .autoencoder(let e): progress?(.autoencoder(e))
        }
      }
      progress?(.step("scores"))
      let xTest = try pipeline.features(for: test.map(\.text))
      let scores = try pipeline.anomalyScorer().scores(for: xTest)
      var values: [String: [Double]] = [:]
      for method in AnomalyScores.Method.allCases {
        values["sae_" + method.rawValue] = scores.values(method)
      }
      progress?(.step("baselines"))
      let xTrain = try pipeline.features(for: texts)
      values["nn_cosine_distance"] = NoveltyBaselines.nearestNeighbourDistance(
        xTest, training: xTrain)
      values["svd_error"] = NoveltyBaselines.TruncatedSVD(
        training: xTrain, components: configuration.svdComponents,
        seed: pipelineConfiguration.autoencoder?.seed ?? SeededGenerator.defaultSeed
      ).reconstructionError(xTest)
      let positives = testLabels.map { $0 == heldOut }
      var auc: [String: Double] = [:]
      var curves: [String: [[Double]]] = [:]
      for name in Self.scoreNames {
        guard let v = values[name] else { continue }
        auc[name] = ROC.auc(scores: v, positives: positives)
        let curve = ROC.curve(scores: v, positives: positives)
        curves[name] = (0...200).map { i in
          let x = Double(i) / 200
          return [x, ROC.truePositiveRate(curve, at: x)]
        }
      }
      results.append(
        ClassResult(
          heldOut: heldOut, trainDocuments: texts.count, testDocuments: test.count,
          positives: positives.filter { $0 }.count, auc: auc, curves: curves))
    }
    return results
  }
}
