// Fits a small pipeline on a handful of sentences (or loads a bundle given as the first
// argument), embeds three sentences and prints their cosine similarities.
//
//   swift run EmbeddingsQuickstart            # fit on the built-in sentences
//   swift run EmbeddingsQuickstart out/bbc-model
import Foundation
import SparseText

let corpus = [
  "the striker scored a late goal and the team won the match",
  "the coach praised the team after the cup match",
  "the league season ends with a goal from the striker",
  "shares fell as the bank reported lower profit",
  "investors sold shares after the market fell",
  "the central bank raised rates to slow the market",
  "the new phone has a faster chip and a better camera",
  "the software update brings a new camera app to the phone",
]

let pipeline: TextFeaturePipeline
if CommandLine.arguments.count > 1 {
  pipeline = try TextFeaturePipeline(contentsOf: URL(fileURLWithPath: CommandLine.arguments[1]))
} else {
  pipeline = try TextFeaturePipeline(
    fitting: corpus,
    configuration: .init(
      vectorizer: .init(counting: .init(tokenizer: .init(stopWords: StopWords.english))),
      autoencoder: .init(
        hiddenUnits: 6, sparsityTarget: 0.2, inputScale: 3, learningRate: 0.01, epochs: 200,
        batchSize: 4),
      classifier: nil))
}

let sentences = [
  "a late goal won the cup for the team",
  "the striker's goal decided the match",
  "the bank cut rates as shares fell",
]
let vectors = try pipeline.embeddings(for: sentences)

/// Cosine similarity of the centered codes. Sigmoid codes share a small baseline activation on
/// every unit (about ρ), which would make all raw cosines high; centering compares which units
/// stand out.
func cosine(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Float {
  let meanA = a.reduce(0, +) / Float(a.count)
  let meanB = b.reduce(0, +) / Float(b.count)
  let x = a.map { $0 - meanA }
  let y = b.map { $0 - meanB }
  let dot = zip(x, y).reduce(0) { $0 + $1.0 * $1.1 }
  let norms = (x.reduce(0) { $0 + $1 * $1 } * y.reduce(0) { $0 + $1 * $1 }).squareRoot()
  return norms > 0 ? dot / norms : 0
}

print("embedding size: \(vectors.columns)")
for i in 0..<sentences.count {
  for j in (i + 1)..<sentences.count {
    let similarity = cosine(vectors.row(i), vectors.row(j))
    print(String(format: "%.3f  %@  ↔  %@", similarity, sentences[i], sentences[j]))
  }
}
