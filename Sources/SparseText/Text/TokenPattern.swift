import Foundation

/// A custom word-token regular expression for the sklearn preset (scikit-learn's
/// `token_pattern`): tokens are the pattern's non-overlapping matches in the preprocessed
/// (lowercased, accent-stripped) text, or the text of its one capturing group when it has one,
/// as Python's `re.findall` gives them.
///
/// The pattern is written in Python's `re` syntax and run by ICU (`NSRegularExpression`):
/// `\w`, `\W`, `\d`, `\D`, `\s`, `\S`, `\b`, `\B` and `\Z` are translated to their Python
/// meanings for `str` patterns, `(?u)` is accepted (it is Python's default), and `(?P<name>…)`
/// and `(?P=name)` become ICU's named groups. Other constructs common to both engines (classes,
/// quantifiers, alternation, look-arounds, `(?i)`) mean the same.
struct TokenPattern: @unchecked Sendable {
  // NSRegularExpression is immutable and safe to use from several threads at once.
  let expression: NSRegularExpression
  /// Whether tokens are the first group's text rather than the whole match.
  let usesGroup: Bool

  /// Compiles `pattern`; throws ``ConfigurationError`` naming `tokenPattern` when it does not
  /// compile or has more than one capturing group.
  init(_ pattern: String) throws {
    self.pattern = pattern
    let translated = try Self.translate(pattern)
    do {
      expression = try NSRegularExpression(pattern: translated)
    } catch {
      throw ConfigurationError.outOfRange(
        field: .tokenPattern, value: pattern,
        allowed: "a valid regular expression")
    }
    guard expression.numberOfCaptureGroups <= 1 else {
      throw ConfigurationError.outOfRange(
        field: .tokenPattern, value: pattern,
        allowed: "a regular expression with at most one capturing group (use (?:…) for others)")
    }
    usesGroup = expression.numberOfCaptureGroups == 1
  }

  /// The pattern as written.
  let pattern: String

  /// The matching work allowed per document, in ICU's units of 10,000 steps: 1,000 steps per
  /// UTF-16 unit of the text, and 1,000,000 steps at least. Patterns that tokenize in linear
  /// time take a few to a hundred steps per unit (the translated `(?u)\b\w\w+\b` about 2, one
  /// that fails at every position after trying several lengths about 100); one that
  /// backtracks catastrophically (`(a+)+$` on a line of a's takes 2ⁿ steps) or quadratically
  /// over a long document runs out of it in well under a second, instead of running for
  /// minutes or forever.
  static func stepUnits(length: Int) -> Int { 100 + length / 10 }

  /// The ``ConfigurationError`` for a pattern that ran out of its step budget on a document of
  /// `length` UTF-16 units.
  func tooSlow(length: Int) -> ConfigurationError {
    .outOfRange(
      field: .tokenPattern, value: pattern,
      allowed:
        "a pattern that tokenizes a document within \(Self.stepUnits(length: length) * 10_000) "
        + "matching steps (1,000 per character): it needed more on a document of \(length) "
        + "characters, which happens when a pattern backtracks catastrophically, as nested "
        + "repetition such as (a+)+ does. Rewrite it without nested or overlapping repetition")
  }

  /// The tokens of `text`, in order, as ranges of UTF-16 offsets (NSRange's units); `nil` when
  /// matching needed more than ``stepUnits(length:)`` (see ``tooSlow(length:)``).
  func tokenRanges(in text: String) -> [Range<Int>]? {
    let whole = NSRange(location: 0, length: text.utf16.count)
    let budget = Self.stepUnits(length: whole.length)
    var callbacks = 0
    var exceeded = false
    var ranges: [Range<Int>] = []
    // When progress is asked for, ICU calls back every 10,000 steps of matching, and as a
    // search for the next match moves its start: at most once per position of the text and
    // once per search. The calls beyond those are the steps.
    expression.enumerateMatches(in: text, options: [.reportProgress], range: whole) {
      match, flags, stop in
      guard let match else {
        if flags.contains(.progress) {
          callbacks += 1
          if callbacks - whole.length - ranges.count - 1 > budget {
            exceeded = true
            stop.pointee = true
          }
        }
        return
      }
      let range = usesGroup ? match.range(at: 1) : match.range
      // A group that took no part in the match gives an empty token, as in Python.
      ranges.append(
        range.location == NSNotFound ? 0..<0 : range.location..<(range.location + range.length))
    }
    return exceeded ? nil : ranges
  }

  private static let word = #"\p{L}\p{N}_"#
  private static let space =
    #"\t-\r\x{1c}-\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"#
  private static let boundary = "(?:(?<=[\(word)])(?![\(word)])|(?<![\(word)])(?=[\(word)]))"
  private static let nonBoundary = "(?:(?<=[\(word)])(?=[\(word)])|(?<![\(word)])(?![\(word)]))"

  /// Python's `re` syntax as ICU reads it, with Python's character classes.
  static func translate(_ pattern: String) throws -> String {
    let characters = Array(pattern)
    var out = ""
    var inClass = false
    var classStart = 0
    var i = 0
    while i < characters.count {
      let c = characters[i]
      if c == "\\", i + 1 < characters.count {
        let e = characters[i + 1]
        i += 2
        switch (e, inClass) {
        case ("w", false): out += "[\(word)]"
        case ("w", true): out += word
        case ("W", _): out += "[^\(word)]"
        case ("s", false): out += "[\(space)]"
        case ("s", true): out += space
        case ("S", _): out += "[^\(space)]"
        case ("d", _): out += #"\p{Nd}"#
        case ("D", _): out += #"\P{Nd}"#
        case ("b", false): out += boundary
        case ("B", false): out += nonBoundary
        case ("Z", false): out += #"\z"#
        default: out += "\\\(e)"
        }
        continue
      }
      if inClass {
        // A `]` right after `[` or `[^` is a literal in Python.
        if c == "]" && i > classStart {
          inClass = false
        } else if c == "]" || c == "[" {
          out += "\\"
        }
        out.append(c)
        i += 1
        continue
      }
      if c == "[" {
        inClass = true
        out.append(c)
        i += 1
        if i < characters.count && characters[i] == "^" {
          out.append("^")
          i += 1
        }
        classStart = i
        continue
      }
      if c == "(" && i + 1 < characters.count && characters[i + 1] == "?" {
        let rest = String(characters[(i + 2)...])
        if rest.hasPrefix("P<") {
          out += "(?<"
          i += 4
          continue
        }
        if rest.hasPrefix("P="), let close = rest.firstIndex(of: ")") {
          let name = rest[rest.index(rest.startIndex, offsetBy: 2)..<close]
          out += "\\k<\(name)>"
          i += 2 + rest.distance(from: rest.startIndex, to: close) + 1
          continue
        }
        // Inline flags such as (?u) or (?iu): Python's u is the default for str.
        let flags = rest.prefix { $0.isLetter }
        if !flags.isEmpty, rest.dropFirst(flags.count).first == ")",
          flags.allSatisfy({ "aiLmsux".contains($0) })
        {
          if flags.contains("a") || flags.contains("L") {
            throw ConfigurationError.outOfRange(
              field: .tokenPattern, value: pattern,
              allowed: "a pattern without the (?a) or (?L) flags (Unicode matching only)")
          }
          let kept = flags.filter { $0 != "u" }
          if !kept.isEmpty { out += "(?\(kept))" }
          i += 2 + flags.count + 1
          continue
        }
      }
      out.append(c)
      i += 1
    }
    return out
  }
}
