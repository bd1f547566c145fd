import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Reads a corpus in any of the ``CorpusFormat``s, one document at a time, reporting every
/// malformed record with its file, line, column and byte offset.
///
/// ```swift
/// let reader = CorpusReader(
///   contentsOf: URL(fileURLWithPath: "tweets.csv"), options: .init(labelColumn: "sentiment"))
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
    /// The longest record read, in bytes: a line, a CSV record or a file of a folder corpus;
    /// 64 MiB by default. A longer one is an error naming its
    /// file, line and byte offset, so an input without record ends (`/dev/zero`, a binary file)
    /// cannot take unbounded memory: a reader holds one 1 MiB chunk plus the record being read.
    public var maximumRecordBytes: Int
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
      labelPrefix: String = "__label__", idField: String? = nil,
      maximumRecordBytes: Int = Options.defaultMaximumRecordBytes
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
      self.maximumRecordBytes = maximumRecordBytes
    }

    /// The default bound on one record: 64 MiB.
    @usableFromInline package static let defaultMaximumRecordBytes = 64 << 20
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
  package static func standardInput(options: Options = .init()) -> CorpusReader {
    CorpusReader(path: "-", options: options)
  }

  /// Creates a reader of `path` (`-` reads standard input), as the command line names it.
  package init(path: String, options: Options = .init()) {
    self.path = path
    self.options = options
  }

  /// The file or folder read; `nil` for standard input.
  package var url: URL? { path == "-" ? nil : URL(fileURLWithPath: path) }

  /// The format that will be used: the one given, else inferred from the path; a plain-text
  /// input whose first line starts with the fastText label prefix is read as fastText.
  ///
  /// Only an ordinary file is opened here to look at its first bytes (it can be read again);
  /// for standard input, a pipe or a FIFO, which can be read only once, this is the format the
  /// path names, and reading decides by peeking at the bytes it then parses.
  package var format: CorpusFormat {
    if let format = options.format { return format }
    let named = namedFormat
    guard named == .lines, Self.isOrdinaryFile(path),
      let input = try? ChunkedInput(path: path, chunkSize: 4096, maximumRecordBytes: 4096)
    else { return named }
    return (try? sniffed(input)) ?? named
  }

  /// The format the options or the path name, without reading: a directory is a folder corpus,
  /// else the extension decides (plain lines when it names no format).
  private var namedFormat: CorpusFormat {
    if let format = options.format { return format }
    guard path != "-" else { return .lines }
    var info = stat()
    let isDirectory = stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    return CorpusFormat.inferred(from: path, isDirectory: isDirectory)
  }

  /// Plain lines, or fastText when the first line (after a byte order mark) starts with the
  /// label prefix: peeked at in `input`'s window, so nothing is consumed.
  private func sniffed(_ input: ChunkedInput) throws -> CorpusFormat {
    let prefix = Array(options.labelPrefix.utf8)
    guard !prefix.isEmpty else { return .lines }
    return try input.hasPrefix(prefix, at: input.skipByteOrderMark()) ? .fasttext : .lines
  }

  private static func isOrdinaryFile(_ path: String) -> Bool {
    var info = stat()
    return path != "-" && stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG
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

  /// Opens the input once: the format the options or the path name, or for plain lines the
  /// one its first bytes show, is decided from the same buffered stream the parser then reads.
  private func read<Sink: DocumentSink>(into sink: inout Sink) throws -> CorpusReadReport {
    var context = Context(
      file: path == "-" ? "<stdin>" : path,
      decoder: TextDecoder(encoding: options.encoding, strict: options.strictEncoding),
      policy: options.onBadRecord, maximumRecordBytes: max(1, options.maximumRecordBytes))
    var format = namedFormat
    if options.idField != nil, ![.csv, .tsv, .jsonl].contains(format) {
      throw ConfigurationError.conflict(
        reason:
          "an id field is read from JSONL records or CSV/TSV columns, not from \(format) input",
        suggestion: "\(unset: .idField), or read JSONL or CSV/TSV input (\(field: .format)).")
    }
    if format == .folder {
      try readFolder(&context) { try sink.add($0) }
      return context.report
    }
    let input = try open()
    if format == .lines && options.format == nil { format = try sniffed(input) }
    switch format {
    case .folder, .lines, .fasttext:
      try readLines(input, fastText: format == .fasttext, &context, &sink)
    case .csv, .tsv:
      try readDelimited(input, format: format, &context) { try sink.add($0) }
    case .jsonl:
      try readJSONLines(input, &context, &sink)
    }
    return context.report
  }

  // MARK: - Shared state

  struct Context {
    let file: String
    let decoder: TextDecoder
    let policy: BadRecordPolicy
    let maximumRecordBytes: Int
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
      guard report.firstSkipped == nil else { return }
      // Where and what, without the error's advice to skip such records: they were skipped.
      if case .malformedRecord(let file, let line, let column, let offset, let reason) = error {
        let location = column.map { "\(file):\(line):\($0)" } ?? "\(file):\(line)"
        report.firstSkipped = "\(location): byte offset \(offset): \(reason)"
      } else {
        report.firstSkipped = error.description
      }
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
    return try ChunkedInput(
      path: path, chunkSize: chunkSize, maximumRecordBytes: max(1, options.maximumRecordBytes))
  }

  // MARK: - Lines and fastText

  private func readLines<Sink: DocumentSink>(
    _ input: ChunkedInput, fastText: Bool, _ context: inout Context, _ sink: inout Sink
  ) throws {
    let prefix = Array(options.labelPrefix.utf8)
    let start = try input.skipByteOrderMark()
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

  /// CSV and TSV. The first records (up to ``CSVColumns/sampleSize``) are read and decoded
  /// first: whether the first is a header, and which columns hold the text, the label and the
  /// id, are decided from them (see ``CSVColumns``), then they and the rest are handed over.
  private func readDelimited(
    _ input: ChunkedInput, format: CorpusFormat, _ context: inout Context,
    _ body: (LabeledDocument) throws -> Void
  ) throws {
    let delimiter = options.delimiter ?? (format == .tsv ? 0x09 : 0x2C)
    var parser = try CSVParser(input: input, delimiter: delimiter)
    var record = CSVParser.Record()
    /// The next record, `false` at the end (or after a bad one that is skipped).
    func next(_ context: inout Context) throws -> Bool {
      do {
        return try parser.next(into: &record, file: context.file)
      } catch let error as DataError {
        try context.bad(error)
        return false
      }
    }
    // The first records' fields as bytes (decoded later, as every record's used fields are)
    // and leniently decoded, to decide from.
    var sample: [(raw: [[UInt8]], offsets: [Int], fields: [String], line: Int, byteOffset: Int)] =
      []
    let lenient = TextDecoder(encoding: options.encoding, strict: false)
    var ignored = TextDecoder.Problems()
    var more = true
    /// A record that did not parse among the first ones: reported after the records before it.
    var pending: DataError?
    while sample.count < CSVColumns.sampleSize {
      do {
        guard try parser.next(into: &record, file: context.file) else {
          more = false
          break
        }
      } catch let error as DataError {
        pending = error
        more = false
        break
      }
      let raw = record.fields.map { parser.fieldBytes($0) }
      let fields = try raw.map { bytes in
        try bytes.withUnsafeBufferPointer { try lenient.decode($0, problems: &ignored) }
      }
      sample.append(
        (raw, record.fields.map(\.range.lowerBound), fields, record.line, record.byteOffset))
    }
    guard !sample.isEmpty else {
      if let pending { try context.bad(pending) }
      return
    }
    let columns = try CSVColumns(
      records: sample.map(\.fields), options: options, file: context.file)
    context.report.csvColumns = columns
    let width = sample[0].fields.count
    var index = 0
    /// Hands over one record, its fields given by `field` (decoded on demand).
    func emit(
      count: Int, line: Int, byteOffset: Int, isBlank: Bool, _ context: inout Context,
      field: (Int, inout Context) throws -> String
    ) throws {
      guard count == width else {
        if isBlank { return }
        try context.bad(
          DataError.malformedRecord(
            file: context.file, line: line, column: nil, byteOffset: byteOffset,
            reason: "expected \(width) fields, found \(count)"))
        return
      }
      let text = try field(columns.text, &context)
      var labels: [String] = []
      if let labelIndex = columns.label {
        let label = try field(labelIndex, &context).trimmingHorizontalSpace()
        if !label.isEmpty { labels = [label] }
      }
      var id = String(index)
      if let idIndex = columns.id { id = try field(idIndex, &context).trimmingHorizontalSpace() }
      try body(LabeledDocument(id: id, text: text, labels: labels, line: line))
      context.report.documents += 1
      index += 1
    }
    for (k, row) in sample.enumerated() where k > 0 || columns.header == nil {
      try emit(
        count: row.raw.count, line: row.line, byteOffset: row.byteOffset,
        isBlank: row.raw.count == 1 && row.raw[0].isEmpty, &context
      ) { j, context in
        try row.raw[j].withUnsafeBufferPointer {
          try context.decode($0, line: row.line, byteOffset: row.offsets[j])
        }
      }
    }
    if let pending { try context.bad(pending) }
    guard more else { return }
    while try next(&context) {
      try emit(
        count: record.fields.count, line: record.line, byteOffset: record.byteOffset,
        isBlank: record.fields.count == 1 && record.fields[0].range.isEmpty, &context
      ) { j, context in
        let field = record.fields[j]
        return try parser.fieldBytes(field).withUnsafeBufferPointer {
          try context.decode($0, line: record.line, byteOffset: field.range.lowerBound)
        }
      }
    }
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
        let added: Void? = try flat!.parse(bytes) { text, label, id in
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

  /// `DIR/<label>/*.txt`: every entry of `DIR` that is a directory is a label. An entry that
  /// cannot be examined (a link to nothing, a loop, no permission) or a label folder that cannot
  /// be listed is an error naming it, never skipped: a class missing without a word would give
  /// a classifier that never predicts it. A file that cannot be read is a bad record.
  private func readFolder(_ context: inout Context, _ body: (LabeledDocument) throws -> Void)
    throws
  {
    let root = URL(fileURLWithPath: path)
    let manager = FileManager.default
    let entries: [String]
    do {
      entries = try manager.contentsOfDirectory(atPath: path)
    } catch {
      throw DataError.unreadableFile(
        file: path, reason: "it is not a readable directory (\(Self.reason(of: error)))")
    }
    var labelNames: [String] = []
    for name in entries where !name.hasPrefix(".") {
      let entry = root.appendingPathComponent(name).path
      var info = stat()
      guard stat(entry, &info) == 0 else {
        throw DataError.unreadableFile(
          file: entry,
          reason:
            "this entry of the folder corpus cannot be examined (\(BoundedFile.reason(errno))); "
            + "a label folder must be readable. Fix or remove it")
      }
      if info.st_mode & S_IFMT == S_IFDIR { labelNames.append(name) }
    }
    labelNames.sort()
    guard !labelNames.isEmpty else {
      throw DataError.noLabelFolders(folder: path)
    }
    for label in labelNames {
      let folder = root.appendingPathComponent(label)
      let names: [String]
      do {
        names = try manager.contentsOfDirectory(atPath: folder.path)
      } catch {
        throw DataError.unreadableFile(
          file: folder.path,
          reason:
            "the folder of label '\(label)' cannot be listed (\(Self.reason(of: error))); "
            + "fix its permissions, or move it out of the corpus")
      }
      let files = names.filter { !$0.hasPrefix(".") && $0.hasSuffix(".txt") }.sorted()
      for name in files {
        let file = folder.appendingPathComponent(name)
        let data: Data
        do {
          data = try BoundedFile.contents(of: file.path, limit: context.maximumRecordBytes)
        } catch DataError.fileTooLarge(let file, let limit) {
          throw DataError.recordTooLarge(file: file, line: 1, byteOffset: 0, limit: limit)
        } catch let error as DataError {
          try context.bad(error)
          continue
        }
        var inner = Context(
          file: file.path, decoder: context.decoder, policy: context.policy,
          maximumRecordBytes: context.maximumRecordBytes)
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

  /// The system's reason inside a Foundation error, in a few words.
  private static func reason(of error: any Error) -> String {
    OutputError.posixCode(of: error).map(BoundedFile.reason) ?? "it cannot be read"
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
