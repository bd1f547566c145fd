import Foundation
import Testing

@testable import SparseText

@Suite struct TextFeaturePipelineTests {
  static let sport = ["match", "goal", "team", "season", "coach", "league", "cup", "striker"]
  static let money = ["bank", "shares", "profit", "market", "rates", "investors", "growth", "bond"]

  static func corpus(_ count: Int, offset: Int = 0) -> (texts: [String], labels: [String]) {
    var texts: [String] = []
    var labels: [String] = []
    for i in offset..<(offset + count) {
      let words = i % 2 == 0 ? sport : money
      texts.append((0..<5).map { words[(i + 3 * $0) % 8] }.joined(separator: " "))
      labels.append(i % 2 == 0 ? "sport" : "money")
    }
    return (texts, labels)
  }

  static let small = TextFeaturePipeline.Configuration(
    autoencoder: .init(hiddenUnits: 4, epochs: 3, batchSize: 8))

  static func temporaryDirectory() -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-pipeline-\(UUID().uuidString)")
  }

  @Test func unlabeledTextJoinsTheVocabularyButNotTheClassifier() throws {
    let (texts, labels) = Self.corpus(24)
    let unlabeled = ["referee whistle referee whistle", "whistle referee stadium"]
    var configuration = Self.small
    configuration.classifierInput = .tfidf
    let pipeline = try TextFeaturePipeline(
      fitting: texts, labels: labels, unlabeled: unlabeled, configuration: configuration)
    let terms = pipeline.vectorizer.vocabulary.terms
    #expect(terms.contains("referee") && terms.contains("whistle"))
    #expect(!terms.contains("stadium"))  // in one document only: below min_df 2
    let without = try TextFeaturePipeline(
      fitting: texts, labels: labels, configuration: Self.small)
    #expect(!without.vectorizer.vocabulary.terms.contains("referee"))
    #expect(pipeline.classes == ["money", "sport"])
    #expect(try pipeline.predict(["goal league cup"]) == ["sport"])
  }

  @Test func crossValidatedCIsRecordedAndCodesAreStandardized() throws {
    let (texts, labels) = Self.corpus(40)
    let pipeline = try TextFeaturePipeline(
      fitting: texts, labels: labels, configuration: Self.small)
    let chosen = try #require(pipeline.classifier).configuration.inverseRegularization
    #expect(Self.small.cValues.contains(chosen))
    #expect(pipeline.configuration.classifier?.inverseRegularization == chosen)
    let scaler = try #require(pipeline.codeScaler)
    let codes = try pipeline.embeddings(for: texts)
    for j in 0..<codes.columns where scaler.scale[j] != 1 {
      let mean = (0..<codes.rows).map { Double(codes[$0, j]) }.reduce(0, +) / Double(codes.rows)
      #expect(abs(mean) < 1e-4)
    }
  }

  @Test func aBundleRoundTripsItsCodeScalerAndC() throws {
    let (texts, labels) = Self.corpus(40)
    let pipeline = try TextFeaturePipeline(
      fitting: texts, labels: labels, configuration: Self.small)
    let url = Self.temporaryDirectory()
    try pipeline.write(to: url)
    let loaded = try TextFeaturePipeline(contentsOf: url)
    #expect(loaded.codeScaler == pipeline.codeScaler)
    #expect(loaded.configuration == pipeline.configuration)
    #expect(try loaded.embeddings(for: texts) == pipeline.embeddings(for: texts))
    #expect(try loaded.probabilities(for: texts) == pipeline.probabilities(for: texts))
    let config =
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: url.appendingPathComponent("config.json"))) as! [String: Any]
    #expect(config["format_version"] as? Int == 3)
  }

  /// A bundle of format version 1 (before code scaling, C grids and input scaling modes)
  /// loads, and its codes are used raw, as they were when it was fitted.
  @Test func aVersionOneBundleStillLoads() throws {
    let (texts, labels) = Self.corpus(40)
    var configuration = Self.small
    configuration.codeScaling = .none
    configuration.cValues = [10]
    let pipeline = try TextFeaturePipeline(
      fitting: texts, labels: labels, configuration: configuration)
    let url = Self.temporaryDirectory()
    try pipeline.write(to: url)
    let configURL = url.appendingPathComponent("config.json")
    var config =
      try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as! [String: Any]
    config["format_version"] = 1
    var stages = config["configuration"] as! [String: Any]
    for key in ["code_scaling", "c_values", "folds"] { stages.removeValue(forKey: key) }
    var autoencoder = stages["autoencoder"] as! [String: Any]
    autoencoder.removeValue(forKey: "unit_norm_decoder")
    stages["autoencoder"] = autoencoder
    config["configuration"] = stages
    try JSONSerialization.data(withJSONObject: config).write(to: configURL)
    try BundleEdit.rewriteTensors(of: url, asVersion: 1)
    let loaded = try TextFeaturePipeline(contentsOf: url)
    #expect(loaded.codeScaler == nil)
    #expect(loaded.configuration.codeScaling == .none)
    #expect(loaded.configuration.cValues == [10])
    #expect(
      try loaded.embeddings(for: texts)
        == pipeline.autoencoder!.encode(pipeline.features(for: texts)))
    #expect(try loaded.predict(texts) == pipeline.predict(texts))
  }

  @Test func aStandardizingBundleWithoutItsScalerIsRefused() throws {
    let (texts, labels) = Self.corpus(30)
    let pipeline = try TextFeaturePipeline(
      fitting: texts, labels: labels, configuration: Self.small)
    let url = Self.temporaryDirectory()
    try pipeline.write(to: url)
    var tensors = try SafeTensors.read(from: url.appendingPathComponent("model.safetensors")).0
    tensors.removeValue(forKey: "codes.scale")
    try SafeTensors.encode(tensors, metadata: [:]).write(
      to: url.appendingPathComponent("model.safetensors"))
    #expect(throws: ModelFormatError.self) { try TextFeaturePipeline(contentsOf: url) }
  }
}
