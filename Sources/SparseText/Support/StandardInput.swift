#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The file descriptor that readers open for the path `-`: the process's standard input,
/// unless a caller binds another for the work it runs (the command line run in-process reads
/// the input its caller gives it).
package enum StandardInput {
  /// The descriptor read for `-`; it is never closed by the readers.
  @TaskLocal package static var descriptor: Int32 = STDIN_FILENO
}
