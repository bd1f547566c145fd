// swift-tools-version: 6.1
import PackageDescription

#if os(Linux)
  let blasTarget: Target = .systemLibrary(
    name: "CBLAS",
    pkgConfig: "openblas",
    providers: [.apt(["libopenblas-dev"])]
  )
  let blasLinker: [LinkerSetting] = []
#else
  let blasTarget: Target = .systemLibrary(name: "CBLAS", path: "Sources/CBLASAccelerate")
  let blasLinker: [LinkerSetting] = [.linkedFramework("Accelerate")]
#endif

let package = Package(
  name: "SparseText",
  platforms: [.macOS(.v14)],
  products: [
    .library(name: "SparseText", targets: ["SparseText"]),
    .executable(name: "sparsetext", targets: ["sparsetext"]),
    .executable(name: "sparsetext-bench", targets: ["sparsetext-bench"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
    .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"),
  ],
  targets: [
    .systemLibrary(
      name: "CUTF8Proc",
      pkgConfig: "libutf8proc",
      providers: [.apt(["libutf8proc-dev"]), .brew(["utf8proc"])]
    ),
    blasTarget,
    .target(name: "CKernels"),
    .target(
      name: "SparseText",
      dependencies: [
        "CUTF8Proc",
        "CBLAS",
        "CKernels",
        .product(name: "ZIPFoundation", package: "ZIPFoundation"),
      ],
      linkerSettings: blasLinker
    ),
    // The research harness: experiment arms, grid, novelty protocol, baselines, ROC, reports.
    .target(
      name: "SparseTextExperiments",
      dependencies: ["SparseText"]
    ),
    // The command line as a library: commands, options, terminal output (tested in-process).
    .target(
      name: "SparseTextCLI",
      dependencies: [
        "SparseText",
        "SparseTextExperiments",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    // main.swift only: runs SparseTextCLI in this process.
    .executableTarget(
      name: "sparsetext",
      dependencies: ["SparseTextCLI"]
    ),
    // Timing commands for `make bench` (Benchmarks/run.py), kept out of the user-facing CLI.
    .executableTarget(
      name: "sparsetext-bench",
      dependencies: [
        "SparseText",
        // `codes` reads the autoencoder's options as `fit` spells them.
        "SparseTextCLI",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .executableTarget(
      name: "EmbeddingsQuickstart",
      dependencies: ["SparseText"],
      path: "Examples/EmbeddingsQuickstart"
    ),
    .executableTarget(
      name: "TopicExplorer",
      dependencies: ["SparseText"],
      path: "Examples/TopicExplorer"
    ),
    .executableTarget(
      name: "SentimentExperiment",
      dependencies: ["SparseText"],
      path: "Examples/SentimentExperiment"
    ),
    // Helpers only tests use (reading back what the library writes), shared by the test targets.
    .target(
      name: "TestSupport",
      dependencies: ["SparseText"],
      path: "Tests/TestSupport"
    ),
    .testTarget(
      name: "SparseTextTests",
      dependencies: ["SparseText", "SparseTextExperiments", "CKernels", "TestSupport"]
    ),
    // Commands run in-process: arguments in; standard output, standard error and status out.
    .testTarget(
      name: "SparseTextCLITests",
      dependencies: ["SparseText", "SparseTextCLI", "TestSupport"]
    ),
    // What only a process shows: signals, pipes, the real binary's exit codes, the restart.
    .testTarget(
      name: "sparsetextTests",
      dependencies: ["SparseText"]
    ),
  ]
)
