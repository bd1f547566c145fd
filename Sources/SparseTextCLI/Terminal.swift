import ArgumentParser
import Foundation
import SparseText

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Writing to the terminal, and turning errors into messages and exit codes.
enum Terminal {
  /// Exit codes documented in `sparsetext --help`.
  enum Status: Int32 {
    case success = 0
    case runtime = 1
    case usage = 2
    case data = 3
    case modelFormat = 4
  }

  static func printError(_ message: String) {
    Console.current.writeError("error: \(message)\n")
  }

  static func warn(_ message: String) {
    Console.current.writeError("warning: \(message)\n")
  }

  static func note(_ message: String, quiet: Bool, console: Console = .current) {
    guard !quiet else { return }
    console.writeError("\(message)\n")
  }

  /// Prints `error` the way users should see it (help and `--version` on standard output,
  /// everything else on standard error) and returns its exit status.
  static func status(for error: any Error) -> Int32 {
    let command = SparseTextCommand.self
    let status: Status
    switch error {
    case let error as DataError:
      printError(FlagAdvice.message(for: error))
      status = .data
    case let error as ModelFormatError:
      printError(FlagAdvice.message(for: error))
      status = .modelFormat
    case let error as ConfigurationError:
      printError(FlagAdvice.message(for: error))
      status = .usage
    case let error as TrainingError:
      printError(FlagAdvice.message(for: error))
      status = .runtime
    case let error as EmbeddingIndexError:
      printError(FlagAdvice.message(for: error))
      switch error {
      case .duplicateID, .unknownID: status = .data
      case .modelMismatch, .noModelBundle, .modelBundleMissing: status = .usage
      }
    case let error as CommandError:
      printError(error.message)
      status = error.status
    case let error as OutputError:
      printError(error.description)
      switch error {
      case .unwritable, .refused: status = .usage
      case .failed, .busy: status = .runtime
      }
    case let error as NSError
    where error.domain == NSCocoaErrorDomain || error.domain == NSPOSIXErrorDomain:
      // A Foundation error that escaped the library's own: name the path and say what to do,
      // never print the raw domain and code.
      let path = error.userInfo[NSFilePathErrorKey] as? String ?? "the output"
      let isRead = error.domain == NSCocoaErrorDomain && (256..<512).contains(error.code)
      if isRead {
        printError(
          DataError.unreadableFile(
            file: path,
            reason: OutputError.posixCode(of: error).map { String(cString: strerror($0)) }
              ?? "it cannot be read"
          ).description)
        status = .data
      } else {
        let translated = OutputError.translating(error, file: path)
        printError("\(translated)")
        status = .runtime
      }
    default:
      // The argument parser's own errors, help and --version, printed as it prints them.
      let code = command.exitCode(for: error)
      let message = command.fullMessage(for: error)
      if code == .success {
        if !message.isEmpty { try? Console.current.print(message) }
        return code.rawValue
      }
      if !message.isEmpty {
        Console.current.writeError(message.hasSuffix("\n") ? message : message + "\n")
      }
      status = code == .validationFailure ? .usage : .runtime
    }
    return status.rawValue
  }

  /// Restarts the process once with `OPENBLAS_CORETYPE` set when OpenBLAS picked its SSE3
  /// kernels on a processor with AVX2 (see ``BLAS/betterKernelFamily``). A value the user set
  /// is always left alone.
  static func useFastBLASKernels() {
    #if os(Linux)
      guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil,
        let family = BLAS.betterKernelFamily
      else { return }
      setenv("OPENBLAS_CORETYPE", family, 1)
      let arguments = CommandLine.arguments
      var pointers = arguments.map { strdup($0) }
      pointers.append(nil)
      execv("/proc/self/exe", &pointers)
    // execv returns only on failure: carry on with the slow kernels.
    #endif
  }
}

/// A failure the command itself reports, with its exit status.
struct CommandError: Error {
  let message: String
  let status: Terminal.Status

  static func usage(_ message: String) -> CommandError {
    CommandError(message: message, status: .usage)
  }
  static func runtime(_ message: String) -> CommandError {
    CommandError(message: message, status: .runtime)
  }
}

/// A progress line on standard error: a bar on a terminal, nothing otherwise.
final class ProgressBar: @unchecked Sendable {
  private let total: Int
  private let label: String
  private let enabled: Bool
  private let lock = NSLock()
  private var done = 0
  private var lastDraw = Date.distantPast
  private let start = Date()

  private let console: Console

  init(total: Int, label: String, quiet: Bool, console: Console = .current) {
    self.total = total
    self.label = label
    self.console = console
    self.enabled = !quiet && console.standardError.isTerminal
  }

  func advance(by count: Int = 1) {
    guard enabled else { return }
    lock.lock()
    defer { lock.unlock() }
    done += count
    let now = Date()
    guard now.timeIntervalSince(lastDraw) > 0.1 || done >= total else { return }
    lastDraw = now
    draw(now)
  }

  /// Sets a free-form status after the counts (e.g. the loss).
  func set(done value: Int, status: String = "") {
    guard enabled else { return }
    lock.lock()
    defer { lock.unlock() }
    done = value
    draw(Date(), status: status)
  }

  private func draw(_ now: Date, status: String = "") {
    let elapsed = now.timeIntervalSince(start)
    let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 0
    let width = 24
    let filled = Int(fraction * Double(width))
    let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
    let rate = elapsed > 0 ? Double(done) / elapsed : 0
    let remaining = rate > 0 ? Double(total - done) / rate : 0
    let line = String(
      format: "\r%@ %@ %d/%d  %.0f/s  ETA %@ %@\u{1B}[K", label, bar, done, total, rate,
      Self.duration(remaining), status)
    console.writeError(line)
  }

  func finish() {
    guard enabled else { return }
    lock.lock()
    defer { lock.unlock() }
    console.writeError("\r\u{1B}[K")
  }

  static func duration(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    return s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s"
  }
}

/// A progress line for reading a corpus: documents, documents per second, and, for a regular
/// file, the share of its bytes read and the time left. It appears only once reading has taken
/// a second, only on a terminal, and never with `--quiet`.
final class ReadingProgress {
  private let total: Int
  private let enabled: Bool
  private let start = Date()
  private var lastDraw = Date.distantPast
  private var documents = 0
  private var bytes = 0
  private var drawn = false
  private let console = Console.current

  init(path: String) {
    enabled = console.showsProgress
    let attributes = try? FileManager.default.attributesOfItem(atPath: path)
    let isFile = (attributes?[.type] as? FileAttributeType) == .typeRegular
    total = isFile ? ((attributes?[.size] as? NSNumber)?.intValue ?? 0) : 0
  }

  /// Counts one document (or a block of `added` documents) of about `bytes` bytes.
  func advance(bytes count: Int, documents added: Int = 1) {
    documents += added
    bytes += count
    guard enabled, added > 1 || documents & 255 == 0 else { return }
    let now = Date()
    guard now.timeIntervalSince(start) >= 1, now.timeIntervalSince(lastDraw) >= 0.1 else {
      return
    }
    lastDraw = now
    drawn = true
    let elapsed = now.timeIntervalSince(start)
    let rate = Double(documents) / elapsed
    var line = "\rreading "
    if total > 0 {
      let fraction = min(1, Double(bytes) / Double(total))
      let filled = Int(fraction * 24)
      line += String(repeating: "█", count: filled) + String(repeating: "·", count: 24 - filled)
      line += String(format: " %3.0f%%  ", fraction * 100)
    }
    line += String(format: "%d documents  %.0f/s", documents, rate)
    if total > 0 && bytes > 0 {
      let remaining = elapsed * Double(max(0, total - bytes)) / Double(bytes)
      line += "  ETA " + ProgressBar.duration(remaining)
    }
    console.writeError(line + "\u{1B}[K")
  }

  /// Clears the line, if one was drawn.
  func finish() {
    guard drawn else { return }
    drawn = false
    console.writeError("\r\u{1B}[K")
  }
}

extension Terminal {
  /// Runs `body`, showing `label` and the seconds elapsed on standard error while it takes
  /// longer than a second (TTY only; never with `--quiet`), for work that reports no progress
  /// of its own.
  static func withActivity<T>(_ label: String, _ body: () throws -> T) rethrows -> T {
    let console = Console.current
    guard console.showsProgress else { return try body() }
    let start = Date()
    let drawn = ActivityFlag()
    let queue = DispatchQueue(label: "sparsetext.activity")
    let timer = DispatchSource.makeTimerSource(queue: queue)
    timer.schedule(deadline: .now() + 1, repeating: 0.5)
    timer.setEventHandler {
      let seconds = Int(Date().timeIntervalSince(start))
      drawn.set()
      console.writeError("\r\(label)… \(seconds)s\u{1B}[K")
    }
    timer.resume()
    defer {
      timer.cancel()
      // A tick already running on the serial queue finishes before the line is cleared.
      queue.sync {}
      if drawn.isSet { console.writeError("\r\u{1B}[K") }
    }
    return try body()
  }
}

/// A flag set from a timer and read after it stopped.
private final class ActivityFlag: @unchecked Sendable {
  private let lock = NSLock()
  private var value = false
  func set() {
    lock.lock()
    value = true
    lock.unlock()
  }
  var isSet: Bool {
    lock.lock()
    defer { lock.unlock() }
    return value
  }
}
