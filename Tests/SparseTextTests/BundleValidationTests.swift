import Foundation
import Testing

@testable import SparseText

/// Damaged bundles that loaded before (issue 24, item 5): each is refused with a
/// ``ModelFormatError`` naming the file. Each damage is tested twice where it can be: in a bundle
/// with checksums (found by them) and in one without (as earlier builds wrote them, found by the
/// invariant it breaks).
@Suite struct BundleValidationTests {
  static let documents = [
    "the fox runs fast", "a fox and the dog", "rates rise at the bank", "the bank lends at rates",
    "the dog runs at the fox", "the bank and its rates",
  ]
  static let labels = ["a", "a", "b", "b", "a", "b"]

  /// A freshly written bundle with every stage.
  static func bundle() throws -> URL {
    let pipeline = try TextFeaturePipeline(
      fitting: documents, labels: labels,
      configuration: .init(
        vectorizer: .init(), autoencoder: .init(hiddenUnits: 3, epochs: 2, batchSize: 2),
        cValues: [1]))
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-validation-\(UUID().uuidString)")
    try pipeline.write(to: url)
    return url
  }

  /// Loading `url` throws a ``ModelFormatError`` about `file` (a file name in the bundle) whose
  /// message contains `words`.
  func expectRefused(
    _ url: URL, file: String, _ words: String, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    do {
      _ = try TextFeaturePipeline(contentsOf: url)
      Issue.record("the damaged bundle loaded", sourceLocation: sourceLocation)
    } catch let error as ModelFormatError {
      let text = error.description
      #expect(
        text.contains("'\(url.appendingPathComponent(file).path)'"), "\(text)",
        sourceLocation: sourceLocation)
      #expect(text.contains(words), "\(text)", sourceLocation: sourceLocation)
    } catch {
      Issue.record("not a model-format error: \(error)", sourceLocation: sourceLocation)
    }
  }

  func editJSON(_ url: URL, _ edit: (inout [String: Any]) -> Void) throws {
    let file = url.appendingPathComponent("config.json")
    var object = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as! [String: Any]
    edit(&object)
    try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).write(to: file)
  }

  func editVocabulary(_ url: URL, _ edit: (inout [String]) -> Void) throws {
    let file = url.appendingPathComponent("vocabulary.json")
    var terms = try JSONDecoder().decode([String].self, from: Data(contentsOf: file))
    edit(&terms)
    try JSONEncoder().encode(terms).write(to: file)
  }

  /// The header of `model.safetensors` with `edit` applied to its JSON object (the data and
  /// the header's length stay).
  func editHeader(_ url: URL, _ edit: (inout [String: Any]) -> Void) throws {
    let file = url.appendingPathComponent("model.safetensors")
    let data = try Data(contentsOf: file)
    let length = Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
    var object =
      try JSONSerialization.jsonObject(with: data[8..<(8 + length)]) as! [String: Any]
    edit(&object)
    var header = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    #expect(header.count <= length)
    header.append(contentsOf: repeatElement(0x20, count: length - header.count))
    try (data.prefix(8) + header + data[(8 + length)...]).write(to: file)
  }

  @Test func anIntactBundleLoads() throws {
    let url = try Self.bundle()
    #expect(try TextFeaturePipeline(contentsOf: url).classes == ["a", "b"])
    try BundleEdit.rewriteTensors(of: url)  // no checksums: as earlier builds wrote it
    #expect(try TextFeaturePipeline(contentsOf: url).classes == ["a", "b"])
  }

  @Test func aTensorWhoseDtypeChangedIsRefused() throws {
    let url = try Self.bundle()
    try editHeader(url) { header in
      var idf = header["idf"] as! [String: Any]
      idf["dtype"] = "I32"
      header["idf"] = idf
    }
    expectRefused(url, file: "model.safetensors", "tensor 'idf' is stored as I32")
  }

  @Test func trailingBytesAfterTheDataAreRefused() throws {
    let url = try Self.bundle()
    let file = url.appendingPathComponent("model.safetensors")
    try (Data(contentsOf: file) + Data([1, 2, 3, 4])).write(to: file)
    expectRefused(url, file: "model.safetensors", "4 bytes follow the last tensor's data")
  }

  @Test func anAllZeroIDFIsRefused() throws {
    let url = try Self.bundle()
    try BundleEdit.rewriteTensors(of: url) { tensors in
      tensors["idf"] = Tensor(vector: [Float](repeating: 0, count: tensors["idf"]!.values.count))
    }
    expectRefused(url, file: "model.safetensors", "idf weights are 1 or more")
    // With the checksum, the changed data is found first.
    let checked = try Self.bundle()
    let file = checked.appendingPathComponent("model.safetensors")
    let original = try SafeTensors.read(from: file)
    var tensors = original.tensors
    tensors["idf"] = Tensor(vector: [Float](repeating: 0, count: tensors["idf"]!.values.count))
    try SafeTensors.encode(tensors, metadata: original.metadata).write(to: file)
    expectRefused(checked, file: "model.safetensors", "the file was changed or damaged")
  }

  @Test func negativeTrainingAnomalyScoresAreRefused() throws {
    let url = try Self.bundle()
    try BundleEdit.rewriteTensors(of: url) { tensors in
      let scores = tensors["anomaly.training_scores"]!.values
      tensors["anomaly.training_scores"] = Tensor(vector: scores.map { $0 - 10 })
    }
    expectRefused(url, file: "model.safetensors", "scores are never negative")
    // Unsorted scores too.
    let unsorted = try Self.bundle()
    try BundleEdit.rewriteTensors(of: unsorted) { tensors in
      tensors["anomaly.training_scores"] = Tensor(
        vector: tensors["anomaly.training_scores"]!.values.reversed())
    }
    expectRefused(unsorted, file: "model.safetensors", "is not sorted")
  }

  @Test func swappedVocabularyTermsAreRefused() throws {
    let url = try Self.bundle()
    try editVocabulary(url) { $0.swapAt(0, 1) }
    expectRefused(url, file: "vocabulary.json", "the file was changed or damaged")
  }

  @Test func anEmptyTermIsRefused() throws {
    let url = try Self.bundle()
    try editVocabulary(url) { $0[2] = "" }
    expectRefused(url, file: "vocabulary.json", "the file was changed or damaged")
    let unchecked = try Self.bundle()
    try BundleEdit.rewriteTensors(of: unchecked)
    try editVocabulary(unchecked) { $0[2] = "" }
    expectRefused(unchecked, file: "vocabulary.json", "term 2 is empty")
    // A term listed twice.
    try editVocabulary(unchecked) { $0[2] = $0[3] }
    expectRefused(unchecked, file: "vocabulary.json", "is listed twice")
  }

  @Test func aChangedActivationIsRefused() throws {
    let url = try Self.bundle()
    try editJSON(url) { config in
      var configuration = config["configuration"] as! [String: Any]
      var autoencoder = configuration["autoencoder"] as! [String: Any]
      #expect(autoencoder["activation"] as? String == "sigmoid")
      autoencoder["activation"] = "relu"
      configuration["autoencoder"] = autoencoder
      config["configuration"] = configuration
    }
    expectRefused(url, file: "config.json", "the file was changed or damaged")
  }

  @Test func aFormatVersionFromTheFutureIsRefused() throws {
    let url = try Self.bundle()
    try editJSON(url) { $0["format_version"] = 99 }
    expectRefused(url, file: "config.json", "format version 99")
    // In the tensors' metadata (which loading ignored).
    let other = try Self.bundle()
    let future = TextFeaturePipeline.formatVersion + 1
    try BundleEdit.rewriteTensors(of: other, asVersion: future)
    expectRefused(other, file: "model.safetensors", "format version \(future)")
    // Versions that disagree.
    try BundleEdit.rewriteTensors(of: other, asVersion: 2)
    expectRefused(
      other, file: "model.safetensors",
      "format version 2, config.json says \(TextFeaturePipeline.formatVersion)")
  }

  /// A bundle whose `classes` were removed while its weights are there is damaged, not a model
  /// without a classifier.
  @Test func removedClassesAreRefused() throws {
    let url = try Self.bundle()
    try BundleEdit.rewriteTensors(of: url)
    try editJSON(url) { $0["classes"] = nil }
    expectRefused(url, file: "config.json", "'classes' in config.json")
    // And classifier weights removed while config.json has the classes.
    let other = try Self.bundle()
    try BundleEdit.rewriteTensors(of: other) { $0["classifier.weight"] = nil }
    expectRefused(other, file: "model.safetensors", "classifier.weight and classifier.bias")
    // One class is no classifier.
    let single = try Self.bundle()
    try BundleEdit.rewriteTensors(of: single)
    try editJSON(single) { $0["classes"] = ["a"] }
    expectRefused(single, file: "config.json", "a classifier has two or more")
  }

  /// An out-of-range `outlier_quantile` is damage to config.json, not an option the user gave.
  @Test func anOutOfRangeOutlierQuantileNamesConfigJSON() throws {
    let url = try Self.bundle()
    try BundleEdit.rewriteTensors(of: url)
    try editJSON(url) { config in
      var configuration = config["configuration"] as! [String: Any]
      configuration["outlier_quantile"] = 1.5
      config["configuration"] = configuration
    }
    expectRefused(url, file: "config.json", "outlierQuantile is 1.5")
  }

  /// Found by the fuzzer: an input scale of 1e-320 loaded, and every anomaly score was infinite.
  @Test func aDenormalInputScaleIsRefused() throws {
    let url = try Self.bundle()
    try BundleEdit.rewriteTensors(of: url)
    try editJSON(url) { config in
      var configuration = config["configuration"] as! [String: Any]
      var autoencoder = configuration["autoencoder"] as! [String: Any]
      autoencoder["input_scale"] = 1e-320
      configuration["autoencoder"] = autoencoder
      config["configuration"] = configuration
    }
    expectRefused(url, file: "config.json", "inputScale is")
  }

  /// The tensors of another bundle with the same shapes carry that bundle's checksums.
  @Test func tensorsOfAnotherBundleAreRefused() throws {
    let url = try Self.bundle()
    let other = try TextFeaturePipeline(
      fitting: Self.documents, labels: Self.labels,
      configuration: .init(
        vectorizer: .init(),
        autoencoder: .init(hiddenUnits: 3, epochs: 2, batchSize: 2, seed: 99), cValues: [1]))
    let otherURL = url.deletingLastPathComponent().appendingPathComponent(
      "sparsetext-validation-other-\(UUID().uuidString)")
    try other.write(to: otherURL)
    try FileManager.default.removeItem(at: url.appendingPathComponent("model.safetensors"))
    try FileManager.default.copyItem(
      at: otherURL.appendingPathComponent("model.safetensors"),
      to: url.appendingPathComponent("model.safetensors"))
    expectRefused(url, file: "config.json", "the file was changed or damaged")
  }

  /// Stages without their tensors, tensors without their stage, shapes the configuration does
  /// not imply.
  @Test func stagesAndTensorsMustMatch() throws {
    let url = try Self.bundle()
    try BundleEdit.rewriteTensors(of: url) { $0["codes.scale"] = nil }
    expectRefused(url, file: "model.safetensors", "codes.scale of shape [3] is missing")
    let noAutoencoder = try Self.bundle()
    try BundleEdit.rewriteTensors(of: noAutoencoder)
    try editJSON(noAutoencoder) { config in
      var configuration = config["configuration"] as! [String: Any]
      configuration["autoencoder"] = nil
      configuration["classifier_input"] = "tfidf"
      config["configuration"] = configuration
    }
    expectRefused(noAutoencoder, file: "config.json", "it has no autoencoder")
    let wide = try Self.bundle()
    try BundleEdit.rewriteTensors(of: wide)
    try editJSON(wide) { config in
      var configuration = config["configuration"] as! [String: Any]
      var autoencoder = configuration["autoencoder"] as! [String: Any]
      autoencoder["hidden_units"] = 4
      configuration["autoencoder"] = autoencoder
      config["configuration"] = configuration
    }
    expectRefused(wide, file: "model.safetensors", "encoder.weight should have shape [4,")
    let scale = try Self.bundle()
    try BundleEdit.rewriteTensors(of: scale) { $0["codes.scale"] = Tensor(vector: [1, 0, 1]) }
    expectRefused(scale, file: "model.safetensors", "scales are positive")
  }

  /// The optional firing rates (`codes.firing_rate`) join the invariants: present only with an
  /// autoencoder, one per hidden unit, each a fraction from 0 to 1; a bundle without them loads.
  @Test func firingRatesMustFitTheAutoencoder() throws {
    let intact = try Self.bundle()
    let rates = try SafeTensors.read(from: intact.appendingPathComponent("model.safetensors"))
      .tensors["codes.firing_rate"]
    #expect(rates?.shape == [3])
    try BundleEdit.rewriteTensors(of: intact) { $0["codes.firing_rate"] = nil }
    #expect(try TextFeaturePipeline(contentsOf: intact).firingRates == nil)
    for (values, words) in [
      ([0.5, 1.5, 0], "holds 1.5 at index 1; a firing rate is a fraction from 0 to 1"),
      ([0.5, -0.25, 0], "holds -0.25 at index 1"), ([0.5, .nan, 0], "holds nan at index 1"),
      ([0.5, 0.5], "codes.firing_rate should have shape [3] (one rate per hidden unit)"),
    ] as [([Float], String)] {
      let url = try Self.bundle()
      try BundleEdit.rewriteTensors(of: url) { $0["codes.firing_rate"] = Tensor(vector: values) }
      expectRefused(url, file: "model.safetensors", words)
    }
    // Without an autoencoder, firing rates are damage to config.json or to the tensors.
    let noAutoencoder = try Self.bundle()
    try BundleEdit.rewriteTensors(of: noAutoencoder) { tensors in
      for name in [
        "encoder.weight", "encoder.bias", "decoder.weight", "decoder.bias", "codes.mean",
        "codes.scale", "anomaly.training_scores",
      ] {
        tensors[name] = nil
      }
    }
    try editJSON(noAutoencoder) { config in
      var configuration = config["configuration"] as! [String: Any]
      configuration["autoencoder"] = nil
      configuration["classifier_input"] = "tfidf"
      config["configuration"] = configuration
    }
    expectRefused(
      noAutoencoder, file: "config.json",
      "it has no autoencoder, but model.safetensors holds 'codes.firing_rate'")
  }

  /// The safetensors reader checks its format's invariants for every file: the data is tiled
  /// by the tensors, with no gap.
  @Test func safetensorsDataMustBeTiled() throws {
    let tensors = ["a": Tensor(vector: [1, 2]), "b": Tensor(vector: [3])]
    let data = SafeTensors.encode(tensors)
    #expect(try SafeTensors.decode(data, file: "t").tensors["a"]?.values == [1, 2])
    #expect(throws: ModelFormatError.self) { try SafeTensors.decode(data + Data([0]), file: "t") }
    // A gap: 'a' claims bytes 4..<8 only, 'b' starts at 8.
    let length = Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
    var header = String(decoding: data[8..<(8 + length)], as: UTF8.self)
    header = header.replacingOccurrences(
      of: #""data_offsets":[0,8]"#, with: #""data_offsets":[4,8]"#)
    header = header.replacingOccurrences(of: #""shape":[2]"#, with: #""shape":[1]"#)
    let gapped = data.prefix(8) + Data(header.utf8) + data[(8 + length)...]
    #expect(
      throws: ModelFormatError.corrupt(file: "t", reason: "data bytes 0..<4 belong to no tensor")
    ) { try SafeTensors.decode(gapped, file: "t") }
    #expect(throws: ModelFormatError.self) {
      try SafeTensors.decode(data, file: "t", dtype: "F64")
    }
  }
}
