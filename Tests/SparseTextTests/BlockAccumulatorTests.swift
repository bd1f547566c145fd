import Testing

@testable import SparseText

@Suite struct BlockAccumulatorTests {
  @Test func fullBlocksThenTheRestInOrder() throws {
    var seen: [[Int]] = []
    var blocks = BlockAccumulator<Int>(size: 3) { seen.append($0) }
    for i in 0..<7 { try blocks.append(i) }
    #expect(seen == [[0, 1, 2], [3, 4, 5]])
    try blocks.finish()
    #expect(seen == [[0, 1, 2], [3, 4, 5], [6]])
    // Finishing again, or a stream that was a whole number of blocks, adds no empty block.
    try blocks.finish()
    #expect(seen.count == 3)
  }

  @Test func anEmptyStreamProcessesNothingAndErrorsPropagate() throws {
    var calls = 0
    var empty = BlockAccumulator<Int>(size: 2) { _ in calls += 1 }
    try empty.finish()
    #expect(calls == 0)
    struct Stop: Error {}
    var failing = BlockAccumulator<Int>(size: 2) { _ in throw Stop() }
    try failing.append(1)
    #expect(throws: Stop.self) { try failing.append(2) }
  }
}
