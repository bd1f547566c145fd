import ArgumentParser
import Foundation
import SparseText

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Times `EmbeddingIndex` on seeded vectors, for `make bench`: building, batched queries as a
/// share of the machine's sgemm rate (measured in the same process, alternately), single-query
/// latency with each scan, near-duplicate pairs, writing and loading.
struct BenchSearch: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "search",
    abstract: "Time EmbeddingIndex building and searching and print the results as JSON.")

  @Option(help: "Rows of the index.")
  var rows = 100_000

  @Option(help: "The vectors' width.")
  var dimension = 256

  @Option(help: "Queries of the batched measurement.")
  var queries = 2048

  @Option(help: "Single queries timed one by one, per scan.")
  var single = 200

  @Option(help: "Neighbours per query.")
  var k = 10

  @Option(help: "Rows of the near-duplicate measurement (the first rows of the index).")
  var duplicateRows = 20_000

  @Option(help: "Timed repetitions of the batched search and of sgemm (the best is reported).")
  var repeats = 3

  @Option(
    help:
      "A directory to write the index (vectors.npy, ids.json) and queries.npy into, for a peer to read."
  )
  var write: String?

  func run() throws {
    let (rows, dimension, queries, single, k) = (rows, dimension, queries, single, k)
    var generator = SeededGenerator(seed: 28)
    // Clustered, as embeddings of a corpus are: each row a center plus noise; every 100th row
    // a near copy of the row before it.
    let centers = (0..<(1000 * dimension)).map { _ in Float(generator.nextGaussian()) }
    func sample(_ count: Int) -> DenseMatrix {
      var values = [Float](repeating: 0, count: count * dimension)
      for r in 0..<count {
        let center = Int(generator.next() % 1000) * dimension
        let copy = r % 100 == 99
        for c in 0..<dimension {
          values[r * dimension + c] =
            copy
            ? values[(r - 1) * dimension + c] + Float(generator.nextGaussian() * 0.05)
            : centers[center + c] + Float(generator.nextGaussian())
        }
      }
      return try! DenseMatrix(rows: count, columns: dimension, values: values)
    }
    let vectors = sample(rows)
    let queryVectors = sample(max(queries, single))
    // OpenBLAS's workers spin for about 0.1 s after the library loads before they sleep.
    Thread.sleep(forTimeInterval: 0.5)

    let rssBefore = Self.residentBytes()
    var start = Self.now()
    let index = try EmbeddingIndex(vectors: vectors)
    let buildSeconds = Self.now() - start
    let rssAfter = Self.residentBytes()
    let floatIndex = try EmbeddingIndex(vectors: vectors, configuration: .init(scan: .float32))

    // Batched: alternately the machine's sgemm (2048²) and the search, the best of each.
    let batch = queryVectors.selectingRows(0..<queries)
    var sgemmBest = Double.infinity
    var batchBest = Double.infinity
    var firstRows: [Int] = []
    for _ in 0..<repeats {
      sgemmBest = min(sgemmBest, Self.sgemmSeconds(size: 2048))
      start = Self.now()
      let found = try index.search(batch, options: .init(k: k))
      batchBest = min(batchBest, Self.now() - start)
      firstRows = found.map { $0.first?.row ?? -1 }
    }
    let sgemmRate = 2 * pow(2048, 3) / sgemmBest / 1e9
    let batchRate = 2 * Double(queries) * Double(rows) * Double(dimension) / batchBest / 1e9

    // Single queries, one call each, with each scan.
    func latencies(_ index: EmbeddingIndex) throws -> [Double] {
      var times: [Double] = []
      for q in 0..<single {
        let one = queryVectors.selectingRows(q..<(q + 1))
        let start = Self.now()
        _ = try index.search(one, options: .init(k: k))
        times.append(Self.now() - start)
      }
      return times.sorted()
    }
    let int8Times = try latencies(index)
    let floatTimes = try latencies(floatIndex)
    let compared = queryVectors.selectingRows(0..<min(20, queryVectors.rows))
    let sameAnswers =
      try index.search(compared, options: .init(k: k))
      == floatIndex.search(compared, options: .init(k: k))

    // Near-duplicate pairs among the first rows.
    let subset = try EmbeddingIndex(
      vectors: vectors.selectingRows(0..<min(rows, duplicateRows)),
      configuration: .init(scan: .float32))
    start = Self.now()
    let pairs = try subset.duplicates(.init(threshold: 0.9))
    let duplicateSeconds = Self.now() - start

    // Writing and loading the directory.
    let directory =
      write.map { URL(fileURLWithPath: $0) }
      ?? FileManager.default.temporaryDirectory.appendingPathComponent(
        "sparsetext-bench-index-\(getpid())")
    start = Self.now()
    try index.write(to: directory)
    let writeSeconds = Self.now() - start
    start = Self.now()
    let loaded = try EmbeddingIndex(contentsOf: directory)
    let loadSeconds = Self.now() - start
    if write == nil {
      try? FileManager.default.removeItem(at: directory)
    } else {
      try NumPyArray.write(queryVectors, to: directory.appendingPathComponent("queries.npy"))
    }

    // The model digest hashes the encoder's weights: SHA-256's rate over 16 MB, as for a
    // 16,000-term, 256-unit encoder.
    let weights = [UInt8](repeating: 7, count: 16 << 20)
    start = Self.now()
    _ = Digest.sha256Hex(weights)
    let digestRate = Double(weights.count) / (Self.now() - start) / 1e6

    let indexBytes =
      rows * dimension * 4 + rows * dimension + rows * 8
      + index.ids.reduce(0) { $0 + $1.utf8.count + 16 }
    func percentile(_ sorted: [Double], _ p: Double) -> Double {
      sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))]
    }
    let summary: [String: Any] = [
      "rows": rows, "dimension": dimension, "k": k, "queries": queries,
      "threads": Parallel.defaultWorkerCount, "kernel": BLAS.kernelName,
      "build_seconds": buildSeconds,
      "build_resident_mb": Double(rssAfter - rssBefore) / 1e6,
      "index_mb": Double(indexBytes) / 1e6,
      "machine_sgemm_gflops": sgemmRate,
      "batched_seconds": batchBest, "batched_gflops": batchRate,
      "batched_share_of_sgemm": batchRate / sgemmRate,
      "batched_queries_per_second": Double(queries) / batchBest,
      "single_int8_median_ms": percentile(int8Times, 0.5) * 1e3,
      "single_int8_p90_ms": percentile(int8Times, 0.9) * 1e3,
      "single_float32_median_ms": percentile(floatTimes, 0.5) * 1e3,
      "single_float32_p90_ms": percentile(floatTimes, 0.9) * 1e3,
      "scans_agree": sameAnswers, "first_rows": firstRows,
      "duplicate_rows": subset.count, "duplicate_pairs": pairs.count,
      "duplicate_seconds": duplicateSeconds,
      "digest_mb_per_second": digestRate, "write_seconds": writeSeconds,
      "load_seconds": loadSeconds, "loaded_rows": loaded.count,
      "peak_resident_mb": Self.peakResidentBytes() / 1e6,
    ]
    let data = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
  }

  static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

  /// One 2048² sgemm through the library's BLAS, all threads, in seconds.
  static func sgemmSeconds(size n: Int) -> Double {
    var generator = SeededGenerator(seed: 1)
    let a = (0..<(n * n)).map { _ in generator.nextFloat() }
    var c = [Float](repeating: 0, count: n * n)
    BLAS.sgemm(
      .none, .none, m: n, n: n, k: n, alpha: 1, a: a, lda: n, b: a, ldb: n, beta: 0, c: &c, ldc: n)
    let start = now()
    BLAS.sgemm(
      .none, .none, m: n, n: n, k: n, alpha: 1, a: a, lda: n, b: a, ldb: n, beta: 0, c: &c, ldc: n)
    return now() - start
  }

  /// The process's resident set now, from /proc (0 where there is none).
  static func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else {
      return 0
    }
    let fields = text.split(separator: " ")
    return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
  }

  /// The process's peak resident set.
  static func peakResidentBytes() -> Double {
    var usage = rusage()
    #if canImport(Glibc)
      getrusage(RUSAGE_SELF.rawValue, &usage)
    #else
      getrusage(RUSAGE_SELF, &usage)
    #endif
    return Double(usage.ru_maxrss) * 1024
  }
}
