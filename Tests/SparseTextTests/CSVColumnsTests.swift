import Foundation
import Testing

@testable import SparseText

/// A CSV with a header and no column options is read as pandas and scikit-learn users expect
/// (issue 25, item 1): `review,stars` took the header row as a document and `stars` as the text;
/// a one-column CSV gave its header as a document.
@Suite struct CSVColumnsTests {
  private func read(
    _ text: String, name: String = "reviews.csv", options: CorpusReader.Options = .init()
  )
    throws -> (documents: [LabeledDocument], columns: CSVColumns?)
  {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-csv-columns-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let url = directory.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    let (documents, report) = try CorpusReader(contentsOf: url, options: options).readAll()
    return (documents, report.csvColumns)
  }

  static let reviews = [
    ("great phone, the battery lasts two days", "5"), ("it broke after a week of use", "1"),
    ("the screen is bright and sharp", "4"), ("slow to charge but otherwise fine", "3"),
    ("terrible customer service, never again", "1"), ("does everything I need it to do", "5"),
    ("the camera is decent for the price", "4"), ("stopped working and support did not help", "1"),
  ]

  private func csv(header: String?, _ rows: [(String, String)], quoted: Bool = true) -> String {
    let lines = rows.map { text, stars in quoted ? "\"\(text)\",\(stars)" : "\(text),\(stars)" }
    return ((header.map { [$0] } ?? []) + lines).joined(separator: "\n") + "\n"
  }

  @Test func reviewAndStarsWithAHeader() throws {
    let (documents, columns) = try read(csv(header: "review,stars", Self.reviews))
    #expect(documents.count == 8)
    #expect(documents.first?.text == "great phone, the battery lasts two days")
    #expect(documents.map(\.labels) == Self.reviews.map { [$0.1] })
    #expect(columns?.header == ["review", "stars"])
  }

  /// Names that are not known ones are recognized by what lies below them.
  @Test func unknownHeaderNamesAreRecognized() throws {
    for header in ["comment,rating", "Customer Comment,score", "\"body\",\"stars\""] {
      let (documents, columns) = try read(csv(header: header, Self.reviews))
      #expect(documents.count == 8, "\(header)")
      #expect(columns?.text == 0 && columns?.label == 1, "\(header)")
      #expect(documents.last?.labels == ["1"], "\(header)")
    }
    // Quoted headers, labels that are words, a TSV.
    let words = Self.reviews.map { ($0.0, Int($0.1)! >= 4 ? "pos" : "neg") }
    let (documents, columns) = try read(csv(header: "\"opinion\",\"polarity\"", words))
    #expect(documents.count == 8 && documents[1].labels == ["neg"])
    #expect(columns?.header == ["opinion", "polarity"])
    let tsv = (["polarity\topinion"] + words.map { "\($0.1)\t\($0.0)" }).joined(separator: "\n")
    let read = try self.read(tsv, name: "r.tsv")
    #expect(read.documents.count == 8 && read.columns?.text == 1 && read.columns?.label == 0)
  }

  @Test func filesWithoutAHeaderKeepTheirFirstRecord() throws {
    let (documents, columns) = try read(csv(header: nil, Self.reviews))
    #expect(documents.count == 8)
    #expect(columns?.header == nil)
    #expect(documents.first?.text == "great phone, the battery lasts two days")
    #expect(documents.first?.labels == ["5"])
    let words = Self.reviews.map { (Int($0.1)! >= 4 ? "pos" : "neg", $0.0) }
    let swapped = try read(words.map { "\($0.0),\"\($0.1)\"" }.joined(separator: "\n"))
    #expect(swapped.documents.count == 8)
    #expect(swapped.columns?.text == 1 && swapped.columns?.label == 0)
    #expect(swapped.documents[0].labels == ["pos"])
  }

  /// A one-column CSV with a header never yields the header as a document.
  @Test func oneColumnWithAndWithoutAHeader() throws {
    let texts = Self.reviews.map { "\"\($0.0)\"" }
    for header in ["review", "text", "comment", "\"Review Text\""] {
      let (documents, columns) = try read(([header] + texts).joined(separator: "\n"))
      #expect(documents.count == 8, "\(header)")
      #expect(documents.first?.text == "great phone, the battery lasts two days", "\(header)")
      #expect(columns?.header != nil, "\(header)")
    }
    let (documents, columns) = try read(texts.joined(separator: "\n"))
    #expect(documents.count == 8)
    #expect(columns?.header == nil)
  }

  /// Numeric columns are not text; an id column (all distinct) is not a label; pandas' unnamed
  /// index column is ignored.
  @Test func numericAndIdColumns() throws {
    let rows = Self.reviews.enumerated().map { k, review in "\(k),\"\(review.0)\",\(review.1)" }
    let (documents, columns) = try read(([",review_text,stars"] + rows).joined(separator: "\n"))
    #expect(documents.count == 8)
    #expect(columns?.text == 1 && columns?.label == 2)
    #expect(documents[1].text == "it broke after a week of use")
    let numbered = try read((["id,body,score"] + rows).joined(separator: "\n"))
    #expect(numbered.columns?.text == 1 && numbered.columns?.label == 2)
    #expect(numbered.documents.map(\.id) == (0..<8).map(String.init))
  }

  /// Two columns that both look like text: an error that names them and the option to set.
  @Test func twoTextColumnsAreAnError() throws {
    let rows = Self.reviews.map { "\"\($0.0)\",\"\($0.0) and more words here\"" }
    do {
      _ = try read((["question1,question2"] + rows).joined(separator: "\n"))
      Issue.record("an ambiguous text column was guessed")
    } catch let error as ConfigurationError {
      let text = "\(error)"
      #expect(text.contains("'question1'") && text.contains("'question2'"), "\(text)")
      #expect(text.contains("`textColumn`"), "\(text)")
    }
    let chosen = try read(
      (["question1,question2"] + rows).joined(separator: "\n"),
      options: .init(textColumn: "question2"))
    #expect(chosen.documents.first?.text.hasSuffix("and more words here") == true)
  }

  /// Two columns that both look like labels: none is taken, and both are named.
  @Test func twoLabelColumnsAreNotGuessed() throws {
    let rows = Self.reviews.map { "\"\($0.0)\",\($0.1),\(Int($0.1)! % 2 == 0 ? "yes" : "no")" }
    let (documents, columns) = try read((["review,stars,verified"] + rows).joined(separator: "\n"))
    #expect(documents.count == 8 && documents.allSatisfy { $0.labels.isEmpty })
    #expect(columns?.ambiguousLabels == ["stars", "verified"])
    let named = try read(
      (["review,stars,verified"] + rows).joined(separator: "\n"),
      options: .init(labelColumn: "verified"))
    #expect(named.documents.first?.labels == ["no"])
  }

  /// The issue's target: a two-column CSV of reviews with a header gives a working classifier
  /// with no column options.
  @Test func aReviewsCSVFitsAClassifier() throws {
    let rows = (0..<6).flatMap { _ in Self.reviews }.map {
      ($0.0, Int($0.1)! >= 4 ? "positive" : "negative")
    }
    let (documents, _) = try read(csv(header: "review,sentiment", rows))
    let pipeline = try TextFeaturePipeline(
      fitting: documents.map(\.text), labels: documents.map { $0.label ?? "" },
      configuration: .init(autoencoder: nil, cValues: [10]))
    #expect(pipeline.classes == ["negative", "positive"])
    #expect(try pipeline.predict(["great phone, battery lasts"]) == ["positive"])
  }
}
