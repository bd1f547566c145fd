import Foundation
import Testing

@testable import SparseText

/// The model bundle's key style and format versions: version 3 writes snake_case keys and the
/// nested vectorizer configuration; bundles of versions 1 and 2, written by earlier builds in
/// camelCase with a flat vectorizer, still load.
@Suite struct BundleFormatTests {
  static let documents = [
    "the fox runs fast", "a fox and the dog", "rates rise at the bank", "the bank lends at rates",
  ]
  static let labels = ["a", "a", "b", "b"]

  /// `config.json` as the build before format version 3 wrote it for `documents` (fitted with
  /// `sparsetext fit --hidden 2 --epochs 2 --batch-size 2 --C 1`).
  static let versionTwoConfig = #"""
    {"classes":["a","b"],"configuration":{"anomalyScore":"ownTermsError","autoencoder":{"activ\#
    ation":"sigmoid","activeThreshold":0.1,"batchSize":2,"epochs":2,"hiddenUnits":2,"inputScal\#
    e":2.2360679861968933,"l1Weight":0,"loss":"mse","momentum":0.9,"optimizer":"adam","output"\#
    :"identity","patience":3,"seed":13,"sparsityTarget":0.05,"sparsityWeight":3,"tiedWeights":\#
    false,"unitNormDecoder":false,"validationFraction":0,"weightDecay":0.0001},"cValues":[1],"\#
    classifier":{"classWeight":"none","fitIntercept":true,"inverseRegularization":1,"maxIterat\#
    ions":1000,"tolerance":0.0001},"codeScaling":"standardize","folds":3,"outlierQuantile":0.9\#
    9,"vectorizer":{"binary":false,"maxDocumentFrequency":{"fraction":{"_0":1}},"minDocumentFr\#
    equency":{"count":{"_0":2}},"norm":"l2","smoothIDF":true,"sublinearTF":true,"tokenizer":{"\#
    analyzer":"word","joinApostrophes":true,"joinHyphens":false,"keepEmoji":true,"lowercase":t\#
    rue,"minimumTokenLength":2,"ngrams":[1,1],"normalizeSocialText":false,"preset":"unicode","\#
    splitUnspacedScripts":true,"stopWords":[],"stripAccents":"none"},"useIDF":true}},"format":\#
    "sparsetext-model","format_version":2,"library_version":"0.1.0","unicode_version":"15.0.0"\#
    ,"utf8proc_version":"2.8.0","vocabulary_size":5}
    """#

  /// The same, as format version 1 held it (no code scaling, C grid, folds or anomaly fields).
  static let versionOneConfig = #"""
    {"classes":["a","b"],"configuration":{"autoencoder":{"activation":"sigmoid","activeThresho\#
    ld":0.1,"batchSize":2,"epochs":2,"hiddenUnits":2,"inputScale":2.2360679861968933,"l1Weight\#
    ":0,"loss":"mse","momentum":0.9,"optimizer":"adam","output":"identity","patience":3,"seed"\#
    :13,"sparsityTarget":0.05,"sparsityWeight":3,"tiedWeights":false,"validationFraction":0,"w\#
    eightDecay":0.0001},"classifier":{"classWeight":"none","fitIntercept":true,"inverseRegular\#
    ization":1,"maxIterations":1000,"tolerance":0.0001},"vectorizer":{"binary":false,"maxDocum\#
    entFrequency":{"fraction":{"_0":1}},"minDocumentFrequency":{"count":{"_0":2}},"norm":"l2",\#
    "smoothIDF":true,"sublinearTF":true,"tokenizer":{"analyzer":"word","joinApostrophes":true,\#
    "joinHyphens":false,"keepEmoji":true,"lowercase":true,"minimumTokenLength":2,"ngrams":[1,1\#
    ],"normalizeSocialText":false,"preset":"unicode","splitUnspacedScripts":true,"stopWords":[\#
    ],"stripAccents":"none"},"useIDF":true}},"format":"sparsetext-model","format_version":1,"l\#
    ibrary_version":"0.1.0","unicode_version":"15.0.0","utf8proc_version":"2.8.0","vocabulary_\#
    size":5}
    """#

  static func temporaryDirectory() -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-bundle-format-\(UUID().uuidString)")
  }

  /// A bundle with the tensors of a fit like the one `config` describes, and `config` as its
  /// `config.json`.
  /// The tensors are rewritten as a build of that `version` wrote them: no checksums, and
  /// version 1 had no code scaler.
  static func bundle(config: String, version: Int) throws -> (
    url: URL, fitted: TextFeaturePipeline
  ) {
    let fitted = try TextFeaturePipeline(
      fitting: documents, labels: labels,
      configuration: .init(
        autoencoder: .init(hiddenUnits: 2, epochs: 2, batchSize: 2), classifierInput: .codes,
        cValues: [1]))
    let url = temporaryDirectory()
    try fitted.write(to: url)
    try Data(config.utf8).write(to: url.appendingPathComponent("config.json"))
    try BundleEdit.rewriteTensors(of: url, asVersion: version) { tensors in
      if version == 1 {
        tensors["codes.mean"] = nil
        tensors["codes.scale"] = nil
      }
    }
    return (url, fitted)
  }

  @Test func aVersionTwoBundleWrittenByTheEarlierBuildLoads() throws {
    let (url, fitted) = try Self.bundle(config: Self.versionTwoConfig, version: 2)
    defer { try? FileManager.default.removeItem(at: url) }
    let loaded = try TextFeaturePipeline(contentsOf: url)
    let vectorizer = loaded.configuration.vectorizer
    #expect(vectorizer.counting.minDocumentFrequency == .count(2))
    #expect(vectorizer.counting.maxDocumentFrequency == .fraction(1))
    #expect(vectorizer.counting.tokenizer == .unicode)
    #expect(vectorizer.weighting == .init(sublinearTF: true))
    #expect(loaded.configuration.autoencoder?.hiddenUnits == 2)
    #expect(loaded.configuration.autoencoder?.inputScale == 2.2360679861968933)
    #expect(loaded.configuration.classifier?.maxIterations == 1000)
    #expect(loaded.configuration.codeScaling == .standardize)
    #expect(loaded.configuration.cValues == [1])
    #expect(loaded.classes == ["a", "b"])
    #expect(loaded.vectorizer.vocabulary.terms == fitted.vectorizer.vocabulary.terms)
    #expect(try loaded.predict(Self.documents).count == 4)
  }

  @Test func aVersionOneBundleWrittenByTheEarlierBuildLoads() throws {
    let (url, _) = try Self.bundle(config: Self.versionOneConfig, version: 1)
    defer { try? FileManager.default.removeItem(at: url) }
    let loaded = try TextFeaturePipeline(contentsOf: url)
    #expect(loaded.configuration.vectorizer.counting.minDocumentFrequency == .count(2))
    #expect(loaded.configuration.autoencoder?.unitNormDecoder == false)
    // Version 1 had no code scaling and took the classifier's own C.
    #expect(loaded.configuration.codeScaling == .none)
    #expect(loaded.codeScaler == nil)
    #expect(loaded.configuration.cValues == [1])
  }

  /// Every key of a version 3 (and 4) `config.json` is snake_case, and no enum payload is written as
  /// `{"_0": …}`.
  @Test func versionThreeWritesOneKeyStyle() throws {
    let fitted = try TextFeaturePipeline(
      fitting: Self.documents, labels: Self.labels,
      configuration: .init(autoencoder: .init(hiddenUnits: 2, epochs: 1, batchSize: 2)))
    let url = Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: url) }
    try fitted.write(to: url)
    let tree = try JSONSerialization.jsonObject(
      with: Data(contentsOf: url.appendingPathComponent("config.json")))
    var keys: [String] = []
    func collect(_ value: Any) {
      if let object = value as? [String: Any] {
        for (key, child) in object {
          keys.append(key)
          collect(child)
        }
      } else if let array = value as? [Any] {
        array.forEach(collect)
      }
    }
    collect(tree)
    #expect(keys.contains("min_document_frequency"))
    #expect(keys.contains("sublinear_tf"))
    #expect(keys.contains("hidden_units"))
    #expect(!keys.contains("_0"))
    let odd = keys.filter { $0 != JSONFormat.snakeCase($0) || $0.contains(where: \.isUppercase) }
    #expect(odd.isEmpty, "keys not in snake_case: \(odd)")
    let object = tree as? [String: Any]
    #expect(object?["format_version"] as? Int == TextFeaturePipeline.formatVersion)
    let loaded = try TextFeaturePipeline(contentsOf: url)
    #expect(loaded.configuration == fitted.configuration)
  }

  /// A fraction of 1 and a count of 1 stay apart through JSON.
  @Test func documentFrequencyBoundsKeepTheirKind() throws {
    for bound: DocumentFrequencyBound in [.count(1), .fraction(1), .count(0), .fraction(0.25)] {
      let data = try JSONFormat.data(bound, pretty: false)
      #expect(try JSONDecoder().decode(DocumentFrequencyBound.self, from: data) == bound)
    }
    #expect(
      String(
        decoding: try JSONFormat.data(DocumentFrequencyBound.count(2), pretty: false), as: UTF8.self
      ) == #"{"count":2}"#)
    #expect(throws: DecodingError.self) {
      try JSONDecoder().decode(
        DocumentFrequencyBound.self, from: Data(#"{"count":1,"fraction":0.5}"#.utf8))
    }
  }

  @Test func snakeCaseHandlesAcronymsAndDigits() {
    #expect(JSONFormat.snakeCase("minDocumentFrequency") == "min_document_frequency")
    #expect(JSONFormat.snakeCase("useIDF") == "use_idf")
    #expect(JSONFormat.snakeCase("sublinearTF") == "sublinear_tf")
    #expect(JSONFormat.snakeCase("cValues") == "c_values")
    #expect(JSONFormat.snakeCase("l1Weight") == "l1_weight")
    #expect(JSONFormat.snakeCase("topK") == "top_k")
    #expect(JSONFormat.snakeCase("already_snake") == "already_snake")
  }

  /// A configuration file is read in this build's form and in the camelCase form of earlier
  /// bundles; anything else is an invalid configuration file, not a data error.
  @Test func configurationFilesOfBothFormsAreReadAndBadOnesNamed() throws {
    let directory = Self.temporaryDirectory()
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let legacy = try JSONSerialization.jsonObject(with: Data(Self.versionTwoConfig.utf8))
    let legacyURL = directory.appendingPathComponent("legacy.json")
    try JSONSerialization.data(withJSONObject: (legacy as! [String: Any])["configuration"]!)
      .write(to: legacyURL)
    let fromLegacy = try TextFeaturePipeline.Configuration(contentsOf: legacyURL)
    #expect(fromLegacy.vectorizer.counting.minDocumentFrequency == .count(2))
    #expect(fromLegacy.autoencoder?.hiddenUnits == 2)
    let currentURL = directory.appendingPathComponent("current.json")
    try JSONFormat.data(fromLegacy).write(to: currentURL)
    #expect(try TextFeaturePipeline.Configuration(contentsOf: currentURL) == fromLegacy)
    // A whole bundle config.json gives its configuration object.
    let wholeURL = directory.appendingPathComponent("config.json")
    try Data(Self.versionTwoConfig.utf8).write(to: wholeURL)
    #expect(try TextFeaturePipeline.Configuration(contentsOf: wholeURL) == fromLegacy)
    let badURL = directory.appendingPathComponent("bad.json")
    try Data(#"{"vectorizer": 3}"#.utf8).write(to: badURL)
    #expect {
      try TextFeaturePipeline.Configuration(contentsOf: badURL)
    } throws: { error in
      guard case ConfigurationError.invalidFile(let file, _) = error else { return false }
      return file == badURL.path
    }
  }

  /// `null` or `42` is JSON, but not a configuration (it was called "not valid JSON"); a key
  /// no configuration has is named (it was ignored without a word).
  @Test func configurationFilesThatAreNotObjectsOrHaveUnknownKeysAreNamed() throws {
    let directory = Self.temporaryDirectory()
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    func reason(_ text: String) throws -> String? {
      let url = directory.appendingPathComponent("c.json")
      try Data(text.utf8).write(to: url)
      do {
        _ = try TextFeaturePipeline.Configuration(contentsOf: url)
        return nil
      } catch ConfigurationError.invalidFile(let file, let reason) {
        #expect(file == url.path)
        return reason
      }
    }
    #expect(try reason("null") == "it holds null, not a JSON object")
    #expect(try reason("42") == "it holds a number, not a JSON object")
    #expect(try reason("[1]") == "it holds an array, not a JSON object")
    #expect(try reason("{").map { $0.hasPrefix("not valid JSON (") } == true)
    let unknown = try reason(#"{"autoencoder": {"hiden_units": 8}}"#)
    #expect(unknown?.hasPrefix("'autoencoder.hiden_units' is not a configuration key") == true)
    #expect(unknown?.contains("hidden_units") == true)
    #expect(try reason(#"{"foldz": 3}"#)?.hasPrefix("'foldz' is not") == true)
    // Keys that are known, optional keys set to null, and a partial file are fine.
    #expect(
      try reason(
        #"{"folds": 4, "classifier_input": null, "autoencoder": {"top_k": 8, "input_scale": null}}"#
      ) == nil)
    #expect(try reason(#"{"vectorizer": {"counting": {"max_features": 100}}}"#) == nil)
  }
}
