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

  /// The codes as GettingStarted and the README compute them from a written bundle: the
  /// encoder's activations `sigmoid(input_scale · x · encoder.weightᵀ + encoder.bias)` (TopK:
  /// the `top_k` largest pre-activations of a row through a ReLU, the rest zero) are
  /// ``TextFeaturePipeline/rawCodes(for:)``; `(h − codes.mean) / codes.scale` are the embeddings.
  @Test(arguments: [nil, 2]) func codesFollowTheDocumentedFormula(topK: Int?) throws {
    let (texts, labels) = Self.corpus(24)
    var sae = SparseAutoencoder.Configuration(hiddenUnits: 4, epochs: 3, batchSize: 8)
    if let topK { sae = .topK(topK) }
    sae.hiddenUnits = 4
    sae.epochs = 3
    let fitted = try TextFeaturePipeline(
      fitting: texts, labels: labels, configuration: .init(autoencoder: sae))
    let url = Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: url) }
    try fitted.write(to: url)
    let (tensors, _) = try SafeTensors.read(from: url.appendingPathComponent("model.safetensors"))
    let config = try #require(
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: url.appendingPathComponent("config.json"))) as? [String: Any])
    let settings = try #require(
      (config["configuration"] as? [String: Any])?["autoencoder"] as? [String: Any])
    let scale = try #require(settings["input_scale"] as? Double)
    let weight = try #require(tensors["encoder.weight"]).values
    let bias = try #require(tensors["encoder.bias"]).values
    let mean = try #require(tensors["codes.mean"]).values
    let spread = try #require(tensors["codes.scale"]).values
    let x = try fitted.features(for: texts)
    let terms = x.columns
    let raw = try #require(try fitted.rawCodes(for: texts))
    let embeddings = try fitted.embeddings(for: texts)
    for r in 0..<x.rows {
      var a = (0..<4).map { j in
        Double(bias[j])
          + scale
          * (0..<terms).reduce(0.0) { $0 + Double(x[r, $1]) * Double(weight[j * terms + $1]) }
      }
      if let topK {
        let kept = a.indices.sorted { a[$0] > a[$1] }.prefix(topK)
        a = a.indices.map { kept.contains($0) ? max(0, a[$0]) : 0 }
      } else {
        a = a.map { 1 / (1 + exp(-$0)) }
      }
      for j in 0..<4 {
        #expect(abs(Double(raw[r, j]) - a[j]) < 1e-4, "row \(r) unit \(j)")
        let standardized = (a[j] - Double(mean[j])) / Double(spread[j])
        #expect(abs(Double(embeddings[r, j]) - standardized) < 1e-3, "row \(r) unit \(j)")
      }
    }
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
    #expect(config["format_version"] as? Int == TextFeaturePipeline.formatVersion)
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
