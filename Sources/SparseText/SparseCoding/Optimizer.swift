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

  mutating func step(_ theta: inout [Float], gradient: [Float]) {
    steps += 1
    let count = theta.count
    let lr = learningRate
    let mu = momentum
    let kind = self.kind
    let t = Float(steps)
    let correction1 = 1 - pow(Float(0.9), t)
    let correction2 = 1 - pow(Float(0.999), t)
    var first = state[0]
    var second = state.count > 1 ? state[1] : []
    state = []
    theta.withUnsafeMutableBufferPointer { thetaBuffer in
      first.withUnsafeMutableBufferPointer { firstBuffer in
        second.withUnsafeMutableBufferPointer { secondBuffer in
          gradient.withUnsafeBufferPointer { gradientBuffer in
            let p = UnsafeSharedBuffer(thetaBuffer)
            let m = UnsafeSharedBuffer(firstBuffer)
            let v = UnsafeSharedBuffer(secondBuffer)
            let shared = SendableBuffer(gradientBuffer)
            Parallel.forEach(count: count, minimumChunk: 1 << 16) { range in
              let g = shared.buffer
              switch kind {
              case .adam:
                for i in range {
                  let gi = g[i]
                  let mi = 0.9 * m[i] + 0.1 * gi
                  let vi = 0.999 * v[i] + 0.001 * gi * gi
                  m[i] = mi
                  v[i] = vi
                  p[i] -= lr * (mi / correction1) / ((vi / correction2).squareRoot() + 1e-8)
                }
              case .sgd:
                for i in range {
                  let vi = mu * m[i] + g[i]
                  m[i] = vi
                  p[i] -= lr * vi
                }
              case .adadelta:
                for i in range {
                  let gi = g[i]
                  let eg = 0.95 * m[i] + 0.05 * gi * gi
                  let delta = -((v[i] + 1e-6).squareRoot() / (eg + 1e-6).squareRoot()) * gi
                  m[i] = eg
                  v[i] = 0.95 * v[i] + 0.05 * delta * delta
                  p[i] += lr * delta
                }
              }
            }
          }
        }
      }
    }
    state = kind == .sgd ? [first] : [first, second]
  }
}

/// A read-only buffer handed to concurrent workers.
struct SendableBuffer<Element>: @unchecked Sendable {
  let buffer: UnsafeBufferPointer<Element>
  init(_ buffer: UnsafeBufferPointer<Element>) { self.buffer = buffer }
}
