import Foundation

extension TextFeaturePipeline {
  /// A SHA-256 digest (64 lowercase hex digits) of everything this pipeline's embeddings
  /// depend on: the vectorizer's configuration, terms and idf weights, the autoencoder's
  /// configuration and encoder weights, and the code scaling. Two pipelines with the same
  /// digest give the same embedding for every text; an ``EmbeddingIndex`` records the digest
  /// of the pipeline it was built with and refuses queries through any other.
  ///
  /// The digest is computed from the fitted values, not from files: a pipeline fitted in memory
  /// has one, a bundle written and loaded again keeps it, and it ignores what does not change
  /// embeddings (the classifier, the decoder, the anomaly scores, the library version).
  /// Each part is hashed on its own (SHA-256 of its bytes: UTF-8 JSON for configurations and
  /// terms, float32 little-endian for weights), then the digest is the SHA-256 of the parts'
  /// names, lengths and digests in a fixed order. It takes about as long as reading the
  /// encoder's weights a few times; compute it once and keep it where it is needed often.
  public var embeddingDigest: String {
    struct Settings: Encodable {
      var vectorizer: TfidfVectorizer.Configuration
      var autoencoder: SparseAutoencoder.Configuration?
      var codeScaling: CodeScaler.Method?

      enum CodingKeys: String, CodingKey {
        case vectorizer, autoencoder
        case codeScaling = "code_scaling"
      }
    }
    let settings = Settings(
      vectorizer: configuration.vectorizer, autoencoder: autoencoder?.configuration,
      codeScaling: autoencoder == nil ? nil : configuration.codeScaling)
    var parts: [(name: String, bytes: [UInt8])] = [
      ("format", Array("sparsetext-embedding-digest 1".utf8)),
      // The encoder sorts keys and writes no insignificant space, so equal values give equal
      // bytes.
      ("settings", Array((try? JSONFormat.data(settings, pretty: false)) ?? Data())),
      (
        "terms", Array((try? JSONFormat.data(vectorizer.vocabulary.terms, pretty: false)) ?? Data())
      ),
      ("idf", Self.bytes(vectorizer.idf)),
    ]
    if let autoencoder {
      let parameters = autoencoder.parameters
      for name in ["encoder.weight", "encoder.bias"] {
        parts.append((name, Self.bytes(parameters[name]?.values ?? [])))
      }
    }
    if let codeScaler {
      let parameters = codeScaler.parameters
      for name in parameters.keys.sorted() {
        parts.append((name, Self.bytes(parameters[name]!.values)))
      }
    }
    var summary: [UInt8] = []
    for part in parts {
      summary += Array(part.name.utf8) + [0]
      withUnsafeBytes(of: UInt64(part.bytes.count).littleEndian) { summary += $0 }
      summary += Digest.sha256(part.bytes)
    }
    return Digest.hex(Digest.sha256(summary))
  }

  private static func bytes(_ values: [Float]) -> [UInt8] {
    values.map(\.bitPattern.littleEndian).withUnsafeBytes { Array($0) }
  }
}
