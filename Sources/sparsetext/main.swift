import Foundation
import SparseTextCLI

// `sparsetext`: every command lives in SparseTextCLI, where tests run them in-process. This
// file adds what only a process does: choosing OpenBLAS's kernels (which may restart the
// process) before a command that multiplies dense matrices, and exiting with the status.
let status = CommandLineTool.run(Array(CommandLine.arguments.dropFirst()), console: .process) {
  ProcessStart.prepare(multipliesDenseMatrices: $0)
}
exit(status)
