// swift-tools-version: 6.1
// A package that depends on SparseText the way an outside user does (by path) and uses only its
// public API: its tests, and the repository's examples built from here. `make test` builds and
// tests it.
import Foundation
import PackageDescription

// A path dependency's identity is its folder's name, which depends on where the repository was
// cloned; derive it instead of hard-coding it.
let repositoryRoot = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let sparseText = repositoryRoot.lastPathComponent

// The repository's examples, built again from outside (Examples/*/main.swift link to them):
// inside the repository they could call `package` declarations without a word.
let examples: [Target] = ["EmbeddingsQuickstart", "TopicExplorer", "SentimentExperiment"].map {
  .executableTarget(
    name: "Outside\($0)",
    dependencies: [.product(name: "SparseText", package: sparseText)],
    path: "Examples/\($0)"
  )
}

let package = Package(
  name: "PackageUsage",
  platforms: [.macOS(.v14)],
  dependencies: [.package(path: repositoryRoot.path)],
  targets: [
    .testTarget(
      name: "PackageUsageTests",
      dependencies: [.product(name: "SparseText", package: sparseText)]
    )
  ] + examples
)
