import CKernels

/// The tokenizing engine: UTF-8 bytes in, term byte strings out, with no `String` per token.
extension Tokenizer {
  /// Calls `body` with the UTF-8 bytes of each term of `text`, in order. The buffer is only
  /// valid during the call. Reusing one `workspace` per thread avoids allocations.
  package func forEachTerm(
    in text: String, workspace: inout TokenizerWorkspace,
    _ body: (UnsafeBufferPointer<UInt8>) -> Void
  ) {
    var copy = text
    copy.withUTF8 { bytes in forEachTerm(utf8: bytes, workspace: &workspace, body) }
  }

  /// Calls `body` with each term of a valid UTF-8 text; see ``forEachTerm(in:workspace:_:)``.
  package func forEachTerm(
    utf8 text: UnsafeBufferPointer<UInt8>, workspace: inout TokenizerWorkspace,
    _ body: (UnsafeBufferPointer<UInt8>) -> Void
  ) {
    switch configuration.analyzer {
    case .word:
      tokenize(text, workspace: &workspace)
      emitWordNgrams(workspace: &workspace, body)
    case .char:
      preprocessScalars(text, workspace: &workspace)
      emitCharNgrams(workspace: &workspace, body)
    case .charWordBounded:
      preprocessScalars(text, workspace: &workspace)
      emitWordBoundedCharNgrams(workspace: &workspace, body)
    }
  }

  // MARK: - Word tokens

  func tokenize(_ text: UnsafeBufferPointer<UInt8>, workspace: inout TokenizerWorkspace) {
    workspace.reset()
    switch configuration.preset {
    case .sklearn:
      if let tokenPattern {
        scanPattern(tokenPattern, text, workspace: &workspace)
      } else if configuration.stripAccents != .none
        || !scanSklearnBytes(text, workspace: &workspace)
      {
        workspace.reset()
        preprocessScalars(text, workspace: &workspace)
        scanSklearnScalars(workspace: &workspace)
      }
    case .unicode:
      if isASCII(text) || (!configuration.lowercase && configuration.stripAccents == .none) {
        scanUnicode(text, workspace: &workspace)
      } else {
        let folded = UnicodeProperties.foldCompatibility(
          text, stripMarks: configuration.stripAccents != .none,
          caseFold: configuration.lowercase)
        folded.withUnsafeBufferPointer { scanUnicode($0, workspace: &workspace) }
      }
    }
  }

  /// `(?u)\b\w\w+\b` over the UTF-8 bytes directly, lowercasing as it goes (ASCII through a
  /// table, other scalars through their simple lowercase mapping). Returns `false`, having
  /// produced nothing usable, when the text needs Python's context-dependent lowercasing
  /// (U+0130 or a capital sigma), which the scalar path handles.
  private func scanSklearnBytes(
    _ text: UnsafeBufferPointer<UInt8>, workspace: inout TokenizerWorkspace
  ) -> Bool {
    let n = text.count
    let lower = configuration.lowercase
    var out: [UInt8] = []
    var ends: [Int] = []
    swap(&out, &workspace.bytes)
    swap(&ends, &workspace.ends)
    defer {
      swap(&out, &workspace.bytes)
      swap(&ends, &workspace.ends)
    }
    out.removeAll(keepingCapacity: true)
    out.append(contentsOf: repeatElement(0, count: 2 * n + 32))
    // ASCII text (most of it, in English corpora) goes through the vectorized C scanner.
    if n > 0 {
      let found = withUnsafeTemporaryAllocation(of: Int.self, capacity: n / 2 + 1) { scratch in
        var written = 0
        let tokens = out.withUnsafeMutableBufferPointer { o in
          sparsetext_scan_ascii_words(
            text.baseAddress!, n, lower ? 1 : 0, o.baseAddress!, scratch.baseAddress!, &written)
        }
        guard tokens >= 0 else { return false }
        ends.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[..<tokens]))
        out.removeSubrange(written...)
        return true
      }
      if found { return true }
    }
    var length = 0
    let asciiTable = lower ? Tokenizer.asciiLowerWord : Tokenizer.asciiKeepWord
    let completed = asciiTable.withUnsafeBufferPointer { table in
      out.withUnsafeMutableBufferPointer { buffer -> Bool in
        let o = buffer.baseAddress!
        var i = 0
        var tokenStart = 0
        var tokenScalars = 0
        while i < n {
          let b = text[i]
          if b < 0x80 {
            let mapped = table[Int(b)]
            if mapped != 0 {
              o[length] = mapped
              length += 1
              tokenScalars += 1
            } else {
              if tokenScalars >= 2 { ends.append(length) } else { length = tokenStart }
              tokenStart = length
              tokenScalars = 0
            }
            i += 1
            continue
          }
          let (scalar, size) = decodeScalar(text, at: i)
          i += size
          if lower && (scalar == 0x130 || scalar == 0x3A3) { return false }
          let s = lower ? UnicodeProperties.simpleLowercase(scalar) : scalar
          if UnicodeProperties.isPythonWord(s) {
            length += Tokenizer.encodeUTF8(s, into: o + length)
            tokenScalars += 1
          } else {
            if tokenScalars >= 2 { ends.append(length) } else { length = tokenStart }
            tokenStart = length
            tokenScalars = 0
          }
        }
        if tokenScalars >= 2 { ends.append(length) } else { length = tokenStart }
        return true
      }
    }
    if completed { out.removeSubrange(length...) }
    return completed
  }

  /// Writes `s` as UTF-8 at `p` and returns the number of bytes written.
  @inline(__always)
  static func encodeUTF8(_ s: UInt32, into p: UnsafeMutablePointer<UInt8>) -> Int {
    if s < 0x80 {
      p[0] = UInt8(s)
      return 1
    } else if s < 0x800 {
      p[0] = UInt8(0xC0 | (s >> 6))
      p[1] = UInt8(0x80 | (s & 0x3F))
      return 2
    } else if s < 0x10000 {
      p[0] = UInt8(0xE0 | (s >> 12))
      p[1] = UInt8(0x80 | ((s >> 6) & 0x3F))
      p[2] = UInt8(0x80 | (s & 0x3F))
      return 3
    } else {
      p[0] = UInt8(0xF0 | (s >> 18))
      p[1] = UInt8(0x80 | ((s >> 12) & 0x3F))
      p[2] = UInt8(0x80 | ((s >> 6) & 0x3F))
      p[3] = UInt8(0x80 | (s & 0x3F))
      return 4
    }
  }

  /// A custom token pattern's tokens of the preprocessed text.
  private func scanPattern(
    _ pattern: TokenPattern, _ text: UnsafeBufferPointer<UInt8>,
    workspace: inout TokenizerWorkspace
  ) {
    preprocessScalars(text, workspace: &workspace)
    var view = String.UnicodeScalarView()
    // The scalar at each UTF-16 offset (tokens are cut between scalars, not characters).
    var scalarAt: [Int] = []
    for (k, s) in workspace.scalars.enumerated() {
      guard let scalar = Unicode.Scalar(s) else { continue }
      view.append(scalar)
      scalarAt.append(k)
      if scalar.utf16.count == 2 { scalarAt.append(k) }
    }
    scalarAt.append(workspace.scalars.count)
    let text = String(view)
    guard let ranges = pattern.tokenRanges(in: text) else {
      // No tokens, and the failure kept for the caller, which throws it.
      if workspace.failure == nil { workspace.failure = pattern.tooSlow(length: text.utf16.count) }
      return
    }
    for range in ranges {
      for k in scalarAt[range.lowerBound]..<scalarAt[range.upperBound] {
        workspace.append(scalar: workspace.scalars[k])
      }
      workspace.endToken()
    }
  }

  /// `(?u)\b\w\w+\b` over the preprocessed scalars in `workspace.scalars`.
  private func scanSklearnScalars(workspace: inout TokenizerWorkspace) {
    let scalars = workspace.scalars
    var start = -1
    for i in 0...scalars.count {
      let isWord = i < scalars.count && UnicodeProperties.isPythonWord(scalars[i])
      if isWord {
        if start < 0 { start = i }
      } else if start >= 0 {
        if i - start >= 2 {
          for k in start..<i { workspace.append(scalar: scalars[k]) }
          workspace.endToken()
        }
        start = -1
      }
    }
  }

  /// The unicode preset's word boundaries over (already normalized) UTF-8.
  private func scanUnicode(_ text: UnsafeBufferPointer<UInt8>, workspace: inout TokenizerWorkspace)
  {
    let c = configuration
    let asciiLower = c.lowercase
    var i = 0
    let n = text.count
    var wordStart = -1  // byte position in workspace.bytes, or -1 outside a word
    var wordLength = 0

    func endWord() {
      guard wordStart >= 0 else { return }
      if wordLength >= c.minimumTokenLength {
        workspace.endToken()
      } else {
        workspace.bytes.removeSubrange(wordStart...)
      }
      wordStart = -1
      wordLength = 0
    }

    func isWordScalar(_ s: UInt32) -> Bool {
      if s < 0x80 { return Tokenizer.asciiAlnumTable[Int(s)] }
      if c.splitUnspacedScripts && UnicodeProperties.isSplitScript(s) { return false }
      let cat = UnicodeProperties.category(s)
      return UnicodeProperties.isLetter(cat) || UnicodeProperties.isMark(cat)
        || UnicodeProperties.isNumber(cat)
    }

    func hasPrefix(_ prefix: StaticString, at position: Int) -> Bool {
      let count = prefix.utf8CodeUnitCount
      guard position + count <= n else { return false }
      let p = prefix.utf8Start
      for k in 0..<count {
        var b = text[position + k]
        if b >= 0x41 && b <= 0x5A { b |= 0x20 }
        if b != p[k] { return false }
      }
      return true
    }

    while i < n {
      let (s, length) = decodeScalar(text, at: i)
      if c.normalizeSocialText && wordStart < 0 {
        if hasPrefix("http://", at: i) || hasPrefix("https://", at: i) || hasPrefix("www.", at: i) {
          while i < n && !isASCIISpace(text[i]) { i += 1 }
          workspace.bytes.append(contentsOf: "<url>".utf8)
          workspace.endToken()
          continue
        }
        if (s == 0x40 || s == 0x23) && i + 1 < n {
          let (next, _) = decodeScalar(text, at: i + 1)
          if isWordScalar(next) || next == 0x5F {
            var j = i + 1
            while j < n {
              let (t, tl) = decodeScalar(text, at: j)
              guard isWordScalar(t) || t == 0x5F else { break }
              j += tl
            }
            if s == 0x40 {
              workspace.bytes.append(contentsOf: "<user>".utf8)
            } else {
              workspace.bytes.append(0x23)
              for k in (i + 1)..<j {
                let b = text[k]
                workspace.bytes.append(asciiLower && b >= 0x41 && b <= 0x5A ? b | 0x20 : b)
              }
            }
            workspace.endToken()
            i = j
            continue
          }
        }
      }
      if isWordScalar(s) {
        if wordStart < 0 { wordStart = workspace.bytes.count }
        if s < 0x80 {
          let b = UInt8(s)
          workspace.bytes.append(asciiLower && b >= 0x41 && b <= 0x5A ? b | 0x20 : b)
        } else {
          workspace.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[i..<(i + length)]))
        }
        wordLength += 1
        i += length
        continue
      }
      if wordStart >= 0
        && ((c.joinApostrophes && (s == 0x27 || s == 0x2019))
          || (c.joinHyphens && (s == 0x2D || s == 0x2010)))
        && i + length < n && isWordScalar(decodeScalar(text, at: i + length).0)
      {
        workspace.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[i..<(i + length)]))
        i += length
        continue
      }
      endWord()
      if c.splitUnspacedScripts && s >= 0x80 && UnicodeProperties.isSplitScript(s) {
        workspace.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[i..<(i + length)]))
        workspace.endToken()
        i += length
        continue
      }
      if c.keepEmoji && UnicodeProperties.isPictographic(s) {
        i = appendEmoji(text, at: i, workspace: &workspace)
        workspace.endToken()
        continue
      }
      i += length
    }
    endWord()
  }

  /// Appends one emoji sequence (flags, ZWJ sequences, modifiers) and returns the position
  /// after it.
  private func appendEmoji(
    _ text: UnsafeBufferPointer<UInt8>, at start: Int, workspace: inout TokenizerWorkspace
  ) -> Int {
    let n = text.count
    var (s, length) = decodeScalar(text, at: start)
    var i = start
    workspace.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[i..<(i + length)]))
    i += length
    if UnicodeProperties.isRegionalIndicator(s) && i < n {
      let (next, nextLength) = decodeScalar(text, at: i)
      if UnicodeProperties.isRegionalIndicator(next) {
        workspace.bytes.append(
          contentsOf: UnsafeBufferPointer(rebasing: text[i..<(i + nextLength)]))
        i += nextLength
      }
      return i
    }
    while i < n {
      (s, length) = decodeScalar(text, at: i)
      if UnicodeProperties.isEmojiExtender(s) {
        workspace.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[i..<(i + length)]))
        i += length
      } else if s == 0x200D && i + length < n {
        let (next, nextLength) = decodeScalar(text, at: i + length)
        guard UnicodeProperties.isPictographic(next) else { break }
        let end = i + length + nextLength
        workspace.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[i..<end]))
        i = end
      } else {
        break
      }
    }
    return i
  }

  // MARK: - Stop words and n-grams

  /// Whether the terms are a document's word unigrams followed by its word bigrams (word
  /// analyzer, n-grams 1–2), which ``forEachKeptToken(utf8:workspace:_:)`` lets a caller build
  /// from the tokens itself.
  package var emitsWordUnigramsThenBigrams: Bool {
    configuration.analyzer == .word && configuration.ngrams == 1...2
  }

  /// Calls `body` with the UTF-8 bytes of each word token of `text` (valid UTF-8) that is not a
  /// stop word, in order (word analyzer only): the document's unigrams; its bigrams are each two
  /// consecutive ones joined by a space, as ``forEachTerm(in:workspace:_:)`` emits them after
  /// the unigrams.
  package func forEachKeptToken(
    utf8 text: UnsafeBufferPointer<UInt8>, workspace: inout TokenizerWorkspace,
    _ body: (UnsafeBufferPointer<UInt8>) -> Void
  ) {
    tokenize(text, workspace: &workspace)
    workspace.bytes.withUnsafeBufferPointer { all in
      var start = 0
      for end in workspace.ends {
        let token = UnsafeBufferPointer(rebasing: all[start..<end])
        start = end
        if let stop = stopWordTable, stop.find(token) != nil { continue }
        body(token)
      }
    }
  }

  private func emitWordNgrams(
    workspace: inout TokenizerWorkspace, _ body: (UnsafeBufferPointer<UInt8>) -> Void
  ) {
    let bytes = workspace.bytes
    if stopWordTable == nil && configuration.ngrams == 1...1 {
      // Every token is a term, in order.
      bytes.withUnsafeBufferPointer { all in
        var start = 0
        for end in workspace.ends {
          body(UnsafeBufferPointer(rebasing: all[start..<end]))
          start = end
        }
      }
      return
    }
    workspace.kept.removeAll(keepingCapacity: true)
    bytes.withUnsafeBufferPointer { all in
      for t in 0..<workspace.tokenCount {
        let range = workspace.tokenRange(t)
        if let stop = stopWordTable, stop.find(UnsafeBufferPointer(rebasing: all[range])) != nil {
          continue
        }
        workspace.kept.append(t)
      }
      let kept = workspace.kept
      let ngrams = configuration.ngrams
      for n in ngrams where n <= kept.count {
        if n == 1 {
          for t in kept { body(UnsafeBufferPointer(rebasing: all[workspace.tokenRange(t)])) }
          continue
        }
        for start in 0...(kept.count - n) {
          workspace.gram.removeAll(keepingCapacity: true)
          for k in start..<(start + n) {
            if k > start { workspace.gram.append(0x20) }
            workspace.gram.append(contentsOf: all[workspace.tokenRange(kept[k])])
          }
          workspace.gram.withUnsafeBufferPointer(body)
        }
      }
    }
  }

  // MARK: - Character n-grams

  /// Decodes, lowercases and strips accents as configured, into `workspace.scalars`.
  func preprocessScalars(_ text: UnsafeBufferPointer<UInt8>, workspace: inout TokenizerWorkspace) {
    workspace.scalars.removeAll(keepingCapacity: true)
    switch configuration.preset {
    case .sklearn:
      decodeAll(text, into: &workspace.scalars)
      if configuration.lowercase {
        UnicodeProperties.pythonLowercase(workspace.scalars, into: &workspace.scratch)
        swap(&workspace.scalars, &workspace.scratch)
      }
      switch configuration.stripAccents {
      case .none: break
      case .unicode:
        UnicodeProperties.stripAccentsUnicode(workspace.scalars, into: &workspace.scratch)
        swap(&workspace.scalars, &workspace.scratch)
      case .ascii:
        UnicodeProperties.stripAccentsASCII(workspace.scalars, into: &workspace.scratch)
        swap(&workspace.scalars, &workspace.scratch)
      }
    case .unicode:
      if isASCII(text) {
        decodeAll(text, into: &workspace.scalars)
        if configuration.lowercase {
          for k in workspace.scalars.indices where (0x41...0x5A).contains(workspace.scalars[k]) {
            workspace.scalars[k] |= 0x20
          }
        }
      } else {
        let folded = UnicodeProperties.foldCompatibility(
          text, stripMarks: configuration.stripAccents != .none,
          caseFold: configuration.lowercase)
        folded.withUnsafeBufferPointer { decodeAll($0, into: &workspace.scalars) }
      }
    }
  }

  private func emitCharNgrams(
    workspace: inout TokenizerWorkspace, _ body: (UnsafeBufferPointer<UInt8>) -> Void
  ) {
    // Runs of two or more white-space characters become one space (`re.sub(r"\s\s+", " ")`).
    let scalars = workspace.scalars
    workspace.scratch.removeAll(keepingCapacity: true)
    var i = 0
    while i < scalars.count {
      if isSpace(scalars[i]) {
        var j = i + 1
        while j < scalars.count && isSpace(scalars[j]) { j += 1 }
        workspace.scratch.append(j - i >= 2 ? 0x20 : scalars[i])
        i = j
      } else {
        workspace.scratch.append(scalars[i])
        i += 1
      }
    }
    encode(workspace.scratch, workspace: &workspace)
    emitNgrams(count: workspace.scratch.count, workspace: &workspace, padded: false, body)
  }

  private func emitWordBoundedCharNgrams(
    workspace: inout TokenizerWorkspace, _ body: (UnsafeBufferPointer<UInt8>) -> Void
  ) {
    let scalars = workspace.scalars
    var i = 0
    while i < scalars.count {
      while i < scalars.count && isSpace(scalars[i]) { i += 1 }
      guard i < scalars.count else { break }
      var j = i
      while j < scalars.count && !isSpace(scalars[j]) { j += 1 }
      workspace.scratch.removeAll(keepingCapacity: true)
      workspace.scratch.append(0x20)
      workspace.scratch.append(contentsOf: scalars[i..<j])
      workspace.scratch.append(0x20)
      encode(workspace.scratch, workspace: &workspace)
      emitNgrams(count: workspace.scratch.count, workspace: &workspace, padded: true, body)
      i = j
    }
  }

  /// Writes `scalars` as UTF-8 into `workspace.gram`, with the byte offset of each scalar in
  /// `workspace.offsets` (one more entry at the end).
  private func encode(_ scalars: [UInt32], workspace: inout TokenizerWorkspace) {
    workspace.bytes.removeAll(keepingCapacity: true)
    workspace.offsets.removeAll(keepingCapacity: true)
    for s in scalars {
      workspace.offsets.append(workspace.bytes.count)
      workspace.append(scalar: s)
    }
    workspace.offsets.append(workspace.bytes.count)
  }

  /// scikit-learn's `_char_ngrams` (unpadded) and the per-word loop of `_char_wb_ngrams`.
  private func emitNgrams(
    count: Int, workspace: inout TokenizerWorkspace, padded: Bool,
    _ body: (UnsafeBufferPointer<UInt8>) -> Void
  ) {
    let offsets = workspace.offsets
    workspace.bytes.withUnsafeBufferPointer { all in
      func gram(_ start: Int, _ length: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: all[offsets[start]..<offsets[min(start + length, count)]])
      }
      if padded {
        for n in configuration.ngrams {
          var offset = 0
          body(gram(offset, n))
          while offset + n < count {
            offset += 1
            body(gram(offset, n))
          }
          if offset == 0 { break }
        }
      } else {
        for n in configuration.ngrams where n <= count {
          for start in 0...(count - n) { body(gram(start, n)) }
        }
      }
    }
  }

  private func isSpace(_ s: UInt32) -> Bool { UnicodeProperties.isPythonSpace(s) }

  // MARK: - UTF-8

  private func isASCII(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let base = text.baseAddress else { return true }
    let raw = UnsafeRawPointer(base)
    var i = 0
    var acc: UInt64 = 0
    while i + 8 <= text.count {
      acc |= raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
      i += 8
    }
    while i < text.count {
      acc |= UInt64(text[i])
      i += 1
    }
    return acc & 0x8080_8080_8080_8080 == 0
  }

  private func isASCIISpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }

  private func decodeAll(_ text: UnsafeBufferPointer<UInt8>, into out: inout [UInt32]) {
    out.removeAll(keepingCapacity: true)
    var i = 0
    while i < text.count {
      let (s, length) = decodeScalar(text, at: i)
      out.append(s)
      i += length
    }
  }

  /// Decodes the scalar at `i` of valid UTF-8; malformed bytes decode as U+FFFD, one byte long.
  @inline(__always)
  func decodeScalar(_ text: UnsafeBufferPointer<UInt8>, at i: Int) -> (UInt32, Int) {
    let b0 = UInt32(text[i])
    if b0 < 0x80 { return (b0, 1) }
    let n = text.count
    if b0 >= 0xF0, i + 3 < n {
      let s =
        ((b0 & 0x07) << 18) | ((UInt32(text[i + 1]) & 0x3F) << 12)
        | ((UInt32(text[i + 2]) & 0x3F) << 6) | (UInt32(text[i + 3]) & 0x3F)
      return (s, 4)
    }
    if b0 >= 0xE0, i + 2 < n {
      let s =
        ((b0 & 0x0F) << 12) | ((UInt32(text[i + 1]) & 0x3F) << 6) | (UInt32(text[i + 2]) & 0x3F)
      return (s, 3)
    }
    if b0 >= 0xC0, i + 1 < n {
      return (((b0 & 0x1F) << 6) | (UInt32(text[i + 1]) & 0x3F), 2)
    }
    return (0xFFFD, 1)
  }

  /// For each ASCII byte: its lowercase form when it is a `\w` character, else 0.
  static let asciiLowerWord: [UInt8] = (0..<128).map { b in
    let isWord =
      (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F
    return isWord ? UInt8(b >= 0x41 && b <= 0x5A ? b | 0x20 : b) : 0
  }

  /// For each ASCII byte: itself when it is a `\w` character, else 0.
  static let asciiKeepWord: [UInt8] = (0..<128).map { b in
    let isWord =
      (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F
    return isWord ? UInt8(b) : 0
  }

  static let asciiAlnumTable: [Bool] = (0..<128).map { b in
    (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
  }
}
