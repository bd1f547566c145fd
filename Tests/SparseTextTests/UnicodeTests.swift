import Testing

@testable import SparseText

@Suite struct UnicodeTests {
  let unicode = try! Tokenizer(.unicode)  // swift-format-ignore: NeverUseForceTry
  let sklearn = try! Tokenizer(.sklearn)  // swift-format-ignore: NeverUseForceTry

  @Test func combiningMarksComposeAndCanBeStripped() throws {
    #expect(unicode.terms(in: "cafe\u{301} café") == ["café", "café"])
    let stripped = try Tokenizer(.init(stripAccents: .unicode))
    #expect(stripped.terms(in: "café naïve") == ["cafe", "naive"])
    // scikit-learn: a combining mark is not \w, so the decomposed form splits.
    #expect(sklearn.terms(in: "cafe\u{301}") == ["cafe"])
  }

  @Test func widthFormsAndLigaturesNormalize() {
    #expect(unicode.terms(in: "ｆｕｌｌ ＷＩＤＴＨ ﬁne") == ["full", "width", "fine"])
  }

  @Test func turkishAndGermanCase() {
    // Unicode case folding: İ → i̇, I → i; ß → ss.
    #expect(unicode.terms(in: "Straße STRASSE") == ["strasse", "strasse"])
    #expect(unicode.terms(in: "ılık") == ["ılık"])
    // Python's str.lower: İ becomes i + U+0307 (then split off, a mark is not \w), ß stays.
    #expect(sklearn.terms(in: "İstanbul Straße") == ["stanbul", "straße"])
  }

  @Test func emojiSequencesStayWhole() {
    let family = "👩\u{200D}👩\u{200D}👧"
    let thumbs = "👍🏽"
    let flag = "🇫🇷"
    #expect(
      unicode.terms(in: "love \(family) \(thumbs)\(flag)!") == ["love", family, thumbs, flag])
  }

  @Test func unspacedScriptsSplitIntoCharacters() throws {
    #expect(unicode.terms(in: "東京は日本") == ["東", "京", "は", "日", "本"])
    #expect(unicode.terms(in: "ภาษาไทย").count == 7)
    let bigrams = try Tokenizer(.init(ngrams: 1...2))
    #expect(bigrams.terms(in: "北京").contains("北 京"))
  }

  @Test func arabicWordsAreWords() {
    #expect(unicode.terms(in: "مرحبا بالعالم") == ["مرحبا", "بالعالم"])
  }

  @Test func apostrophesHyphensAndSocialText() throws {
    #expect(unicode.terms(in: "don't state-of-the-art") == ["don't", "state", "of", "the", "art"])
    let social = try Tokenizer(.init(normalizeSocialText: true))
    #expect(
      social.terms(in: "@bob see https://x.io/a?b #Great day")
        == ["<user>", "see", "<url>", "#great", "day"])
  }

  @Test func lineEndsEmptyTextAndReplacementCharacters() {
    #expect(unicode.terms(in: "") == [])
    #expect(unicode.terms(in: "one\r\ntwo\rthree\n") == ["one", "two", "three"])
    #expect(unicode.terms(in: "bad\u{FFFD}byte") == ["bad", "byte"])
    #expect(sklearn.terms(in: "\r\n\r\n") == [])
  }

  @Test func stopWordsAndMinimumLength() throws {
    let tokenizer = try Tokenizer(.init(stopWords: StopWords.english, minimumTokenLength: 3))
    #expect(tokenizer.terms(in: "The cat is on a mat by me") == ["cat", "mat"])
    #expect(StopWords.english.count == 318)
  }

  @Test func invalidConfigurationsAreRejected() {
    #expect(throws: ConfigurationError.self) { try Tokenizer(.init(ngrams: 0...2)) }
    #expect(throws: ConfigurationError.self) { try Tokenizer(.init(minimumTokenLength: 0)) }
  }

  @Test func countingIsIndependentOfTheThreadCount() {
    let documents = (0..<300).map { "document \($0) with words \($0 % 7) and \($0 % 13) café 東京" }
    func perDocument(_ counts: TermCounting.Counts) -> [[String: Float]] {
      counts.chunks.flatMap { chunk in
        (0..<(chunk.rowOffsets.count - 1)).map { r in
          var row: [String: Float] = [:]
          for k in Int(chunk.rowOffsets[r])..<Int(chunk.rowOffsets[r + 1]) {
            let id = Int(chunk.merged[Int(chunk.termIDs[k])])
            row[counts.terms.string(id)] = chunk.counts[k]
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
    let one = TermCounting.count(documents, tokenizer: unicode, workers: 1)
    let four = TermCounting.count(documents, tokenizer: unicode, workers: 4)
    #expect(one.terms.count == four.terms.count)
    #expect(perDocument(one) == perDocument(four))
    #expect(perTerm(one) == perTerm(four))
    #expect(four.chunks.count == 4)
    #expect(perTerm(one)["document"] == [300, 300])
  }
}
