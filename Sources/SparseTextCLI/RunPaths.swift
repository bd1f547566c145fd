import Foundation
import SparseText

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Every path one command run reads or writes, in one registry per run, so that "no output is
/// one of the inputs" holds for every path a command reads: the main input, each file of a
/// folder or `--files-from` list, stop words, vocabularies, configurations, statistics, split
/// files, models and indexes, and every file a report directory will hold.
///
/// ``CommandLineTool`` gives each run its own registry (``current``). Outputs enter it through
/// ``OutputPlan``, before any work; inputs enter it twice: declared in the command's
/// ``OutputPlan`` (so a clash is refused before any work), and again where they are read
/// (``read(_:as:)``, called by the shared readers: ``ReadOptions``, the stop-word, vocabulary,
/// model and statistics loaders), so that an input a command forgot to declare is still
/// checked before it is read and before any output is put in place. Paths are compared by
/// ``OutputLocation/checkDistinct(outputs:inputs:)``: by resolved path and by identity (device
/// and inode, so hard links and symbolic links count), directories covering what is inside.
/// A clash is an ``OutputError/refused(file:reason:suggestion:)`` naming both roles and the
/// paths (exit code 2); since every output is written to a temporary file and put in place only
/// when the run succeeds, nothing is written.
final class RunPaths: @unchecked Sendable {
  /// The registry of the command run on this task (``CommandLineTool`` sets one per run).
  @TaskLocal static var current = RunPaths()

  private let lock = NSLock()
  private var inputs: [OutputLocation.Role] = []
  private var outputs: [OutputLocation.Role] = []
  /// Each input's path and name, so a path registered again (declared, then read) is checked
  /// once: a list of many files stays linear.
  private var registered: Set<String> = []

  /// An empty registry.
  init() {}

  /// The paths registered as read so far, for tests.
  var readPaths: [String] { lock.withLock { inputs.map(\.url.path) } }

  /// Registers `newOutputs` and `newInputs`, refusing any output that is an input or another
  /// output of the run (those registered before included).
  func register(outputs newOutputs: [OutputLocation.Role], inputs newInputs: [OutputLocation.Role])
    throws
  {
    try lock.withLock {
      var seen = Set<String>()
      let fresh = newInputs.filter {
        let key = Self.key($0)
        return !registered.contains(key) && seen.insert(key).inserted
      }
      if newOutputs.isEmpty {
        // Only the new inputs can clash with the outputs checked before.
        guard !fresh.isEmpty else { return }
        try OutputLocation.checkDistinct(outputs: outputs, inputs: fresh)
      } else {
        try OutputLocation.checkDistinct(outputs: outputs + newOutputs, inputs: inputs + fresh)
      }
      inputs += fresh
      registered.formUnion(seen)
      outputs += newOutputs
    }
  }

  private static func key(_ role: OutputLocation.Role) -> String {
    role.url.path + "\u{0}" + (role.name ?? "")
  }

  /// Registers `paths`, read as `name` (an option such as `--stop-words`, or `INPUT`), before
  /// they are read: refused when one is an output of this run. `nil`, `-` (standard input) and
  /// `english` (the built-in stop words) are no paths. A directory is read as a whole.
  static func read(_ paths: [String?], as name: String) throws {
    let roles = paths.compactMap { $0 }.filter { $0 != "-" }.map { input($0, name: name) }
    guard !roles.isEmpty else { return }
    try current.register(outputs: [], inputs: roles)
  }

  /// ``read(_:as:)`` for one path.
  static func read(_ path: String?, as name: String) throws {
    try read([path], as: name)
  }

  /// The role of an input path: a directory (a folder corpus, a model, an index) covers what is
  /// inside it.
  static func input(_ path: String, name: String) -> OutputLocation.Role {
    var info = stat()
    let isDirectory = stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    return OutputLocation.Role(URL(fileURLWithPath: path), isDirectory: isDirectory, name: name)
  }
}
