// swift-tools-version: 6.1
// A package that depends on SparseText the way an outside user does (by path) and uses only its
// public API. `make test` builds and tests it.
import Foundation
import PackageDescription

// A path dependency's identity is its folder's name, which depends on where the repository was
// cloned; derive it instead of hard-coding it.
let repositoryRoot = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let sparseText = repositoryRoot.lastPathComponent

let package = Package(
  name: "PackageUsage",
  platforms: [.macOS(.v14)],
  dependencies: [.package(path: repositoryRoot.path)],
  targets: [
    .testTarget(
      name: "PackageUsageTests",
      dependencies: [.product(name: "SparseText", package: sparseText)]
    )
  ]
)
