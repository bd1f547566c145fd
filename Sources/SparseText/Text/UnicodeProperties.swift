import CUTF8Proc

/// Character properties from utf8proc, and the few Python string semantics the scikit-learn
/// preset has to reproduce (`str.lower`, `\w`, `str.isspace`, `unicodedata.combining`).
enum UnicodeProperties {
  static func category(_ scalar: UInt32) -> Int32 {
    Int32(utf8proc_category(Int32(bitPattern: scalar)).rawValue)
  }

  static func isLetter(_ category: Int32) -> Bool { category >= 1 && category <= 5 }
  static func isMark(_ category: Int32) -> Bool { category >= 6 && category <= 8 }
  static func isNumber(_ category: Int32) -> Bool { category >= 9 && category <= 11 }

  /// Python's `\w` for `str` patterns: `str.isalnum()` or `_`.
  static func isPythonWord(_ scalar: UInt32) -> Bool {
    if scalar < 0x80 { return Tokenizer.asciiKeepWord[Int(scalar)] != 0 }
    let c = category(scalar)
    return isLetter(c) || isNumber(c)
  }

  /// Python's `str.isspace()` (and `\s`): bidirectional class WS, B or S, or category Zs.
  static func isPythonSpace(_ scalar: UInt32) -> Bool {
    switch scalar {
    case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F,
      0x205F, 0x3000:
      return true
    default:
      return false
    }
  }

  /// The canonical combining class (`unicodedata.combining`).
  static func combiningClass(_ scalar: UInt32) -> Int {
    Int(utf8proc_get_property(Int32(bitPattern: scalar)).pointee.combining_class)
  }

  static func simpleLowercase(_ scalar: UInt32) -> UInt32 {
    UInt32(bitPattern: utf8proc_tolower(Int32(bitPattern: scalar)))
  }

  static func simpleUppercase(_ scalar: UInt32) -> UInt32 {
    UInt32(bitPattern: utf8proc_toupper(Int32(bitPattern: scalar)))
  }

  /// Unicode's "cased" property, as the final-sigma rule needs it.
  static func isCased(_ scalar: UInt32) -> Bool {
    let c = category(scalar)
    if c >= 1 && c <= 3 { return true }
    return simpleLowercase(scalar) != scalar || simpleUppercase(scalar) != scalar
  }

  /// Unicode's "case-ignorable" property (Mn, Me, Cf, Lm, Sk and the word-internal punctuation
  /// of Word_Break MidLetter, MidNumLet and Single_Quote).
  static func isCaseIgnorable(_ scalar: UInt32) -> Bool {
    switch scalar {
    case 0x27, 0x2E, 0x3A, 0xB7, 0x387, 0x5F4, 0x2018, 0x2019, 0x2024, 0x2027, 0xFE13, 0xFE52,
      0xFE55, 0xFF07, 0xFF0E, 0xFF1A:
      return true
    default:
      let c = category(scalar)
      return c == 6 || c == 8 || c == 27 || c == 4 || c == 21
    }
  }

  /// Python's `str.lower()`: full lowercase mapping (U+0130 becomes `i` + U+0307) and the
  /// final-sigma rule.
  static func pythonLowercase(_ scalars: [UInt32], into out: inout [UInt32]) {
    out.removeAll(keepingCapacity: true)
    out.reserveCapacity(scalars.count)
    for (i, s) in scalars.enumerated() {
      if s < 0x80 {
        out.append(s >= 0x41 && s <= 0x5A ? s | 0x20 : s)
      } else if s == 0x130 {
        out.append(0x69)
        out.append(0x307)
      } else if s == 0x3A3 {
        out.append(isFinalSigma(scalars, at: i) ? 0x3C2 : 0x3C3)
      } else {
        out.append(simpleLowercase(s))
      }
    }
  }

  private static func isFinalSigma(_ scalars: [UInt32], at index: Int) -> Bool {
    var j = index - 1
    while j >= 0 && isCaseIgnorable(scalars[j]) { j -= 1 }
    guard j >= 0, isCased(scalars[j]) else { return false }
    var k = index + 1
    while k < scalars.count && isCaseIgnorable(scalars[k]) { k += 1 }
    return k == scalars.count || !isCased(scalars[k])
  }

  /// Appends the compatibility decomposition (NFKD) of one scalar.
  static func appendCompatibilityDecomposition(_ scalar: UInt32, to out: inout [UInt32]) {
    if scalar < 0xA0 {
      out.append(scalar)
      return
    }
    var buffer = [Int32](repeating: 0, count: 32)
    var boundClass: Int32 = 0
    let options = utf8proc_option_t(
      rawValue: UTF8PROC_DECOMPOSE.rawValue | UTF8PROC_COMPAT.rawValue)
    let n = utf8proc_decompose_char(
      Int32(bitPattern: scalar), &buffer, 32, options, &boundClass)
    if n <= 0 || n > 32 {
      out.append(scalar)
      return
    }
    for k in 0..<n { out.append(UInt32(bitPattern: buffer[k])) }
  }

  /// sklearn's `strip_accents_unicode`: NFKD, then drop combining characters.
  static func stripAccentsUnicode(_ scalars: [UInt32], into out: inout [UInt32]) {
    out.removeAll(keepingCapacity: true)
    var decomposed: [UInt32] = []
    for s in scalars {
      if s < 0xA0 {
        out.append(s)
        continue
      }
      decomposed.removeAll(keepingCapacity: true)
      appendCompatibilityDecomposition(s, to: &decomposed)
      for d in decomposed where combiningClass(d) == 0 { out.append(d) }
    }
  }

  /// sklearn's `strip_accents_ascii`: NFKD, then drop everything that is not ASCII.
  static func stripAccentsASCII(_ scalars: [UInt32], into out: inout [UInt32]) {
    out.removeAll(keepingCapacity: true)
    var decomposed: [UInt32] = []
    for s in scalars {
      if s < 0x80 {
        out.append(s)
        continue
      }
      decomposed.removeAll(keepingCapacity: true)
      appendCompatibilityDecomposition(s, to: &decomposed)
      for d in decomposed where d < 0x80 { out.append(d) }
    }
  }

  /// NFKC + case folding (+ mark stripping) through utf8proc, for the unicode preset.
  static func foldCompatibility(
    _ text: UnsafeBufferPointer<UInt8>, stripMarks: Bool, caseFold: Bool
  ) -> [UInt8] {
    var options = UTF8PROC_STABLE.rawValue | UTF8PROC_COMPOSE.rawValue | UTF8PROC_COMPAT.rawValue
    if caseFold { options |= UTF8PROC_CASEFOLD.rawValue }
    if stripMarks { options |= UTF8PROC_STRIPMARK.rawValue }
    var result: UnsafeMutablePointer<UInt8>? = nil
    let length = utf8proc_map(
      text.baseAddress, text.count, &result, utf8proc_option_t(rawValue: options))
    defer { free(result) }
    guard length >= 0, let result else { return Array(text) }
    return Array(UnsafeBufferPointer(start: result, count: length))
  }

  /// Scripts written without spaces between words, split into single characters by the
  /// unicode preset: Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar.
  static func isSplitScript(_ scalar: UInt32) -> Bool {
    switch scalar {
    case 0x3040...0x30FF, 0x31F0...0x31FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF,
      0x20000...0x3FFFF, 0x0E00...0x0EFF, 0x1780...0x17FF, 0x1000...0x109F, 0xFF66...0xFF9F,
      0x3005, 0x3007, 0x303B:
      return true
    default:
      return false
    }
  }

  static func isRegionalIndicator(_ scalar: UInt32) -> Bool { (0x1F1E6...0x1F1FF).contains(scalar) }

  /// A scalar that starts an emoji or pictographic symbol token.
  static func isPictographic(_ scalar: UInt32) -> Bool {
    if scalar < 0xA9 || scalar == 0xFFFD || scalar == 0xFFFC { return false }
    if isRegionalIndicator(scalar) { return true }
    let c = category(scalar)
    return c == 22 || (0x1F3FB...0x1F3FF).contains(scalar)
  }

  /// A scalar that extends the emoji before it: variation selectors, skin tones, the keycap
  /// mark and tag characters (the zero-width joiner is handled by the caller).
  static func isEmojiExtender(_ scalar: UInt32) -> Bool {
    scalar == 0xFE0F || scalar == 0xFE0E || scalar == 0x20E3 || (0x1F3FB...0x1F3FF).contains(scalar)
      || (0xE0020...0xE007F).contains(scalar)
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
