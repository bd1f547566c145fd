// README example begin: getting started imports
import Foundation
import SparseText
// README example end
import Testing

/// The DocC article "Getting started", steps 1 to 4, run as written: this file imports only
/// what the article's first block imports (imports are per file, so the article's code
/// compiles in a fresh file), and each marked region is the article's block, line for line
/// (`DocumentationExampleTests` checks it), with its files in a temporary folder instead of
/// the working directory. Then the command line the article names must write the same bundle.
@Suite struct GettingStartedTests {
  /// `reviews.csv` with a header (`text`, `sentiment`) and two kinds of review.
  static func reviews(in directory: URL) throws {
    let good = ["great", "battery", "lasts", "love", "camera", "fast", "would", "buy"]
    let bad = ["awful", "broke", "slow", "return", "screen", "cracked", "never", "again"]
    var rows = ["text,sentiment"]
    for i in 0..<40 {
      let words = i % 2 == 0 ? good : bad
      let text = (0..<5).map { words[(i + 3 * $0) % words.count] }.joined(separator: " ")
      rows.append("\"\(text), phone\",\(i % 2 == 0 ? "positive" : "negative")")
    }
    try (rows.joined(separator: "\n") + "\n").write(
      to: directory.appendingPathComponent("reviews.csv"), atomically: true, encoding: .utf8)
  }

  @Test func stepsOneToFourRunAndTheCommandLineWritesTheSameBundle() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-getting-started-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    try Self.reviews(in: directory)
    // README example begin: getting started 1
    let (documents, report) = try CorpusReader(
      contentsOf: directory.appendingPathComponent("reviews.csv"),
      options: .init(labelColumn: "sentiment")
    ).readAll()
    print("\(documents.count) documents, \(report.replacedBytes) bytes replaced")
    // README example end
    #expect(documents.count == 40 && documents[0].label == "positive")
    // README example begin: getting started 2
    let pipeline = try TextFeaturePipeline(
      fitting: documents.map(\.text),
      labels: documents.map { $0.label ?? "none" },
      configuration: .init(
        vectorizer: .init(
          counting: .init(minDocumentFrequency: .count(2), maxFeatures: 10_000),
          weighting: .init(sublinearTF: true)),
        autoencoder: .init(hiddenUnits: 256, epochs: 20),
        cValues: [10]),
      progress: { event in
        if case .autoencoder(.epoch(let summary)) = event {
          print("epoch \(summary.epoch): loss \(summary.loss)")
        }
      })
    try pipeline.write(to: directory.appendingPathComponent("model"))
    // README example end
    #expect(pipeline.classifier?.configuration.inverseRegularization == 10)
    // README example begin: getting started 3
    let model = try TextFeaturePipeline(contentsOf: directory.appendingPathComponent("model"))
    let vectors = try model.embeddings(for: ["great phone, awful battery", "would buy again"])
    let labels = try model.predict(["would buy again"])
    let probabilities = try model.probabilities(for: ["would buy again"])
    // README example end
    #expect(vectors.rows == 2 && vectors.columns == 256)
    #expect(labels == ["positive"])
    #expect(probabilities.columns == 2)
    // README example begin: getting started 4
    for unit in 0..<8 {
      print(unit, try model.topTerms(latent: unit, count: 6).map(\.term))
    }
    // README example end

    // The command line the article gives, run as written in the same folder.
    let article = try String(
      contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/SparseText/Documentation.docc/GettingStarted.md"),
      encoding: .utf8
    ).replacingOccurrences(of: "\n", with: " ")
    let start = try #require(article.range(of: "`sparsetext fit "))
    let end = try #require(article[start.upperBound...].firstIndex(of: "`"))
    let command = article[article.index(after: start.lowerBound)..<end]
    let cli = directory.appendingPathComponent("cli")
    let arguments = command.split(separator: " ").dropFirst().map { word -> String in
      switch word {
      case "reviews.csv": directory.appendingPathComponent("reviews.csv").path
      case "model/": cli.path
      default: String(word)
      }
    }
    let fit = try CLI.run(arguments + ["-q"])
    #expect(fit.status == 0, "\(command): \(fit.stderr)")
    for file in ["config.json", "vocabulary.json", "model.safetensors"] {
      let library = try Data(contentsOf: directory.appendingPathComponent("model/\(file)"))
      let commandLine = try Data(contentsOf: cli.appendingPathComponent(file))
      #expect(library == commandLine, "\(file) differs: \(command)")
    }
  }
}
