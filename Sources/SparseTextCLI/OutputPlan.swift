import ArgumentParser
import Foundation
import SparseText

/// The outputs of one run, checked and locked before any work is done: every output's
/// directory exists and is writable, no file output is a directory, a directory output
/// replaces only a directory of its own kind, no output overwrites an input or another output,
/// and no other run is writing any of them. Nothing is created by the checks. Outputs and
/// inputs are registered in the run's ``RunPaths``, which the paths read later are checked
/// against too.
struct OutputPlan {
  /// A path and what the run calls it in messages: an option (`-o`, `--stop-words`) or an
  /// argument (`INPUT`, `MODEL`); `nil` paths are options not given.
  typealias Named = (name: String, path: String?)

  /// A directory output and what it may replace.
  struct Directory {
    var name: String
    var path: String
    var formats: Set<String>
    var entries: Set<String>
  }

  private var locks: [OutputLock] = []

  /// Checks and locks `files` and `directories` (`nil` paths are options not given) against
  /// `inputs` (files, and folders read as a whole) and `models` (directories read as a whole)
  /// and every path the run registered before; `-` (standard input or output) is no path.
  /// `reports` are directories that files are written into (created later, with any missing
  /// parents; see ``OutputLocation/checkCreatableDirectory(_:)``): each file they will hold is
  /// an output (the writers lock them when they write them).
  init(
    files: [Named] = [], directories: [Directory] = [],
    reports: [(name: String, path: String?, files: [String])] = [], inputs: [Named] = [],
    models: [Named] = []
  ) throws {
    let fileOutputs = files.compactMap { named in
      named.path.flatMap { $0 == "-" ? nil : (named.name, URL(fileURLWithPath: $0)) }
    }
    for (_, url) in fileOutputs { try OutputLocation.checkFile(url) }
    for directory in directories {
      try OutputLocation.checkDirectory(
        URL(fileURLWithPath: directory.path), formats: directory.formats,
        entries: directory.entries)
    }
    var reportFiles: [OutputLocation.Role] = []
    for report in reports {
      guard let path = report.path else { continue }
      let directory = URL(fileURLWithPath: path)
      try OutputLocation.checkCreatableDirectory(directory)
      reportFiles += report.files.map {
        OutputLocation.Role(
          directory.appendingPathComponent($0), name: "\(report.name) (its \($0))")
      }
    }
    let outputs =
      fileOutputs.map { OutputLocation.Role($0.1, name: $0.0) }
      + directories.map {
        OutputLocation.Role(URL(fileURLWithPath: $0.path), isDirectory: true, name: $0.name)
      }
    let readRoles =
      inputs.compactMap { named in
        named.path.flatMap { $0 == "-" ? nil : RunPaths.input($0, name: named.name) }
      }
      + models.compactMap { named in
        named.path.map {
          OutputLocation.Role(URL(fileURLWithPath: $0), isDirectory: true, name: named.name)
        }
      }
    try RunPaths.current.register(outputs: outputs + reportFiles, inputs: readRoles)
    do {
      for output in outputs { locks.append(try OutputLock(output.url)) }
    } catch {
      release()
      throw error
    }
  }

  /// Gives the locks up.
  func release() {
    for lock in locks { lock.release() }
  }
}

extension ExperimentCommand {
  /// Checks `--report` and `--label-fractions` when the options are parsed, before the
  /// experiment's long work rather than after it (a fraction above 1 was refused only when the
  /// learning curve was drawn, after every pipeline was fitted).
  func validate() throws {
    if let bad = labelFractions?.values.first(where: { !($0 > 0 && $0 <= 1) }) {
      throw ValidationError("--label-fractions is \(bad), but it must be in (0, 1].")
    }
    guard let report else { return }
    try OutputNames.requireDirectory(report, option: "--report")
    do {
      try OutputLocation.checkCreatableDirectory(URL(fileURLWithPath: report))
    } catch {
      // The argument parser reports validation errors itself (usage error, exit code 2).
      throw ValidationError("\(error)")
    }
  }
}

/// One rule for every output a command writes: a file's extension names the format written, and
/// a name whose extension names no format that output can be written in is refused before any
/// work (exit code 2), never written in another format; a directory output (a model, a report)
/// may not be named like a file of a format sparsetext writes. `-` (standard output) is no
/// name.
enum OutputNames {
  /// Extensions of files sparsetext writes, refused as names of directory outputs.
  static let fileExtensions: Set<String> = [
    "npz", "npy", "safetensors", "svm", "libsvm", "svmlight", "mtx", "json", "jsonl", "ndjson",
    "csv", "tsv", "txt", "vec", "stats", "md", "svg",
  ]

  /// Refuses `path` (given as `option`) unless `recognizes` its extension; `allowed` lists the
  /// extensions for the message, as "a.b, .c or .d".
  static func require(
    _ path: String?, option: String = "-o", allowed: String, _ recognizes: (String) -> Bool
  ) throws {
    guard let path, path != "-" else { return }
    let name = URL(fileURLWithPath: path)
    guard !recognizes(name.pathExtension.lowercased()) else { return }
    let given = name.pathExtension.isEmpty ? "has no extension" : "ends in .\(name.pathExtension)"
    throw ValidationError(
      "\(option) '\(path)' \(given), which names no format it can be written in: end it in \(allowed)"
    )
  }

  /// Refuses a directory output (given as `option`) whose name ends in the extension of a file
  /// format.
  static func requireDirectory(_ path: String?, option: String) throws {
    guard let path else { return }
    let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
    guard fileExtensions.contains(ext) else { return }
    throw ValidationError(
      "\(option) '\(path)' names a directory, but ends in .\(ext) like a file; give a directory name such as '\(URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent)/'"
    )
  }
}
