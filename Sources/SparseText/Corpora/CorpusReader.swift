import Foundation

/// Reads a corpus in any of the ``CorpusFormat``s, one document at a time, reporting every
/// malformed record with its file, line, column and byte offset.
///
/// ```swift
/// let reader = CorpusReader(path: "tweets.csv", options: .init(labelColumn: "sentiment"))
/// let (documents, report) = try reader.readAll()
/// ```
public struct CorpusReader: Sendable {
  /// How to read the input.
  public struct Options: Sendable, Equatable {
    /// The format; inferred from the path when `nil`.
    public var format: CorpusFormat?
    /// The text encoding; UTF-8 by default.
    public var encoding: TextDecoder.Encoding
    /// Reject invalid UTF-8 instead of replacing it; `false` by default.
    public var strictEncoding: Bool
    /// What to do with malformed records; stop by default.
    public var onBadRecord: BadRecordPolicy
    /// CSV/TSV: the text column, by header name or 0-based index; `text` (or the last column).
    public var textColumn: String?
    /// CSV/TSV: the label column, by header name or 0-based index; `label`, `sentiment`,
    /// `category`, `class` or `topic` when the header has one.
    public var labelColumn: String?
    /// CSV/TSV: whether the first record is a header; guessed when `nil` (it is when it names
    /// the requested columns or a column called `text`).
    public var hasHeader: Bool?
    /// CSV/TSV: the field separator; `,` for CSV and tab for TSV.
    public var delimiter: UInt8?
    /// JSONL: the text field (dots reach into nested objects); `text` by default.
    public var textField: String
    /// JSONL: the label field; `label` by default (a string, a number or an array of them).
    public var labelField: String
    /// fastText: the label prefix; `__label__` by default.
    public var labelPrefix: String
    /// JSONL: the field holding each document's id (a string or a number); CSV/TSV: the id
    /// column, by header name or 0-based index. The 0-based record index when `nil` (the
    /// default); other formats refuse it.
    public var idField: String?

    /// Creates options; see each property for its default.
    public init(
      format: CorpusFormat? = nil, encoding: TextDecoder.Encoding = .utf8,
      strictEncoding: Bool = false, onBadRecord: BadRecordPolicy = .error,
      textColumn: String? = nil, labelColumn: String? = nil, hasHeader: Bool? = nil,
      delimiter: UInt8? = nil, textField: String = "text", labelField: String = "label",
      labelPrefix: String = "__label__", idField: String? = nil
    ) {
      self.format = format
      self.encoding = encoding
      self.strictEncoding = strictEncoding
      self.onBadRecord = onBadRecord
      self.textColumn = textColumn
      self.labelColumn = labelColumn
      self.hasHeader = hasHeader
      self.delimiter = delimiter
      self.textField = textField
      self.labelField = labelField
      self.labelPrefix = labelPrefix
      self.idField = idField
    }
  }

  /// The path read, or `-` for standard input.
  package let path: String
  /// The options.
  public let options: Options
  /// How many bytes are read at a time (1 MiB); memory holds one chunk plus the longest record.
  var chunkSize = 1 << 20

  /// Creates a reader of the file or folder at `url` (a folder holds one subfolder per label).
  public init(contentsOf url: URL, options: Options = .init()) {
    self.init(path: url.path, options: options)
  }

  /// Creates a reader of standard input.
  public static func standardInput(options: Options = .init()) -> CorpusReader {
    CorpusReader(path: "-", options: options)
  }

  /// Creates a reader of `path` (`-` reads standard input), as the command line names it.
  package init(path: String, options: Options = .init()) {
    self.path = path
    self.options = options
  }

  /// The file or folder read; `nil` for standard input.
  public var url: URL? { path == "-" ? nil : URL(fileURLWithPath: path) }

  /// The format that will be used: the one given, else inferred from the path; a plain-text
  /// file whose first line starts with the fastText label prefix is read as fastText.
  public var format: CorpusFormat {
    if let format = options.format { return format }
    var isDirectory: ObjCBool = false
    let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
    let inferred = CorpusFormat.inferred(from: path, isDirectory: exists && isDirectory.boolValue)
    if inferred == .lines, exists, !isDirectory.boolValue,
      let handle = FileHandle(forReadingAtPath: path)
    {
      defer { try? handle.close() }
      let head = handle.readData(ofLength: 64)
      let body = head.starts(with: [0xEF, 0xBB, 0xBF]) ? head.dropFirst(3) : head[...]
      if body.starts(with: Data(options.labelPrefix.utf8)) { return .fasttext }
    }
    return inferred
  }

  /// Reads every document into memory.
  public func readAll() throws -> (documents: [LabeledDocument], report: CorpusReadReport) {
    var documents: [LabeledDocument] = []
    let report = try forEachDocument { documents.append($0) }
    return (documents, report)
  }

  /// Calls `body` with each document in order and returns what was seen.
  @discardableResult
  public func forEachDocument(_ body: (LabeledDocument) throws -> Void) throws
    -> CorpusReadReport
  {
    try withoutActuallyEscaping(body) { body in
      var sink = DocumentClosureSink(body: body)
      return try read(into: &sink)
    }
  }

  /// Reads the documents in blocks of about `blockBytes` bytes of text (the first ones
  /// smaller, from 64 KiB up), each handed to `body` in order, keeping each document's first label when `keepsLabels` is set. Lines and JSON
  /// lines whose text is valid UTF-8 go from the input into the block with no `String` made.
  @discardableResult
  package func forEachBlock(
    blockBytes: Int = 4 << 20, keepsLabels: Bool, _ body: (DocumentBlock) throws -> Void
  ) throws -> CorpusReadReport {
    try withoutActuallyEscaping(body) { body in
      var sink = DocumentBlockSink(blockBytes: blockBytes, keepsLabels: keepsLabels, emit: body)
      let report = try read(into: &sink)
      try sink.finish()
      return report
    }
  }

  private func read<Sink: DocumentSink>(into sink: inout Sink) throws -> CorpusReadReport {
    var context = Context(
      file: path == "-" ? "<stdin>" : path,
      decoder: TextDecoder(encoding: options.encoding, strict: options.strictEncoding),
      policy: options.onBadRecord)
    if options.idField != nil, ![.csv, .tsv, .jsonl].contains(format) {
      throw ConfigurationError.conflict(
        reason:
          "an id field is read from JSONL records or CSV/TSV columns, not from \(format) input",
        suggestion: "\(unset: .idField), or read JSONL or CSV/TSV input (\(field: .format)).")
    }
    switch format {
    case .folder:
      try readFolder(&context) { try sink.add($0) }
    case .lines, .fasttext:
      try readLines(try open(), &context, &sink)
    case .csv, .tsv:
      try readDelimited(try open(), &context) { try sink.add($0) }
    case .jsonl:
      try readJSONLines(try open(), &context, &sink)
    }
    return context.report
  }

  // MARK: - Shared state

  struct Context {
    let file: String
    let decoder: TextDecoder
    let policy: BadRecordPolicy
    var report = CorpusReadReport()
    var problems = TextDecoder.Problems()

    /// Whether valid UTF-8 decodes to the same bytes (UTF-8, with or without the Latin-1
    /// fallback), so that a reader may pass such bytes on undecoded.
    var decodesValidUTF8AsItself: Bool {
      decoder.encoding == .utf8 || decoder.encoding == .utf8OrLatin1
    }

    mutating func decode(_ bytes: UnsafeBufferPointer<UInt8>, line: Int, byteOffset: Int) throws
      -> String
    {
      if decoder.encoding == .utf8OrLatin1, TextDecoder.firstInvalidUTF8(bytes) != nil {
        report.latin1Documents += 1
      }
      let text = try decoder.decode(
        bytes, file: file, line: line, byteOffset: byteOffset, problems: &problems)
      if problems.replacements != report.replacedBytes {
        report.replacedBytes = problems.replacements
        if report.firstEncodingProblem == nil, let l = problems.firstLine,
          let o = problems.firstByteOffset
        {
          report.firstEncodingProblem = "\(file):\(l): byte offset \(o)"
        }
      }
      return text
    }

    /// Skips or throws, by policy.
    mutating func bad(_ error: DataError) throws {
      guard policy == .skip else { throw error }
      report.skippedRecords += 1
      if report.firstSkipped == nil { report.firstSkipped = error.description }
    }
  }

  /// Opens the input for chunked reading; directories get a hint about `--format folder`.
  private func open() throws -> ChunkedInput {
    if path != "-" {
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw DataError.unreadableFile(file: path, reason: "no such file")
      }
      guard !isDirectory.boolValue else {
        throw DataError.directoryAsFile(path: path)
      }
    }
    return try ChunkedInput(path: path, chunkSize: chunkSize)
  }

  // MARK: - Lines and fastText

  private func readLines<Sink: DocumentSink>(
    _ input: ChunkedInput, _ context: inout Context, _ sink: inout Sink
  ) throws {
    let prefix = Array(options.labelPrefix.utf8)
    let start = try input.skipByteOrderMark()
    var fastText = format == .fasttext
    if !fastText, path == "-", options.format == nil, !prefix.isEmpty {
      // Standard input has no extension: its first bytes decide, as a file's do in `format`.
      while input.end - start < prefix.count && !input.atEnd {
        try input.refill(keepingFrom: input.base)
      }
      fastText =
        input.end - start >= prefix.count
        && input.withBytes(start..<(start + prefix.count)) { $0.elementsEqual(prefix) }
    }
    var index = 0
    // Each label's bytes (after the prefix), reused from line to line.
    var labelRanges: [Range<Int>] = []
    try input.forEachLine(from: start) { bytes, offset, line in
      var contentEnd = bytes.count
      if contentEnd > 0 && bytes[contentEnd - 1] == 0x0D { contentEnd -= 1 }
      var textStart = 0
      labelRanges.removeAll(keepingCapacity: true)
      if fastText {
        while textStart < contentEnd {
          let remaining = contentEnd - textStart
          guard remaining > prefix.count,
            bytes[textStart..<(textStart + prefix.count)].elementsEqual(prefix)
          else { break }
          var labelEnd = textStart + prefix.count
          while labelEnd < contentEnd && bytes[labelEnd] != 0x20 && bytes[labelEnd] != 0x09 {
            labelEnd += 1
          }
          labelRanges.append((textStart + prefix.count)..<labelEnd)
          textStart = labelEnd
          while textStart < contentEnd && (bytes[textStart] == 0x20 || bytes[textStart] == 0x09) {
            textStart += 1
          }
        }
      }
      let text = UnsafeBufferPointer(rebasing: bytes[textStart..<contentEnd])
      // Valid UTF-8 decodes to itself: the bytes go to the sink as they are.
      if context.decodesValidUTF8AsItself, labelRanges.count <= 1,
        !Self.startsWithByteOrderMark(text),
        !labelRanges.contains(where: { Self.startsWithByteOrderMark(bytes, at: $0) }),
        TextDecoder.firstInvalidUTF8(UnsafeBufferPointer(rebasing: bytes[0..<contentEnd])) == nil
      {
        try sink.add(
          text: text, label: labelRanges.first.map { UnsafeBufferPointer(rebasing: bytes[$0]) },
          id: nil, index: index, line: line)
        context.report.documents += 1
        index += 1
        return
      }
      let labels = try labelRanges.map { range in
        try context.decode(
          UnsafeBufferPointer(rebasing: bytes[range]), line: line,
          byteOffset: offset + range.lowerBound - prefix.count)
      }
      let decoded = try context.decode(text, line: line, byteOffset: offset + textStart)
      try sink.add(LabeledDocument(id: String(index), text: decoded, labels: labels, line: line))
      context.report.documents += 1
      index += 1
    }
  }

  /// Whether `bytes` (or its `range`) starts with a UTF-8 byte order mark, which decoding drops.
  private static func startsWithByteOrderMark(
    _ bytes: UnsafeBufferPointer<UInt8>, at range: Range<Int>? = nil
  ) -> Bool {
    let range = range ?? 0..<bytes.count
    return range.count >= 3 && bytes[range.lowerBound] == 0xEF
      && bytes[range.lowerBound + 1] == 0xBB && bytes[range.lowerBound + 2] == 0xBF
  }

  // MARK: - CSV and TSV

  private func readDelimited(
    _ input: ChunkedInput, _ context: inout Context, _ body: (LabeledDocument) throws -> Void
  ) throws {
    let delimiter = options.delimiter ?? (format == .tsv ? 0x09 : 0x2C)
    var parser = try CSVParser(input: input, delimiter: delimiter)
    var record = CSVParser.Record()
    guard try parser.next(into: &record, file: context.file) else { return }
    var header: [String]? = nil
    let firstFields = try record.fields.map { field in
      try input.withBytes(field.range) {
        try context.decode($0, line: record.line, byteOffset: field.range.lowerBound)
      }
    }
    let lowered = firstFields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
    let requested = [options.textColumn, options.labelColumn, options.idField].compactMap {
      $0?.lowercased()
    }
    let looksLikeHeader =
      lowered.contains("text")
      || (!requested.isEmpty
        && requested.allSatisfy { name in
          Int(name) != nil || lowered.contains(name)
        } && requested.contains { Int($0) == nil })
    if options.hasHeader ?? looksLikeHeader { header = lowered }
    let width = firstFields.count
    let textIndex = try column(
      options.textColumn, header: header, width: width,
      defaults: ["text", "document", "content", "sentence", "review"], fallback: width - 1,
      role: "text", field: .textColumn)!
    let labelIndex = try column(
      options.labelColumn, header: header, width: width,
      defaults: ["label", "labels", "sentiment", "category", "class", "topic", "target"],
      fallback: nil, role: "label", field: .labelColumn)
    let idIndex = try column(
      options.idField, header: header, width: width, defaults: [], fallback: nil, role: "id",
      field: .idField)
    var index = 0
    func emit(_ record: CSVParser.Record, _ context: inout Context) throws {
      guard record.fields.count == width else {
        if record.fields.count == 1 && record.fields[0].range.isEmpty { return }  // blank line
        try context.bad(
          DataError.malformedRecord(
            file: context.file, line: record.line, column: nil, byteOffset: record.byteOffset,
            reason: "expected \(width) fields, found \(record.fields.count)"))
        return
      }
      let textField = record.fields[textIndex]
      let text = try parser.fieldBytes(textField).withUnsafeBufferPointer {
        try context.decode($0, line: record.line, byteOffset: textField.range.lowerBound)
      }
      var labels: [String] = []
      if let labelIndex {
        let labelField = record.fields[labelIndex]
        let label = try parser.fieldBytes(labelField).withUnsafeBufferPointer {
          try context.decode($0, line: record.line, byteOffset: labelField.range.lowerBound)
        }.trimmingHorizontalSpace()
        if !label.isEmpty { labels = [label] }
      }
      var id = String(index)
      if let idIndex {
        let idField = record.fields[idIndex]
        id = try parser.fieldBytes(idField).withUnsafeBufferPointer {
          try context.decode($0, line: record.line, byteOffset: idField.range.lowerBound)
        }.trimmingHorizontalSpace()
      }
      try body(LabeledDocument(id: id, text: text, labels: labels, line: record.line))
      context.report.documents += 1
      index += 1
    }
    if header == nil { try emit(record, &context) }
    while true {
      do {
        guard try parser.next(into: &record, file: context.file) else { break }
      } catch let error as DataError {
        try context.bad(error)
        break
      }
      try emit(record, &context)
    }
  }

  private func column(
    _ requested: String?, header: [String]?, width: Int, defaults: [String], fallback: Int?,
    role: String, field: ConfigurationField
  ) throws -> Int? {
    if let requested {
      if let index = Int(requested) {
        guard index >= 0 && index < width else {
          throw ConfigurationError.outOfRange(
            field: field, value: requested, allowed: "a column index in 0..<\(width)")
        }
        return index
      }
      guard let header, let index = header.firstIndex(of: requested.lowercased()) else {
        let names = header.map { $0.joined(separator: ", ") } ?? "no header row"
        throw ConfigurationError.outOfRange(
          field: field, value: requested, allowed: "one of the header's columns (\(names))")
      }
      return index
    }
    if let header {
      for name in defaults { if let index = header.firstIndex(of: name) { return index } }
    }
    return fallback
  }

  // MARK: - JSON lines

  private func readJSONLines<Sink: DocumentSink>(
    _ input: ChunkedInput, _ context: inout Context, _ sink: inout Sink
  ) throws {
    var index = 0
    var flat = flatJSONFields()
    try input.forEachLine(from: try input.skipByteOrderMark()) { slice, start, line in
      if slice.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { return }
      /// Hands the document of a flat line to the sink; `false` when the line is not one.
      func addFlat(_ bytes: UnsafeBufferPointer<UInt8>) throws -> Bool {
        guard flat != nil else { return false }
        let added = try flat!.parse(bytes) { text, label, id in
          try sink.add(text: text, label: label, id: id, index: index, line: line)
        }
        guard added != nil else { return false }
        context.report.documents += 1
        index += 1
        return true
      }
      // A line of valid UTF-8 is parsed from its bytes, which decode to themselves; any other
      // goes through the text decoder like every other format (--encoding, --strict-encoding
      // and the replacement report apply to JSON lines too), then the same parser.
      let decodesAsItself =
        context.decodesValidUTF8AsItself && !Self.startsWithByteOrderMark(slice)
        && TextDecoder.firstInvalidUTF8(slice) == nil
      if decodesAsItself, try addFlat(slice) { return }
      var decoded = try context.decode(slice, line: line, byteOffset: start)
      if !decodesAsItself, try decoded.withUTF8({ try addFlat($0) }) { return }
      let object: Any
      do {
        object = try JSONSerialization.jsonObject(with: Data(decoded.utf8), options: [])
      } catch {
        try context.bad(
          .malformedRecord(
            file: context.file, line: line, column: nil, byteOffset: start,
            reason: "not valid JSON (\(Self.jsonProblem(error)))"))
        return
      }
      guard let record = object as? [String: Any] else {
        try context.bad(
          .malformedRecord(
            file: context.file, line: line, column: nil, byteOffset: start,
            reason: "expected a JSON object"))
        return
      }
      guard let text = lookup(options.textField, in: record) as? String else {
        try context.bad(
          .malformedRecord(
            file: context.file, line: line, column: nil, byteOffset: start,
            reason: "no string field '\(options.textField)' (choose it with \(field: .textField))"))
        return
      }
      let labels: [String]
      let count: Int
      switch lookup(options.labelField, in: record) {
      case nil, is NSNull?:
        (labels, count) = ([], 0)
      case let values as [Any]:
        (labels, count) = (values.compactMap(Self.jsonLabel), values.count)
      case let value?:
        (labels, count) = (Self.jsonLabel(value).map { [$0] } ?? [], 1)
      }
      guard labels.count == count else {
        try context.bad(
          .malformedRecord(
            file: context.file, line: line, column: nil, byteOffset: start,
            reason:
              "the label field '\(options.labelField)' holds an object or a nested array; "
              + "a label is a string, a number or true/false, or an array of them (choose the field with \(field: .labelField))"
          ))
        return
      }
      var id = String(index)
      if let idField = options.idField {
        switch lookup(idField, in: record) {
        case let value as String: id = value
        case let value as NSNumber: id = value.stringValue
        default:
          try context.bad(
            .malformedRecord(
              file: context.file, line: line, column: nil, byteOffset: start,
              reason: "no string or number field '\(idField)' for the id"))
          return
        }
      }
      try sink.add(LabeledDocument(id: id, text: text, labels: labels, line: line))
      context.report.documents += 1
      index += 1
    }
  }

  /// A JSON label as text: strings as they are, numbers as written, booleans as `true` and
  /// `false` (not `1` and `0`, which would merge them with numbers); `nil` for anything else.
  static func jsonLabel(_ value: Any) -> String? {
    switch value {
    case let text as String: return text
    case let number as NSNumber:
      // JSON's true and false arrive as NSNumbers of C type `c` (char), which no number has.
      if number.objCType.pointee == UInt8(ascii: "c") { return number.boolValue ? "true" : "false" }
      return number.stringValue
    default: return nil
    }
  }

  /// What the JSON parser found wrong, in its own words ("unexpected character … around line
  /// 1, column 7", "too many nested arrays or dictionaries …").
  static func jsonProblem(_ error: any Error) -> String {
    let error = error as NSError
    guard var text = error.userInfo["NSDebugDescription"] as? String, !text.isEmpty else {
      return error.localizedDescription
    }
    while text.hasSuffix(".") { text.removeLast() }
    return text.prefix(1).lowercased() + text.dropFirst()
  }

  private func lookup(_ path: String, in object: [String: Any]) -> Any? {
    var current: Any? = object
    for key in path.split(separator: ".") {
      current = (current as? [String: Any])?[String(key)]
    }
    return current
  }

  // MARK: - Folders

  private func readFolder(_ context: inout Context, _ body: (LabeledDocument) throws -> Void)
    throws
  {
    let root = URL(fileURLWithPath: path)
    let manager = FileManager.default
    guard let labels = try? manager.contentsOfDirectory(atPath: path) else {
      throw DataError.unreadableFile(file: path, reason: "not a readable directory")
    }
    let labelNames = labels.filter { name in
      var isDirectory: ObjCBool = false
      return !name.hasPrefix(".")
        && manager.fileExists(
          atPath: root.appendingPathComponent(name).path, isDirectory: &isDirectory)
        && isDirectory.boolValue
    }.sorted()
    guard !labelNames.isEmpty else {
      throw DataError.noLabelFolders(folder: path)
    }
    for label in labelNames {
      let folder = root.appendingPathComponent(label)
      let files = ((try? manager.contentsOfDirectory(atPath: folder.path)) ?? [])
        .filter { !$0.hasPrefix(".") && $0.hasSuffix(".txt") }.sorted()
      for name in files {
        let file = folder.appendingPathComponent(name)
        let data: Data
        do {
          data = try Data(contentsOf: file)
        } catch {
          try context.bad(.unreadableFile(file: file.path, reason: error.localizedDescription))
          continue
        }
        let fileContext = Context(file: file.path, decoder: context.decoder, policy: context.policy)
        var inner = fileContext
        inner.report = context.report
        inner.problems = context.problems
        let text = try data.withUnsafeBytes { raw in
          try inner.decode(raw.bindMemory(to: UInt8.self), line: 1, byteOffset: 0)
        }
        context.report = inner.report
        context.problems = inner.problems
        let stem = (name as NSString).deletingPathExtension
        try body(LabeledDocument(id: "\(label)/\(stem)", text: text, labels: [label], line: 0))
        context.report.documents += 1
      }
    }
  }
}

extension String {
  /// The string without leading and trailing tabs and space separators (Unicode's Zs), the
  /// set Foundation calls `.whitespaces`; returned as is, without bridging, when there are none.
  func trimmingHorizontalSpace() -> String {
    func isSpace(_ scalar: Unicode.Scalar) -> Bool {
      scalar == "\t" || scalar.properties.generalCategory == .spaceSeparator
    }
    let scalars = unicodeScalars
    guard let first = scalars.first, let last = scalars.last, isSpace(first) || isSpace(last)
    else { return self }
    guard let start = scalars.firstIndex(where: { !isSpace($0) }) else { return "" }
    let end = scalars.lastIndex(where: { !isSpace($0) })!
    return String(scalars[start...end])
  }
}
