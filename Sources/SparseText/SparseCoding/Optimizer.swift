import CKernels
import Foundation

/// First-order optimizers over one flat parameter vector: Adam, SGD with momentum, AdaDelta.
/// Updates are split over threads in fixed chunks, so results do not depend on timing.
struct Optimizer: Sendable {
  let kind: SparseAutoencoder.OptimizerKind
  let learningRate: Float
  let momentum: Float
  /// Adam: first and second moments; SGD: velocity; AdaDelta: E[g²] and E[Δ²].
  var state: [[Float]]
  var steps: Int

  init(kind: SparseAutoencoder.OptimizerKind, learningRate: Double, momentum: Double, count: Int) {
    self.kind = kind
    self.learningRate = Float(learningRate)
    self.momentum = Float(momentum)
    let buffers = kind == .sgd ? 1 : 2
    self.state = Array(repeating: Array(repeating: 0, count: count), count: buffers)
    self.steps = 0
  }

  /// Weight decay folded into the update: `g += λ·θ` on `ranges`, in the same pass.
  struct Decay: Sendable {
    let lambda: Float
    let ranges: [Range<Int>]
  }

  /// The constants of one update step (its learning rate and Adam's bias corrections), which
  /// apply the step to any part of the parameters. ``Optimizer/begin()`` makes one per step.
  struct Update: Sendable {
    let kind: SparseAutoencoder.OptimizerKind
    let learningRate: Float
    let momentum: Float
    let correction1: Float
    let correction2: Float

    /// Updates `count` parameters at `p` with their state `m` and `v` (`v` is unused by SGD)
    /// from `gradient`, which is `nil` for a zero gradient; `lambda` adds `λ·θ` to it first.
    /// Returns `Σθ²` before the update when `lambda` is not zero, else 0.
    ///
    /// `prefetch` names data the caller reads next (up to `count` floats of it): Adam, bound
    /// by memory, brings it into cache on the way.
    func apply(
      _ p: UnsafeMutablePointer<Float>, _ m: UnsafeMutablePointer<Float>,
      _ v: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>?, count: Int,
      lambda: Float, prefetch: UnsafeBufferPointer<Float>? = nil
    ) -> Double {
      let lr = learningRate
      switch kind {
      case .adam:
        // C, vectorized with AVX2 where available (CKernels); returns Σθ² as well.
        let sum = sparsetext_adam(
          p, m, v, gradient, count, lambda, lr, correction1, correction2,
          prefetch?.baseAddress, prefetch.map { min($0.count, count) } ?? 0)
        return lambda != 0 ? sum : 0
      case .sgd:
        let squares = lambda != 0 ? sparsetext_sum_of_squares(p, count) : 0
        for i in 0..<count {
          let vi = momentum * m[i] + (gradient?[i] ?? 0) + lambda * p[i]
          m[i] = vi
          p[i] -= lr * vi
        }
        return squares
      case .adadelta:
        let squares = lambda != 0 ? sparsetext_sum_of_squares(p, count) : 0
        for i in 0..<count {
          let gi = (gradient?[i] ?? 0) + lambda * p[i]
          let eg = 0.95 * m[i] + 0.05 * gi * gi
          let delta = -((v[i] + 1e-6).squareRoot() / (eg + 1e-6).squareRoot()) * gi
          m[i] = eg
          v[i] = 0.95 * v[i] + 0.05 * delta * delta
          p[i] += lr * delta
        }
        return squares
      }
    }
  }

  /// Counts one step and returns its constants.
  mutating func begin() -> Update {
    steps += 1
    let t = Float(steps)
    return Update(
      kind: kind, learningRate: learningRate, momentum: momentum,
      correction1: 1 - pow(Float(0.9), t), correction2: 1 - pow(Float(0.999), t))
  }

  /// Runs `body` with the parameters' state buffers (`m`, and `v`; SGD's `v` is empty).
  mutating func withState<T>(
    _ body: (UnsafeMutableBufferPointer<Float>, UnsafeMutableBufferPointer<Float>) throws -> T
  ) rethrows -> T {
    var first = state[0]
    var second = state.count > 1 ? state[1] : []
    state = []
    defer { state = kind == .sgd ? [first] : [first, second] }
    return try first.withUnsafeMutableBufferPointer { m in
      try second.withUnsafeMutableBufferPointer { v in try body(m, v) }
    }
  }

  /// Applies one update; with `decay`, adds `λ·θ` to the gradient of the decayed ranges first
  /// and returns `Σθ²` over them (before the update), so weight decay costs no extra pass.
  ///
  /// With `only`, just those ranges (sorted, disjoint) are updated, and the rest keep their
  /// values and optimizer state: the lazy update of sparse training (TensorFlow's LazyAdam,
  /// PyTorch's SparseAdam), where a row without gradient in a batch is left alone.
  @discardableResult
  mutating func step(
    _ theta: inout [Float], gradient: [Float], decay: Decay? = nil, only: [Range<Int>]? = nil
  ) -> Double {
    let update = begin()
    let count = theta.count
    return withState { firstBuffer, secondBuffer in
      theta.withUnsafeMutableBufferPointer { thetaBuffer in
        gradient.withUnsafeBufferPointer { gradientBuffer in
          let p = UnsafeSharedBuffer(thetaBuffer)
          let m = UnsafeSharedBuffer(firstBuffer)
          let v = UnsafeSharedBuffer(secondBuffer)
          let shared = UnsafeSharedBuffer(readOnly: gradientBuffer)
          let targets = only ?? [0..<count]
          let prefix = targets.reduce(into: [0]) { $0.append($0.last! + $1.count) }
          let squares = Parallel.map(count: prefix.last!, minimumChunk: 1 << 16) {
            chunk -> Double in
            var squares = 0.0
            let pieces = Optimizer.pieces(chunk, of: targets, prefix: prefix)
            for (range, decayed) in pieces.flatMap({
              Optimizer.segments($0, decay?.ranges ?? [])
            }) {
              let start = range.lowerBound
              squares += update.apply(
                p.base + start, m.base + start, v.base + start,
                gradient: shared.base + start, count: range.count,
                lambda: decayed ? decay!.lambda : 0)
            }
            return squares
          }
          return squares.reduce(0, +)
        }
      }
    }
  }
}

extension Optimizer {
  /// The parameter ranges behind positions `chunk` of the concatenation of `targets`, whose
  /// running lengths are `prefix` (`prefix[i]` = total length of `targets[..<i]`).
  static func pieces(_ chunk: Range<Int>, of targets: [Range<Int>], prefix: [Int]) -> [Range<Int>] {
    guard !chunk.isEmpty else { return [] }
    // The last target starting at or before chunk.lowerBound.
    var low = 0
    var high = targets.count - 1
    while low < high {
      let middle = (low + high + 1) / 2
      if prefix[middle] <= chunk.lowerBound { low = middle } else { high = middle - 1 }
    }
    var pieces: [Range<Int>] = []
    var position = chunk.lowerBound
    var index = low
    while position < chunk.upperBound && index < targets.count {
      let offset = position - prefix[index]
      let length = min(targets[index].count - offset, chunk.upperBound - position)
      if length > 0 {
        let start = targets[index].lowerBound + offset
        pieces.append(start..<(start + length))
        position += length
      }
      index += 1
    }
    return pieces
  }

  /// `Σθ²` over the parts of `targets` (sorted, disjoint) that lie in `ranges`.
  static func sumOfSquares(_ theta: [Float], in targets: [Range<Int>], ranges: [Range<Int>])
    -> Double
  {
    theta.withUnsafeBufferPointer { t in
      var total = 0.0
      for target in targets {
        for (range, inside) in segments(target, ranges) where inside {
          total += sparsetext_sum_of_squares(t.baseAddress! + range.lowerBound, range.count)
        }
      }
      return total
    }
  }

  /// Cuts `chunk` into pieces that are entirely inside or entirely outside `ranges` (sorted,
  /// disjoint), in order.
  static func segments(_ chunk: Range<Int>, _ ranges: [Range<Int>]) -> [(Range<Int>, Bool)] {
    var pieces: [(Range<Int>, Bool)] = []
    var position = chunk.lowerBound
    for range in ranges where range.upperBound > position && range.lowerBound < chunk.upperBound {
      let start = max(range.lowerBound, position)
      if start > position { pieces.append((position..<start, false)) }
      let end = min(range.upperBound, chunk.upperBound)
      pieces.append((start..<end, true))
      position = end
    }
    if position < chunk.upperBound { pieces.append((position..<chunk.upperBound, false)) }
    return pieces
  }
}
