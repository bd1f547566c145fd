import ArgumentParser
import Foundation
import SparseText

struct Encode: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract:
      "Compute sparse codes: from a TF-IDF .npz with an autoencoder directory, or from text with a model bundle.",
    discussion: """
      Examples:
        sparsetext encode sae/ x.npz -o codes.npy
        sparsetext encode model/ reviews.txt -o codes.jsonl
      Outputs: .npy (float32, documents × hidden), .jsonl (one {"id", "code"} per line) or .csv.
      """)

  @Argument(help: "An autoencoder directory (train-sae) or a model bundle (fit).")
  var model: String

  @Argument(help: "A .npz TF-IDF matrix (autoencoder directory) or a corpus (model bundle).")
  var input: String

  @Option(name: .shortAndLong, help: "codes.npy, codes.jsonl or codes.csv.")
  var output: String

  @OptionGroup var global: GlobalOptions

  @OptionGroup var read: ReadOptions

  func run() throws {
    let modelURL = URL(fileURLWithPath: model)
    let codes: DenseMatrix
    var ids: [String]?
    if try ModelDirectory.kind(of: modelURL) == .autoencoder {
      let sae = try SparseAutoencoder(contentsOf: modelURL)
      let x = try SparseMatrix.readNPZ(from: URL(fileURLWithPath: input))
      guard x.columns == sae.inputColumns else {
        throw DataError.shapeMismatch(
          what: "columns of \(input)", expected: "\(sae.inputColumns) (the model's vocabulary)",
          actual: "\(x.columns)")
      }
      codes = sae.encode(x)
    } else {
      let pipeline = try TextFeaturePipeline(contentsOf: modelURL)
      guard pipeline.autoencoder != nil else {
        throw CommandError.usage(
          "this model has no autoencoder; use `sparsetext vectorize --model` for TF-IDF")
      }
      let documents = try read.read(input)
      ids = documents.map(\.id)
      codes = pipeline.embeddings(for: documents.map(\.text))
    }
    try DenseOutput.write(codes, ids: ids, to: URL(fileURLWithPath: output))
    Terminal.note("\(codes.rows) codes of \(codes.columns) units → \(output)", quiet: global.quiet)
  }
}

/// Which kind of model directory a path is.
enum ModelDirectory {
  enum Kind { case autoencoder, bundle }

  static func kind(of url: URL) throws -> Kind {
    let configURL = url.appendingPathComponent("config.json")
    guard let data = try? Data(contentsOf: configURL),
      let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
      let format = object["format"] as? String
    else {
      throw ModelFormatError.missingFile(file: configURL.path)
    }
    switch format {
    case SparseAutoencoder.formatName: return .autoencoder
    case TextFeaturePipeline.formatName: return .bundle
    default:
      throw ModelFormatError.corrupt(file: configURL.path, reason: "unknown format '\(format)'")
    }
  }
}

/// Dense matrices to .npy, .jsonl or .csv by extension, atomically.
enum DenseOutput {
  static func write(_ matrix: DenseMatrix, ids: [String]?, to url: URL) throws {
    switch url.pathExtension.lowercased() {
    case "npy":
      try NumPyArray.write(matrix, to: url)
    case "jsonl", "ndjson":
      var text = ""
      for r in 0..<matrix.rows {
        let values = matrix.row(r).map { "\($0)" }.joined(separator: ",")
        let id = ids?[r] ?? String(r)
        let encodedID = String(decoding: try JSONEncoder().encode(id), as: UTF8.self)
        text += "{\"id\":\(encodedID),\"code\":[\(values)]}\n"
      }
      try AtomicFile.write(Data(text.utf8), to: url)
    case "csv":
      var text = ""
      for r in 0..<matrix.rows {
        text += matrix.row(r).map { "\($0)" }.joined(separator: ",") + "\n"
      }
      try AtomicFile.write(Data(text.utf8), to: url)
    default:
      throw CommandError.usage(
        "write codes to a .npy, .jsonl or .csv file, not '\(url.lastPathComponent)'")
    }
  }
}
