import Testing

@testable import SparseText

@Suite struct UnicodeTests {
  let unicode = try! Tokenizer(.unicode)  // swift-format-ignore: NeverUseForceTry
  let sklearn = try! Tokenizer(.sklearn)  // swift-format-ignore: NeverUseForceTry

  @Test func combiningMarksComposeAndCanBeStripped() throws {
    #expect(try unicode.terms(in: "cafe\u{301} café") == ["café", "café"])
    let stripped = try Tokenizer(.init(stripAccents: .unicode))
    #expect(try stripped.terms(in: "café naïve") == ["cafe", "naive"])
    // scikit-learn: a combining mark is not \w, so the decomposed form splits.
    #expect(try sklearn.terms(in: "cafe\u{301}") == ["cafe"])
  }

  @Test func widthFormsAndLigaturesNormalize() throws {
    #expect(try unicode.terms(in: "ｆｕｌｌ ＷＩＤＴＨ ﬁne") == ["full", "width", "fine"])
  }

  @Test func turkishAndGermanCase() throws {
    // Unicode case folding: İ → i̇, I → i; ß → ss.
    #expect(try unicode.terms(in: "Straße STRASSE") == ["strasse", "strasse"])
    #expect(try unicode.terms(in: "ılık") == ["ılık"])
    // Python's str.lower: İ becomes i + U+0307 (then split off, a mark is not \w), ß stays.
    #expect(try sklearn.terms(in: "İstanbul Straße") == ["stanbul", "straße"])
  }

  @Test func emojiSequencesStayWhole() throws {
    let family = "👩\u{200D}👩\u{200D}👧"
    let thumbs = "👍🏽"
    let flag = "🇫🇷"
    #expect(
      try unicode.terms(in: "love \(family) \(thumbs)\(flag)!") == ["love", family, thumbs, flag])
  }

  @Test func unspacedScriptsSplitIntoCharacters() throws {
    #expect(try unicode.terms(in: "東京は日本") == ["東", "京", "は", "日", "本"])
    #expect(try unicode.terms(in: "ภาษาไทย").count == 7)
    let bigrams = try Tokenizer(.init(ngrams: 1...2))
    #expect(try bigrams.terms(in: "北京").contains("北 京"))
  }

  @Test func arabicWordsAreWords() throws {
    #expect(try unicode.terms(in: "مرحبا بالعالم") == ["مرحبا", "بالعالم"])
  }

  @Test func apostrophesHyphensAndSocialText() throws {
    #expect(
      try unicode.terms(in: "don't state-of-the-art") == ["don't", "state", "of", "the", "art"])
    let social = try Tokenizer(.init(normalizeSocialText: true))
    #expect(
      try social.terms(in: "@bob see https://x.io/a?b #Great day")
        == ["<user>", "see", "<url>", "#great", "day"])
  }

  @Test func lineEndsEmptyTextAndReplacementCharacters() throws {
    #expect(try unicode.terms(in: "") == [])
    #expect(try unicode.terms(in: "one\r\ntwo\rthree\n") == ["one", "two", "three"])
    #expect(try unicode.terms(in: "bad\u{FFFD}byte") == ["bad", "byte"])
    #expect(try sklearn.terms(in: "\r\n\r\n") == [])
  }

  @Test func stopWordsAndMinimumLength() throws {
    let tokenizer = try Tokenizer(.init(stopWords: StopWords.english, minimumTokenLength: 3))
    #expect(try tokenizer.terms(in: "The cat is on a mat by me") == ["cat", "mat"])
    #expect(StopWords.english.count == 318)
  }

  @Test func invalidConfigurationsAreRejected() {
    #expect(throws: ConfigurationError.self) { try Tokenizer(.init(ngrams: 0...2)) }
    #expect(throws: ConfigurationError.self) { try Tokenizer(.init(minimumTokenLength: 0)) }
  }

  /// ASCII text goes through the vectorized C scanner, 32 bytes at a time: its tokens are
  /// scikit-learn's (maximal runs of two or more of `[0-9A-Za-z_]`, lowercased or not) for
  /// texts of every length around the block size, runs across block edges, one-character
  /// runs and texts that turn out not to be ASCII halfway.
  @Test(arguments: [true, false])
  func asciiScannerMatchesTheRegexOnRandomText(lowercase: Bool) throws {
    var configuration = Tokenizer.Configuration.sklearn
    configuration.lowercase = lowercase
    let tokenizer = try Tokenizer(configuration)
    let alphabet = Array("aZ_9 .,-'\tQz0\n".utf8)
    var generator = SeededGenerator(seed: lowercase ? 1 : 2)
    func reference(_ bytes: [UInt8]) -> [String] {
      var tokens: [String] = []
      var run: [UInt8] = []
      for b in bytes + [0x20] {
        let isWord = (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A) || b == 0x5F
        if isWord {
          run.append(lowercase && b >= 0x41 && b <= 0x5A ? b | 0x20 : b)
        } else {
          if run.count >= 2 { tokens.append(String(decoding: run, as: UTF8.self)) }
          run.removeAll()
        }
      }
      return tokens
    }
    for length in Array(0...100) + [255, 256, 257, 1_000] {
      for _ in 0..<20 {
        var bytes = (0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))]
        }
        // Long runs cross block edges.
        if length > 40 && generator.next() % 3 == 0 {
          let start = Int(generator.next() % UInt64(length - 40))
          for k in start..<(start + 40) { bytes[k] = 0x61 + UInt8(k % 26) }
        }
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(try tokenizer.terms(in: text) == reference(bytes), "\(bytes)")
      }
    }
    // Not ASCII after a full block: the Swift scanner takes over from the start.
    let mixed = String(repeating: "Word ", count: 10) + "Café Ünïcode ok"
    #expect(
      try tokenizer.terms(in: mixed)
        == Array(repeating: lowercase ? "word" : "Word", count: 10)
        + (lowercase ? ["café", "ünïcode", "ok"] : ["Café", "Ünïcode", "ok"]))
  }

  @Test func countingIsIndependentOfTheThreadCount() throws {
    let documents = (0..<300).map { "document \($0) with words \($0 % 7) and \($0 % 13) café 東京" }
    func perDocument(_ counts: TermCounting.Counts) -> [[String: Float]] {
      counts.segments.flatMap { segment in
        (0..<segment.rows).map { r in
          var row: [String: Float] = [:]
          for k in Int(segment.rowOffsets[r])..<Int(segment.rowOffsets[r + 1]) {
            let id = Int(counts.merged[segment.worker][Int(segment.termIDs[k])])
            row[counts.terms.string(id)] = segment.counts[k]
          }
          return row
        }
      }
    }
    /// Document frequency and total count per term.
    func perTerm(_ counts: TermCounting.Counts) -> [String: [Double]] {
      var out: [String: [Double]] = [:]
      for id in 0..<counts.terms.count {
        out[counts.terms.string(id)] = [Double(counts.documentFrequency[id]), counts.totals[id]]
      }
      return out
    }
    let one = try TermCounting.count(documents, tokenizer: unicode, workers: 1)
    let four = try TermCounting.count(documents, tokenizer: unicode, workers: 4)
    #expect(one.terms.count == four.terms.count)
    #expect(perDocument(one) == perDocument(four))
    #expect(perTerm(one) == perTerm(four))
    #expect(four.segments.count == 4)
    #expect(perTerm(one)["document"] == [300, 300])
    // Handed over in blocks (as `vectorize` reads a file), the counts are the same too.
    let counter = TermCounting.Counter(tokenizer: unicode, keepsTotals: true, workers: 2)
    for start in stride(from: 0, to: documents.count, by: 90) {
      counter.add(Array(documents[start..<min(documents.count, start + 90)]))
    }
    let blocked = try counter.finish()
    #expect(blocked.documents == 300)
    #expect(blocked.segments.count > 4)
    #expect(perDocument(blocked) == perDocument(one))
    #expect(perTerm(blocked) == perTerm(one))
  }
}
