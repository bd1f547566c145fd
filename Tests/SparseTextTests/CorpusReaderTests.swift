import Foundation
import TestSupport
import Testing

@testable import SparseText

private func temporaryFile(_ name: String, _ bytes: [UInt8]) throws -> URL {
  let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
    "sparsetext-reader-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  let url = directory.appendingPathComponent(name)
  try Data(bytes).write(to: url)
  return url
}

@Suite struct TextDecoderTests {
  @Test func invalidBytesAreReplacedCountedAndLocated() throws {
    var problems = TextDecoder.Problems()
    let bytes: [UInt8] = Array("ok\nbad ".utf8) + [0xFF, 0xFE] + Array(" end".utf8)
    let text = try bytes.withUnsafeBufferPointer {
      try TextDecoder().decode($0, file: "f.txt", line: 10, byteOffset: 100, problems: &problems)
    }
    #expect(text == "ok\nbad \u{FFFD}\u{FFFD} end")
    #expect(problems.replacements == 2)
    #expect(problems.firstLine == 11)
    #expect(problems.firstByteOffset == 107)
    #expect(
      throws: DataError.invalidEncoding(file: "f.txt", line: 11, byteOffset: 107, encoding: "UTF-8")
    ) {
      var p = TextDecoder.Problems()
      _ = try bytes.withUnsafeBufferPointer {
        try TextDecoder(strict: true).decode(
          $0, file: "f.txt", line: 10, byteOffset: 100, problems: &p)
      }
    }
  }

  @Test func legacyEncodingsAndTheByteOrderMark() throws {
    #expect(
      try TextDecoder(encoding: .windows1252).decode([0x93, 0x68, 0x69, 0x94, 0x80]) == "“hi”€")
    #expect(try TextDecoder(encoding: .latin1).decode([0x93, 0xE9]) == "\u{93}é")
    // Every byte value, as its own code point.
    let everyByte = try TextDecoder(encoding: .latin1).decode((0...255).map { UInt8($0) })
    #expect(everyByte.unicodeScalars.map(\.value) == Array(0...255))
    #expect(try TextDecoder(encoding: .utf8OrLatin1).decode([0x41, 0xFF, 0x42]) == "A\u{FF}B")
    #expect(try TextDecoder().decode([0xEF, 0xBB, 0xBF, 0x61]) == "a")
    #expect(try TextDecoder(encoding: .utf8OrLatin1).decode([0x63, 0x61, 0x66, 0xE9]) == "café")
    // A UTF-16 surrogate encoded in UTF-8 (ED A0 80) is invalid from its first byte.
    let surrogate: [UInt8] = [0x61, 0xED, 0xA0, 0x80]
    #expect(surrogate.withUnsafeBufferPointer { TextDecoder.firstInvalidUTF8($0) } == 1)
  }
}

@Suite struct CorpusReaderTests {
  /// Labels lose the tabs and space separators around them (Foundation's `.whitespaces`), and
  /// nothing else.
  @Test func labelsAreTrimmedOfHorizontalSpace() {
    #expect(" positive\t".trimmingHorizontalSpace() == "positive")
    #expect("\u{3000}neg ative\u{A0}".trimmingHorizontalSpace() == "neg ative")
    #expect("sport".trimmingHorizontalSpace() == "sport")
    #expect(" \t ".trimmingHorizontalSpace() == "")
    #expect("\nx\n".trimmingHorizontalSpace() == "\nx\n")
    for text in [" a b ", "\u{2003}é\t", "\t\u{A0}x", "y\u{202F}"] {
      #expect(text.trimmingHorizontalSpace() == text.trimmingCharacters(in: .whitespaces))
    }
  }

  @Test func csvWithTwitterQuirks() throws {
    // CRLF records, a lone CR inside a quoted field, doubled quotes, a bad byte.
    let bytes: [UInt8] =
      Array("sentiment,confidence,text\r\n".utf8)
      + Array("negative,0.9,\"so \"\"bad\"\"\rreally\"\r\n".utf8)
      + Array("positive,1,caf".utf8) + [0xE9] + Array("\r\n".utf8)
      + Array("neutral,0.5,\"a,b\"".utf8)
    let url = try temporaryFile("t.csv", bytes)
    let reader = CorpusReader(
      path: url.path, options: .init(encoding: .utf8OrLatin1, labelColumn: "sentiment"))
    let (documents, report) = try reader.readAll()
    #expect(documents.map(\.text) == ["so \"bad\"\rreally", "café", "a,b"])
    #expect(documents.map(\.label) == ["negative", "positive", "neutral"])
    #expect(documents.map(\.id) == ["0", "1", "2"])
    #expect(report.latin1Documents == 1)
  }

  @Test func malformedRecordsAreLocatedOrSkipped() throws {
    let url = try temporaryFile("bad.csv", Array("text,label\na,x\nb,y,z\n\"open,w\n".utf8))
    #expect(
      throws: DataError.malformedRecord(
        file: url.path, line: 3, column: nil, byteOffset: 15, reason: "expected 2 fields, found 3")
    ) {
      _ = try CorpusReader(path: url.path).readAll()
    }
    let (documents, report) = try CorpusReader(path: url.path, options: .init(onBadRecord: .skip))
      .readAll()
    #expect(documents.map(\.text) == ["a"])
    #expect(report.skippedRecords == 2)
  }

  @Test func jsonLinesFastTextLinesAndFolders() throws {
    let jsonl = try temporaryFile(
      "t.jsonl", Array("{\"body\": {\"text\": \"hi\"}, \"y\": [\"a\", \"b\"]}\n\nnot json\n".utf8))
    let options = CorpusReader.Options(onBadRecord: .skip, textField: "body.text", labelField: "y")
    let (documents, report) = try CorpusReader(path: jsonl.path, options: options).readAll()
    #expect(documents.count == 1 && documents[0].labels == ["a", "b"])
    #expect(report.skippedRecords == 1)
    let fasttext = try temporaryFile(
      "t.txt", Array("__label__x __label__y two words\r\nplain\n".utf8))
    let lines = try CorpusReader(path: fasttext.path).readAll().documents
    #expect(lines[0].labels == ["x", "y"] && lines[0].text == "two words")
    #expect(lines[1].labels == [] && lines[1].text == "plain")
    let folder = fasttext.deletingLastPathComponent().appendingPathComponent("corpus")
    for (label, name) in [("b", "2"), ("a", "1"), ("a", "0")] {
      try FileManager.default.createDirectory(
        at: folder.appendingPathComponent(label), withIntermediateDirectories: true)
      try Data("\(label)\(name)".utf8).write(
        to: folder.appendingPathComponent("\(label)/\(name).txt"))
    }
    let files = try CorpusReader(path: folder.path).readAll().documents
    #expect(files.map(\.id) == ["a/0", "a/1", "b/2"])
  }

  @Test func fixedSplitsCheckHashes() throws {
    let documents = [
      LabeledDocument(id: "0", text: "abc", labels: ["x"]),
      LabeledDocument(id: "1", text: "def", labels: ["y"]),
    ]
    let sha = String(Digest.sha1Hex(Array("abc".utf8)).prefix(12))
    let good = try temporaryFile(
      "s.tsv", Array("id\tsplit\tlabel\tsha1_12\n0\ttrain\tx\t\(sha)\n".utf8))
    let (train, test) = try FixedSplit(contentsOf: good).apply(to: documents)
    #expect(train.map(\.id) == ["0"] && test.isEmpty)
    let bad = try temporaryFile(
      "s.tsv", Array("id\tsplit\tlabel\tsha1_12\n1\ttest\ty\t\(sha)\n".utf8))
    #expect(throws: DataError.self) { try FixedSplit(contentsOf: bad).apply(to: documents) }
  }

  @Test func digestsMatchStandardVectors() {
    #expect(
      Digest.sha256Hex(Array("abc".utf8))
        == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(
      Digest.sha256Hex([UInt8]())
        == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(Digest.sha1Hex(Array("abc".utf8)) == "a9993e364706816aba3e25717850c26c9cd0d89d")
    #expect(
      Digest.sha1Hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
        == "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
  }

  /// `corpora/manifest.json` is generated from the catalog (`make manifest`), byte for byte.
  @Test func manifestIsGeneratedFromTheCatalog() throws {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("corpora/manifest.json")
    let generated = try JSONFormat.data(CorpusCatalog.manifest) + Data("\n".utf8)
    #expect(
      try Data(contentsOf: url) == generated,
      "corpora/manifest.json is out of date: run make manifest")
    let read = try JSONFormat.decoder().decode(
      CorpusCatalog.Manifest.self, from: Data(contentsOf: url))
    #expect(read.corpora == CorpusCatalog.entries)
  }
}

@Suite struct FuzzTests {
  /// Seeded random and mutated inputs: every reader either reads or reports, never crashes.
  @Test func readersSurviveRandomAndMutatedInput() throws {
    var generator = SeededGenerator(seed: 2024)
    let seeds: [[UInt8]] = [
      Array("text,label\n\"a \"\"q\"\" b\",x\r\nc,y\n".utf8),
      Array("{\"text\": \"hi\", \"label\": \"a\"}\n{\"text\": 3}\n".utf8),
      Array("__label__a one two\n__label__b three\n".utf8),
    ]
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-fuzz-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let url = directory.appendingPathComponent("input")
    // How the unchunked readings ended, so the test can check the inputs reached both the
    // success and the error paths of every format (a fuzzer that only ever sees errors, or
    // never does, tests little).
    var read: [CorpusFormat: Int] = [:]
    var failed: [CorpusFormat: Int] = [:]
    for case_ in 0..<600 {
      var bytes = seeds[case_ % seeds.count]
      let mutations = Int(generator.next() % 6)
      for _ in 0..<mutations {
        let position = Int(generator.next() % UInt64(max(1, bytes.count)))
        switch generator.next() % 3 {
        case 0: if !bytes.isEmpty { bytes[position] = UInt8(truncatingIfNeeded: generator.next()) }
        case 1:
          bytes.insert(UInt8(truncatingIfNeeded: generator.next()), at: min(position, bytes.count))
        default: if !bytes.isEmpty { bytes.remove(at: position) }
        }
      }
      if case_ % 10 == 0 {
        bytes = (0..<Int(generator.next() % 64)).map { _ in
          UInt8(truncatingIfNeeded: generator.next())
        }
      }
      try Data(bytes).write(to: url)
      for format in [CorpusFormat.csv, .tsv, .jsonl, .fasttext, .lines] {
        for policy in [BadRecordPolicy.error, .skip] {
          var reader = CorpusReader(
            path: url.path, options: .init(format: format, onBadRecord: policy))
          let whole = Self.outcome(of: reader)
          if whole.hasPrefix("error: ") {
            failed[format, default: 0] += 1
          } else if policy == .error {
            read[format, default: 0] += 1
          }
          // Reading in tiny chunks (records split anywhere, even inside "" or CRLF) must give
          // exactly the same documents, report and errors as one big chunk.
          reader.chunkSize = [1, 2, 3, 7][case_ % 4]
          #expect(Self.outcome(of: reader) == whole, "case \(case_), \(format), chunked")
        }
      }
    }
    for format in [CorpusFormat.csv, .tsv, .jsonl, .fasttext, .lines] {
      #expect(read[format, default: 0] >= 3, "\(format) read cleanly")
    }
    for format in [CorpusFormat.csv, .tsv, .jsonl] {
      #expect(failed[format, default: 0] >= 3, "\(format) reported an error")
    }
  }

  /// Everything a reader produced, or the error it threw, as comparable text.
  static func outcome(of reader: CorpusReader) -> String {
    do {
      let (documents, report) = try reader.readAll()
      return documents.map { "\($0.id)|\($0.text)|\($0.labels)|\($0.line)" }.joined(separator: "\n")
        + "\n\(report)"
    } catch {
      return "error: \(error)"
    }
  }

  @Test func fileFormatReadersSurviveDamagedFiles() throws {
    var generator = SeededGenerator(seed: 7)
    let matrix = try SparseMatrix(rows: [[(1, 2)], [(0, 1), (2, 3)]], columns: 3)
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-fuzz-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let npz = directory.appendingPathComponent("x.npz")
    try matrix.writeNPZ(to: npz)
    let npzBytes = [UInt8](try Data(contentsOf: npz))
    let tensors = SafeTensors.encode(["w": try Tensor(shape: [2, 2], values: [1, 2, 3, 4])])
    let npy = NumPyArray.encode(shape: [2, 2], floats: [1, 2, 3, 4])
    var thrown = 0
    for case_ in 0..<1500 {
      let source: [UInt8] = [npzBytes, [UInt8](tensors), [UInt8](npy)][case_ % 3]
      var bytes = source
      if case_ % 5 == 0 {
        bytes = Array(bytes.prefix(Int(generator.next() % UInt64(bytes.count))))
      } else {
        for _ in 0..<(1 + Int(generator.next() % 4)) {
          let position = Int(generator.next() % UInt64(bytes.count))
          bytes[position] = UInt8(truncatingIfNeeded: generator.next())
        }
      }
      do {
        switch case_ % 3 {
        case 0:
          try Data(bytes).write(to: npz)
          _ = try SparseMatrix.readNPZ(from: npz)
        case 1:
          _ = try SafeTensors.decode(Data(bytes), file: "t")
        default:
          _ = try NumPyArray.decode(Data(bytes), file: "a")
        }
      } catch is ModelFormatError {
        thrown += 1
      } catch is DataError {
        thrown += 1
      }
    }
    #expect(thrown > 100)
  }
}

@Suite struct BundleFuzzTests {
  @Test func damagedBundlesNeverCrashTheLoader() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-bundle-\(UUID().uuidString)")
    let documents = (0..<12).map { "word\($0 % 4) other\($0 % 3) text" }
    let pipeline = try TextFeaturePipeline(
      fitting: documents, labels: documents.indices.map { $0 % 2 == 0 ? "a" : "b" },
      configuration: .init(autoencoder: .init(hiddenUnits: 2, epochs: 1, batchSize: 4)))
    let bundle = directory.appendingPathComponent("model")
    try pipeline.write(to: bundle)
    let files = ["config.json", "vocabulary.json", "model.safetensors"]
    let originals = try files.map { try Data(contentsOf: bundle.appendingPathComponent($0)) }
    var generator = SeededGenerator(seed: 99)
    var refused = 0
    for case_ in 0..<300 {
      let index = case_ % files.count
      var bytes = [UInt8](originals[index])
      if case_ % 4 == 0 {
        bytes = Array(bytes.prefix(Int(generator.next() % UInt64(bytes.count))))
      } else {
        for _ in 0..<(1 + Int(generator.next() % 3)) {
          bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(
            truncatingIfNeeded: generator.next())
        }
      }
      try Data(bytes).write(to: bundle.appendingPathComponent(files[index]))
      do {
        _ = try TextFeaturePipeline(contentsOf: bundle)
      } catch is ModelFormatError {
        refused += 1
      } catch is DataError {
        refused += 1
      } catch is ConfigurationError {
        refused += 1
      }
      try originals[index].write(to: bundle.appendingPathComponent(files[index]))
    }
    #expect(refused > 100)
    #expect(try TextFeaturePipeline(contentsOf: bundle).classes == ["a", "b"])
  }
}

@Suite struct SerializationTests {
  @Test func npyNpzAndSafetensorsRoundTrip() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-ser-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let matrix = try SparseMatrix(rows: [[(1, 2.5)], [], [(0, 1), (3, -3)]], columns: 4)
    try matrix.writeNPZ(to: directory.appendingPathComponent("x.npz"))
    #expect(try SparseMatrix.readNPZ(from: directory.appendingPathComponent("x.npz")) == matrix)
    let dense = matrix.densified()
    try NumPyArray.write(dense, to: directory.appendingPathComponent("d.npy"))
    #expect(try NumPyArray.readMatrix(from: directory.appendingPathComponent("d.npy")) == dense)
    let tensors = ["b": Tensor(vector: [1, 2]), "a": try Tensor(shape: [2, 1], values: [3, 4])]
    try SafeTensors.write(
      tensors, metadata: ["k": "v"], to: directory.appendingPathComponent("t.safetensors"))
    let (read, metadata) = try SafeTensors.read(
      from: directory.appendingPathComponent("t.safetensors"))
    #expect(read == tensors && metadata == ["k": "v"])
    #expect(SafeTensors.halfToFloat(0x3C00) == 1 && SafeTensors.halfToFloat(0xC000) == -2)
  }

  @Test func svmlightTextIsZeroBasedWithLabels() throws {
    let matrix = try SparseMatrix(rows: [[(1, 2.5)], [], [(0, 1), (3, -3)]], columns: 4)
    #expect(matrix.svmlightText(labels: ["a", "b c", "d"]) == "a 1:2.5\nb_c\nd 0:1.0 3:-3.0\n")
    #expect(matrix.svmlightText(zeroBased: false).hasPrefix("0 2:2.5\n"))
  }

  @Test func hostileSafetensorsHeadersAreRefused() {
    var huge = Data([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F])
    huge.append(Data("{}".utf8))
    #expect(throws: ModelFormatError.self) { try SafeTensors.decode(huge, file: "h") }
    let header = Data(
      "{\"w\":{\"dtype\":\"F32\",\"shape\":[1000000000,1000000000],\"data_offsets\":[0,4]}}".utf8)
    var lying = Data()
    withUnsafeBytes(of: UInt64(header.count).littleEndian) { lying.append(contentsOf: $0) }
    lying.append(header)
    lying.append(Data([0, 0, 0, 0]))
    #expect(throws: ModelFormatError.self) { try SafeTensors.decode(lying, file: "l") }
  }

  @Test func denseRowWriterStreamsBlocks() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-rows-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let a = try DenseMatrix(rows: [[1, 2], [3, 4]], columns: 2)
    let b = try DenseMatrix(rows: [[5, 6]], columns: 2)
    let npy = directory.appendingPathComponent("codes.npy")
    let writer = try DenseRowWriter(url: npy, columns: 2)
    try writer.append(a)
    try writer.append(b)
    try writer.finish()
    #expect(try NumPyArray.readMatrix(from: npy).values == [1, 2, 3, 4, 5, 6])
    let again = try DenseRowWriter(url: npy, columns: 2)  // replaces an existing file
    try again.append(b)
    try again.finish()
    #expect(try NumPyArray.readMatrix(from: npy).values == [5, 6])
    let jsonl = directory.appendingPathComponent("codes.jsonl")
    let lines = try DenseRowWriter(url: jsonl, columns: 2)
    try lines.append(b, ids: ["doc \"7\""])
    try lines.append(b, ids: ["business/001 é"])
    try lines.finish()
    // Ids are quoted as every JSON file here quotes strings: slashes and non-ASCII as they are.
    #expect(
      try String(contentsOf: jsonl, encoding: .utf8)
        == "{\"id\":\"doc \\\"7\\\"\",\"code\":[5.0,6.0]}\n"
        + "{\"id\":\"business/001 é\",\"code\":[5.0,6.0]}\n")
    let abandoned = try DenseRowWriter(url: directory.appendingPathComponent("x.csv"), columns: 2)
    try abandoned.append(a)
    abandoned.cancel()
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == [
        "codes.jsonl", "codes.npy",
      ])
    #expect(throws: ConfigurationError.self) {
      _ = try DenseRowWriter(url: directory.appendingPathComponent("x.txt"), columns: 2)
    }
  }

  @Test func atomicWritesLeaveNothingBehindOnFailure() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "sparsetext-atomic-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let target = directory.appendingPathComponent("out.bin")
    struct Boom: Error {}
    #expect(throws: Boom.self) {
      try AtomicFile.write(to: target) { temporary in
        try Data("partial".utf8).write(to: temporary)
        throw Boom()
      }
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    try AtomicFile.write(Data("done".utf8), to: target)
    #expect(try String(contentsOf: target, encoding: .utf8) == "done")
  }
}
