import Foundation
import Testing

@testable import SparseText
@testable import SparseTextExperiments

/// The classifier's own terms (`Configuration.classifierNgrams`): word pairs for the classifier
/// while the autoencoder keeps the vectorizer's words, recorded and checked in the bundle.
@Suite struct ClassifierTermsTests {
  static let small = SparseAutoencoder.Configuration(hiddenUnits: 6, epochs: 3, batchSize: 8)

  /// Two classes that words alone cannot tell apart: each class is a word order ("not good"
  /// against "good not"), so only word pairs separate them.
  static func orderCorpus(_ count: Int) -> (texts: [String], labels: [String]) {
    let fillers = ["film", "plot", "actor", "scene", "music", "story"]
    var texts: [String] = []
    var labels: [String] = []
    for i in 0..<count {
      let filler = fillers[i % fillers.count]
      let other = fillers[(i / 2 + 1) % fillers.count]
      if i % 2 == 0 {
        texts.append("the \(filler) was not good at all \(other)")
        labels.append("negative")
      } else {
        texts.append("the \(filler) was good not at all \(other)")
        labels.append("positive")
      }
    }
    return (texts, labels)
  }

  @Test func byDefaultTheClassifierReadsWordPairsAndTheAutoencoderWords() throws {
    let (texts, labels) = Self.orderCorpus(40)
    let fitted = try TextFeaturePipeline(
      fitting: texts, labels: labels, configuration: .init(autoencoder: Self.small))
    let terms = try #require(fitted.classifierVectorizer)
    #expect(fitted.configuration.classifierNgrams == 1...2)
    #expect(terms.vocabulary.terms.contains("not good"))
    #expect(!fitted.vectorizer.vocabulary.terms.contains("not good"))
    #expect(fitted.autoencoder?.inputColumns == fitted.vectorizer.vocabulary.count)
    // Word order is all that separates the classes: pairs classify them, words alone cannot.
    let choice = try #require(fitted.classifierChoice)
    #expect(choice.input == .tfidf || choice.input == .nbsvm)
    #expect(try fitted.predict(texts) == labels)
    let wordsOnly = try TextFeaturePipeline(
      fitting: texts, labels: labels,
      configuration: .init(autoencoder: nil, classifierNgrams: nil))
    #expect(wordsOnly.classifierVectorizer == nil)
    #expect(wordsOnly.configuration.classifierNgrams == nil)
    let right = zip(try wordsOnly.predict(texts), labels).filter { $0 == $1 }.count
    #expect(right < texts.count)
  }

  @Test func theConfigurationRecordsNoRangeWhenTheClassifierReadsTheVectorizersTerms() throws {
    let (texts, labels) = Self.orderCorpus(30)
    var pairs = TextFeaturePipeline.Configuration.recommendedVectorizer
    pairs.counting.tokenizer.ngrams = 1...2
    let cases: [(String, TextFeaturePipeline)] = [
      (
        "the vectorizer's own range",
        try TextFeaturePipeline(
          fitting: texts, labels: labels, configuration: .init(vectorizer: pairs, autoencoder: nil))
      ),
      (
        "codes only",
        try TextFeaturePipeline(
          fitting: texts, labels: labels,
          configuration: .init(autoencoder: Self.small, classifierInput: .codes))
      ),
      (
        "no labels",
        try TextFeaturePipeline(fitting: texts, configuration: .init(autoencoder: Self.small))
      ),
    ]
    for (name, pipeline) in cases {
      #expect(pipeline.classifierVectorizer == nil, "\(name)")
      #expect(pipeline.configuration.classifierNgrams == nil, "\(name)")
    }
  }

  @Test func aBundleKeepsTheClassifiersTerms() throws {
    let (texts, labels) = Self.orderCorpus(40)
    let fitted = try TextFeaturePipeline(
      fitting: texts, labels: labels, configuration: .init(autoencoder: Self.small))
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("terms-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: url) }
    try fitted.write(to: url)
    let file = url.appendingPathComponent(TextFeaturePipeline.classifierVocabularyFile)
    let stored = try JSONDecoder().decode([String].self, from: Data(contentsOf: file))
    #expect(stored == fitted.classifierVectorizer?.vocabulary.terms)
    let loaded = try TextFeaturePipeline(contentsOf: url)
    #expect(loaded.configuration == fitted.configuration)
    #expect(loaded.classifierVectorizer?.idf == fitted.classifierVectorizer?.idf)
    #expect(try loaded.probabilities(for: texts) == fitted.probabilities(for: texts))
    #expect(try loaded.embeddings(for: texts) == fitted.embeddings(for: texts))

    // Without its terms, the bundle is refused, naming the file.
    try FileManager.default.removeItem(at: file)
    #expect {
      try TextFeaturePipeline(contentsOf: url)
    } throws: { error in
      guard let error = error as? ModelFormatError else { return false }
      return error.description.contains(TextFeaturePipeline.classifierVocabularyFile)
    }
    // Edited terms fail the checksum.
    var edited = stored
    edited.swapAt(0, 1)
    try JSONEncoder().encode(edited).write(to: file)
    #expect(throws: ModelFormatError.self) { try TextFeaturePipeline(contentsOf: url) }
    // A classifier idf without the configuration's range (metadata without checksums, as an
    // earlier build wrote it) breaks an invariant.
    try JSONEncoder().encode(stored).write(to: file)
    try BundleEdit.rewriteTensors(of: url) { $0["classifier.idf"] = nil }
    #expect {
      try TextFeaturePipeline(contentsOf: url)
    } throws: { error in
      "\(error)".contains("classifier.idf")
    }
  }

  /// A bundle of format 4 (before the classifier had terms of its own: no `classifier_ngrams`,
  /// no classifier vocabulary) loads, and its classifier reads the vectorizer's terms.
  @Test func aFormatFourBundleLoadsWithTheVectorizersTerms() throws {
    let (texts, labels) = Self.orderCorpus(30)
    let fitted = try TextFeaturePipeline(
      fitting: texts, labels: labels,
      configuration: .init(autoencoder: Self.small, classifierNgrams: nil))
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("format4-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: url) }
    try fitted.write(to: url)
    try BundleEdit.rewriteTensors(of: url, asVersion: 4)
    let file = url.appendingPathComponent("config.json")
    var object = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
    var configuration = try #require(object["configuration"] as? [String: Any])
    #expect(configuration.keys.contains("classifier_ngrams") == false)
    configuration["choice_search"] = nil
    object["configuration"] = configuration
    object["format_version"] = 4
    try JSONSerialization.data(withJSONObject: object).write(to: file)
    let loaded = try TextFeaturePipeline(contentsOf: url)
    #expect(loaded.classifierVectorizer == nil)
    #expect(loaded.configuration.classifierNgrams == nil)
    #expect(loaded.configuration.choiceSearch == .exhaustive)
    #expect(try loaded.predict(texts) == fitted.predict(texts))
  }

  @Test func aRangeOutsideTheTokenizersLimitsIsRefusedByName() {
    #expect {
      try TextFeaturePipeline.Configuration(classifierNgrams: 1...40).validate()
    } throws: { error in
      guard case ConfigurationError.outOfRange(.classifierNgrams, _, _) = error else {
        return false
      }
      return true
    }
  }
}

/// `experiment`'s `best` arm reads the classifier's terms as `fit` does; the other arms keep the
/// vectorizer's.
@Suite struct ExperimentClassifierTermsTests {
  static func documents(_ count: Int, offset: Int = 0) -> [LabeledDocument] {
    let (texts, labels) = ClassifierTermsTests.orderCorpus(count)
    return texts.indices.map {
      LabeledDocument(id: "\($0 + offset)", text: texts[$0], labels: [labels[$0]], line: $0 + 1)
    }
  }

  @Test func theBestArmReadsWordPairs() throws {
    let train = Self.documents(60)
    let test = Self.documents(20, offset: 60)
    let vocabulary = try TfidfVectorizer(
      fitting: train.map(\.text),
      configuration: TextFeaturePipeline.Configuration.recommendedVectorizer
    ).vocabulary.count
    for ngrams in [1...2, nil] as [ClosedRange<Int>?] {
      let result = try Experiment(.init(autoencoder: nil, cValues: [1], classifierNgrams: ngrams))
        .run(train: train, test: test)
      let best = try #require(result.pipelines.first { $0.name == .best })
      let tfidf = try #require(result.pipelines.first { $0.name == .tfidf })
      #expect(tfidf.features == vocabulary)
      if ngrams == nil {
        #expect(best.features == vocabulary)
        #expect(best.accuracy < 1)
      } else {
        // Word order is all that tells the classes apart.
        #expect(best.features > vocabulary)
        #expect(best.accuracy == 1)
        #expect(tfidf.accuracy < 1)
      }
    }
  }
}

/// `experiment`'s `best` arm is a pipeline fitted as `fit` fits it: the same choice and the same
/// test accuracy as `TextFeaturePipeline(fitting:…)` with the same settings; each label
/// fraction's `best` is fitted with that fraction's labels only.
@Suite struct ExperimentBestArmTests {
  @Test func theBestArmIsWhatFitBundles() throws {
    let train = ExperimentClassifierTermsTests.documents(60)
    let test = ExperimentClassifierTermsTests.documents(20, offset: 60)
    let sae = SparseAutoencoder.Configuration(
      hiddenUnits: 6, epochs: 3, batchSize: 8, seed: 5, labelWeight: 0.1)
    let result = try Experiment(
      .init(autoencoder: sae, cValues: [1, 10], labelFractions: [0.5], seed: 5)
    ).run(train: train, test: test)
    let fitted = try TextFeaturePipeline(
      fitting: train.map(\.text), labels: train.map { $0.labels[0] },
      configuration: .init(
        autoencoder: sae, cValues: [1, 10], choiceSearch: .exhaustive))
    let best = try #require(result.pipelines.first { $0.name == .best })
    #expect(best.input == fitted.classifierChoice?.input)
    #expect(best.c == fitted.classifierChoice?.c)
    let predicted = try fitted.predict(test.map(\.text))
    let right = zip(predicted, test.map { $0.labels[0] }).filter { $0 == $1 }.count
    #expect(best.accuracy == Double(right) / Double(test.count))
    #expect(result.pipelines.contains { $0.name == .labelCodes })
    let curve = result.learningCurve.filter { $0.fraction == 0.5 }
    #expect(Set(curve.map(\.pipeline)).isSuperset(of: [.best, .labelCodes, .tfidf]))
    #expect(curve.allSatisfy { $0.labelled == 30 })
  }
}
