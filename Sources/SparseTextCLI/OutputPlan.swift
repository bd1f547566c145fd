import ArgumentParser
import Foundation
import SparseText

/// The outputs of one run, checked and locked before any work is done: every output's
/// directory exists and is writable, no file output is a directory, a directory output
/// replaces only a directory of its own kind, no output overwrites an input or another output,
/// and no other run is writing any of them. Nothing is created by the checks.
struct OutputPlan {
  /// A directory output and what it may replace.
  struct Directory {
    var path: String
    var formats: Set<String>
    var entries: Set<String>
  }

  private var locks: [OutputLock] = []

  /// Checks and locks `files` and `directories` (`nil` entries are options not given) against
  /// `inputs` (files and corpus folders) and `models` (directories read as a whole); `-`
  /// (standard input) is no path.
  init(
    files: [String?] = [], directories: [Directory] = [], inputs: [String?] = [],
    models: [String?] = []
  ) throws {
    let fileURLs = files.compactMap { $0 }.map { URL(fileURLWithPath: $0) }
    for url in fileURLs { try OutputLocation.checkFile(url) }
    for directory in directories {
      try OutputLocation.checkDirectory(
        URL(fileURLWithPath: directory.path), formats: directory.formats,
        entries: directory.entries)
    }
    let outputs =
      fileURLs.map { OutputLocation.Role($0) }
      + directories.map { OutputLocation.Role(URL(fileURLWithPath: $0.path), isDirectory: true) }
    let readRoles =
      inputs.compactMap { $0 }.filter { $0 != "-" }.map {
        OutputLocation.Role(URL(fileURLWithPath: $0))
      }
      + models.compactMap { $0 }.map {
        OutputLocation.Role(URL(fileURLWithPath: $0), isDirectory: true)
      }
    try OutputLocation.checkDistinct(outputs: outputs, inputs: readRoles)
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
  /// Checks `--report` when the options are parsed, before the experiment's long work rather
  /// than after it.
  func validate() throws {
    guard let report else { return }
    do {
      try OutputLocation.checkCreatableDirectory(URL(fileURLWithPath: report))
    } catch {
      // The argument parser reports validation errors itself (usage error, exit code 2).
      throw ValidationError("\(error)")
    }
  }
}
