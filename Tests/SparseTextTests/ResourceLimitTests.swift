import Foundation
import Testing

@testable import SparseText

/// Hostile numbers and sizes end in a clear error before anything is allocated (issue 24,
/// item 3): `--hidden 9223372036854775807` and `--batch-size 9223372036854775807` trapped on
/// arithmetic overflow, `fit --hidden 1099511627776` aborted on a failed allocation.
@Suite struct ResourceLimitTests {
  static let documents = [
    "the fox runs fast", "a fox and the dog", "rates rise at the bank", "the bank lends at rates",
  ]

  private func fit(_ autoencoder: SparseAutoencoder.Configuration) throws {
    _ = try TextFeaturePipeline(
      fitting: Self.documents, configuration: .init(vectorizer: .init(), autoencoder: autoencoder))
  }

  private func expectField(
    _ field: String, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
  ) {
    do {
      try body()
      Issue.record("accepted", sourceLocation: sourceLocation)
    } catch ConfigurationError.outOfRange(let named, _, let allowed) {
      #expect(named.rawValue == field, "\(named): \(allowed)", sourceLocation: sourceLocation)
    } catch {
      Issue.record("\(error)", sourceLocation: sourceLocation)
    }
  }

  @Test func countsThatOverflowAreRefusedByTheirField() {
    let huge = Int.max
    expectField("hiddenUnits") { try fit(.init(hiddenUnits: huge)) }
    expectField("batchSize") { try fit(.init(hiddenUnits: 2, batchSize: huge)) }
    expectField("epochs") { try fit(.init(hiddenUnits: 2, epochs: huge)) }
    expectField("hiddenUnits") { try fit(.init(hiddenUnits: 1 << 40)) }
    expectField("topK") { try fit(.init(hiddenUnits: 2, topK: huge)) }
    // Refused before any work: validating the configuration finds them.
    expectField("batchSize") {
      try TextFeaturePipeline.Configuration(autoencoder: .init(batchSize: huge)).validate()
    }
  }

  /// Counts within Int32 whose products exceed the memory budget name the setting to lower.
  @Test func productsThatExceedMemoryAreRefusedBeforeAllocation() throws {
    let budget = MemoryBudget.bytes
    // Weights of hidden × columns × 16 bytes alone exceed the budget.
    let hidden = Int(min(Double(Int32.max), Double(budget) / 16 / 4))
    expectField("hiddenUnits") { try fit(.init(hiddenUnits: hidden, epochs: 1)) }
    let config = SparseAutoencoder.Configuration(hiddenUnits: 256, batchSize: Int(Int32.max))
    expectField("batchSize") {
      try config.checkSizes(inputColumns: 1 << 20, rows: Int(Int32.max))
    }
    // The same batch over few rows is a batch of those rows: it fits.
    try config.checkSizes(inputColumns: 1 << 20, rows: 100)
  }
}

/// Readers of `.npz`, `.npy` and `.safetensors` check declared sizes against the file and the
/// memory budget, and check data as it arrives, before holding it: a 1.5 MB `.npz` that declared
/// 200 million nonzeros took 4.6 GB before it was refused.
@Suite struct DeclaredSizeTests {
  private func directory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-declared-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
    return url
  }

  private func members(nonzeros n: Int, rows: Int = 1) -> [DeflatedZIP.Member] {
    let indptr = [Int64(0)] + [Int64](repeating: Int64(n), count: rows)
    return [
      .init(
        name: "indices.npy", prefix: DeflatedZIP.npyHeader(descriptor: "<i4", count: n),
        zeros: 4 * n),
      .init(
        name: "indptr.npy",
        prefix: DeflatedZIP.npyHeader(descriptor: "<i8", count: rows + 1)
          + indptr.flatMap { value in withUnsafeBytes(of: value.littleEndian) { Array($0) } },
        zeros: 0),
      .init(
        name: "shape.npy",
        prefix: [UInt8](NumPyArray.encode(shape: [2], integers: [Int64(rows), 10])), zeros: 0),
      .init(
        name: "data.npy", prefix: DeflatedZIP.npyHeader(descriptor: "<f4", count: n), zeros: 4 * n),
    ]
  }

  /// The deflate writer of the test makes archives the reader accepts when they are valid.
  @Test func aDeflatedArchiveOfAValidMatrixIsRead() throws {
    let url = try directory().appendingPathComponent("ok.npz")
    // One row holding one explicit zero at column 0.
    try DeflatedZIP.write(members(nonzeros: 1), to: url)
    let x = try SparseMatrix.readNPZ(from: url)
    #expect(x.rows == 1 && x.columns == 10 && x.nonzeroCount == 1 && x.columnIndices == [0])
  }

  /// 20 million zeros in one row: refused at the second column index, after reading little
  /// (the whole 160 MB of arrays used to be unpacked, converted, then refused).
  @Test func aSmallArchiveDeclaringManyNonzerosIsRefusedEarly() throws {
    let url = try directory().appendingPathComponent("hostile.npz")
    let n = 20_000_000
    try DeflatedZIP.write(members(nonzeros: n), to: url)
    let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as! Int
    #expect(size < n / 10)  // 160 MB of arrays in about 1 MB
    do {
      _ = try SparseMatrix.readNPZ(from: url)
      Issue.record("accepted")
    } catch let error as ModelFormatError {
      #expect("\(error)".contains("indices.npy position 1 (row 0): column 0 after 0"), "\(error)")
    }
  }

  /// A member whose header declares more elements than the matrix has, or than the member
  /// holds, is refused from its header.
  @Test func headersThatDisagreeAreRefused() throws {
    let dir = try directory()
    var parts = members(nonzeros: 3)
    parts[0].prefix = DeflatedZIP.npyHeader(descriptor: "<i4", count: 2_000_000_000)
    let url = dir.appendingPathComponent("lying.npz")
    try DeflatedZIP.write(parts, to: url)
    do {
      _ = try SparseMatrix.readNPZ(from: url)
      Issue.record("accepted")
    } catch let error as ModelFormatError {
      #expect("\(error)".contains("indices.npy has shape [2000000000]"), "\(error)")
    }
  }

  /// A dense `.npy` or a safetensors file that declares more than it holds is refused before
  /// anything is copied.
  @Test func denseArraysDeclaringMoreThanTheyHoldAreRefused() throws {
    let header = NumPyArray.header(descriptor: "<f4", shape: [1 << 20, 1 << 20])
    #expect(throws: ModelFormatError.self) {
      _ = try NumPyArray.decode(header + Data(count: 64), file: "big.npy")
    }
    var lying = SafeTensors.header(
      [.init(name: "w", dtype: "F32", shape: [1 << 30], byteCount: 4 << 30)], metadata: [:])
    lying.append(Data(count: 16))
    #expect(throws: ModelFormatError.self) { _ = try SafeTensors.decode(lying, file: "big") }
  }
}

/// A token pattern that backtracks catastrophically ends in an error naming it, instead of
/// running for minutes (`(a+)+$` on a line of 5,000 a's).
@Suite struct TokenPatternBudgetTests {
  @Test(.timeLimit(.minutes(1))) func catastrophicBacktrackingIsRefused() throws {
    let pattern = "(a+)+$"
    let tokenizer = try Tokenizer(.init(preset: .sklearn, tokenPattern: pattern))
    let text = String(repeating: "a", count: 5000) + "!"
    let started = Date()
    do {
      _ = try tokenizer.terms(in: text)
      Issue.record("the pattern ran to the end")
    } catch ConfigurationError.outOfRange(let field, let value, let allowed) {
      #expect(field.rawValue.hasPrefix("tokenPattern"))
      #expect(value == pattern)
      #expect(allowed.contains("5001 characters"), "\(allowed)")
    }
    #expect(Date().timeIntervalSince(started) < 30)
    // Through a vectorizer (fitting and transforming), the same error.
    let shorter = String(repeating: "a", count: 1000) + "!"
    let configuration = TfidfVectorizer.Configuration(
      counting: .init(tokenizer: .init(preset: .sklearn, tokenPattern: pattern)))
    #expect(throws: ConfigurationError.self) {
      _ = try TfidfVectorizer(fitting: ["aa ab", shorter, "b"], configuration: configuration)
    }
    let fitted = try TfidfVectorizer(fitting: ["aa", "aaa"], configuration: configuration)
    #expect(throws: ConfigurationError.self) { _ = try fitted.transform(["aa", shorter]) }
  }

  /// Patterns that match in linear time stay far inside the budget, on long documents too.
  @Test func ordinaryPatternsOnLongDocumentsAreNotRefused() throws {
    let words = (0..<50_000).map { "w\($0 % 997)x" }.joined(separator: " ")
    for pattern in [#"(?u)\b\w\w+\b"#, #"\b[a-z]\d+[a-z]\b"#, #"(?:\w+)(?=\s|$)"#, #"(\w)\w*"#] {
      let tokenizer = try Tokenizer(.init(preset: .sklearn, tokenPattern: pattern))
      #expect(try tokenizer.terms(in: words).count == 50_000, "\(pattern)")
    }
    // A pattern that fails at every position after trying several lengths.
    let none = try Tokenizer(.init(preset: .sklearn, tokenPattern: #"\b[a-z]+\d*\b"#))
    #expect(try none.terms(in: words).isEmpty)
  }
}
