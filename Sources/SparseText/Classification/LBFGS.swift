/// Limited-memory BFGS with a line search that satisfies the strong Wolfe conditions
/// (Nocedal & Wright, Algorithms 7.4, 3.5 and 3.6), minimizing a smooth function in Double.
package struct LBFGS: Sendable {
  /// Settings of the solver.
  package struct Configuration: Sendable, Equatable {
    /// Stop when the largest absolute gradient entry is at most this (scipy's `gtol`).
    package var gradientTolerance: Double = 1e-4
    /// Stop when the relative decrease of the objective is at most this (scipy's `ftol`,
    /// as scikit-learn sets it: 64 × machine epsilon).
    package var functionTolerance: Double = 64 * Double.ulpOfOne
    /// The most iterations.
    package var maxIterations: Int = 100
    /// Correction pairs kept (scipy's `maxcor`).
    package var memory: Int = 10
    /// The most function evaluations per line search (scikit-learn's `maxls`).
    package var maxLineSearchSteps: Int = 50
    /// Sufficient-decrease constant c₁.
    package var c1: Double = 1e-4
    /// Curvature constant c₂.
    package var c2: Double = 0.9

    /// Creates the default settings.
    package init() {}
  }

  /// How a run ended.
  package struct Result: Sendable, Equatable {
    /// The minimizer found.
    package var x: [Double]
    /// The objective there.
    package var value: Double
    /// The largest absolute gradient entry there.
    package var gradientNorm: Double
    /// Iterations done.
    package var iterations: Int
    /// Objective evaluations done.
    package var evaluations: Int
    /// Whether a tolerance was met (rather than the iteration limit or a failed line search).
    package var converged: Bool
    /// Why it stopped.
    package var reason: StopReason
  }

  /// Why a run stopped.
  package enum StopReason: String, Sendable, Equatable, CustomStringConvertible {
    /// The largest gradient entry fell below ``Configuration/gradientTolerance``.
    case gradientBelowTolerance
    /// The objective's relative decrease fell below ``Configuration/functionTolerance``.
    case relativeDecreaseBelowTolerance
    /// The line search found no step that satisfies the Wolfe conditions.
    case lineSearchFailed
    /// ``Configuration/maxIterations`` iterations were done.
    case iterationLimit
    /// The caller's cancellation check said to stop.
    case cancelled

    /// The reason in words.
    package var description: String {
      switch self {
      case .gradientBelowTolerance: "gradient below tolerance"
      case .relativeDecreaseBelowTolerance: "relative decrease below tolerance"
      case .lineSearchFailed: "the line search found no acceptable step"
      case .iterationLimit: "reached the iteration limit"
      case .cancelled: "cancelled"
      }
    }
  }

  /// The settings.
  package let configuration: Configuration

  /// Creates a solver.
  package init(_ configuration: Configuration = .init()) {
    self.configuration = configuration
  }

  /// Minimizes `objective`, which returns the value and writes the gradient, from `start`.
  ///
  /// `isCancelled` is asked before every iteration; when it says to stop, the run ends with
  /// ``StopReason/cancelled``.
  package func minimize(
    from start: [Double], isCancelled: CancellationCheck? = nil,
    objective: (_ x: [Double], _ gradient: inout [Double]) -> Double
  ) -> Result {
    let n = start.count
    var x = start
    var g = [Double](repeating: 0, count: n)
    var f = objective(x, &g)
    var evaluations = 1
    var s: [[Double]] = []
    var y: [[Double]] = []
    var rho: [Double] = []
    var direction = [Double](repeating: 0, count: n)
    var alphaScratch = [Double](repeating: 0, count: configuration.memory)
    let c = configuration
    func maxAbs(_ v: [Double]) -> Double { v.reduce(0) { max($0, abs($1)) } }
    if maxAbs(g) <= c.gradientTolerance {
      return Result(
        x: x, value: f, gradientNorm: maxAbs(g), iterations: 0, evaluations: 1, converged: true,
        reason: .gradientBelowTolerance)
    }
    var iteration = 0
    while iteration < c.maxIterations {
      if isCancelled?() == true {
        return Result(
          x: x, value: f, gradientNorm: maxAbs(g), iterations: iteration,
          evaluations: evaluations, converged: false, reason: .cancelled)
      }
      iteration += 1
      // Two-loop recursion: direction = -H·g.
      for i in 0..<n { direction[i] = -g[i] }
      let m = s.count
      for i in stride(from: m - 1, through: 0, by: -1) {
        let a = rho[i] * dot(s[i], direction)
        alphaScratch[i] = a
        axpy(-a, y[i], &direction)
      }
      if m > 0 {
        let gamma = dot(s[m - 1], y[m - 1]) / dot(y[m - 1], y[m - 1])
        for i in 0..<n { direction[i] *= gamma }
      } else {
        let norm = dot(g, g).squareRoot()
        if norm > 0 { for i in 0..<n { direction[i] /= norm } }
      }
      for i in 0..<m {
        let b = rho[i] * dot(y[i], direction)
        axpy(alphaScratch[i] - b, s[i], &direction)
      }
      var slope = dot(g, direction)
      if slope >= 0 {
        // Not a descent direction: restart from steepest descent.
        s.removeAll()
        y.removeAll()
        rho.removeAll()
        for i in 0..<n { direction[i] = -g[i] }
        slope = dot(g, direction)
      }
      guard
        let step = lineSearch(
          x: x, f: f, g: g, direction: direction, slope: slope, objective: objective,
          evaluations: &evaluations)
      else {
        return Result(
          x: x, value: f, gradientNorm: maxAbs(g), iterations: iteration,
          evaluations: evaluations, converged: false,
          reason: .lineSearchFailed)
      }
      let sNew = zip(step.x, x).map { $0 - $1 }
      let yNew = zip(step.gradient, g).map { $0 - $1 }
      let previous = f
      x = step.x
      f = step.value
      g = step.gradient
      let sy = dot(sNew, yNew)
      if sy > 1e-10 * dot(yNew, yNew) {
        if s.count == c.memory {
          s.removeFirst()
          y.removeFirst()
          rho.removeFirst()
        }
        s.append(sNew)
        y.append(yNew)
        rho.append(1 / sy)
      }
      let gradientNorm = maxAbs(g)
      if gradientNorm <= c.gradientTolerance {
        return Result(
          x: x, value: f, gradientNorm: gradientNorm, iterations: iteration,
          evaluations: evaluations, converged: true, reason: .gradientBelowTolerance)
      }
      if (previous - f) / max(abs(previous), abs(f), 1) <= c.functionTolerance {
        return Result(
          x: x, value: f, gradientNorm: gradientNorm, iterations: iteration,
          evaluations: evaluations, converged: true, reason: .relativeDecreaseBelowTolerance)
      }
    }
    return Result(
      x: x, value: f, gradientNorm: maxAbs(g), iterations: iteration, evaluations: evaluations,
      converged: false, reason: .iterationLimit)
  }

  private struct Point {
    var alpha: Double
    var x: [Double]
    var value: Double
    var gradient: [Double]
    var slope: Double
  }

  /// Strong-Wolfe line search: bracketing, then zoom with safeguarded cubic interpolation.
  private func lineSearch(
    x: [Double], f: Double, g: [Double], direction: [Double], slope: Double,
    objective: (_ x: [Double], _ gradient: inout [Double]) -> Double, evaluations: inout Int
  ) -> Point? {
    let c = configuration
    var budget = c.maxLineSearchSteps
    func evaluate(_ alpha: Double) -> Point {
      var trial = x
      axpy(alpha, direction, &trial)
      var gradient = [Double](repeating: 0, count: x.count)
      let value = objective(trial, &gradient)
      evaluations += 1
      budget -= 1
      return Point(
        alpha: alpha, x: trial, value: value, gradient: gradient,
        slope: dot(gradient, direction))
    }
    let origin = Point(alpha: 0, x: x, value: f, gradient: g, slope: slope)
    var previous = origin
    var alpha = 1.0
    while budget > 0 {
      let current = evaluate(alpha)
      if !current.value.isFinite {
        alpha *= 0.5
        continue
      }
      if current.value > f + c.c1 * alpha * slope
        || (previous.alpha > 0 && current.value >= previous.value)
      {
        return zoom(origin, previous, current, evaluate) { budget > 0 }
      }
      if abs(current.slope) <= -c.c2 * slope { return current }
      if current.slope >= 0 {
        return zoom(origin, current, previous, evaluate) { budget > 0 }
      }
      previous = current
      alpha *= 2
    }
    return nil
  }

  private func zoom(
    _ origin: Point, _ lowStart: Point, _ highStart: Point, _ evaluate: (Double) -> Point,
    _ hasBudget: () -> Bool
  ) -> Point? {
    let c = configuration
    var low = lowStart
    var high = highStart
    var best: Point? = low.alpha > 0 ? low : nil
    while hasBudget() {
      let a = min(low.alpha, high.alpha)
      let b = max(low.alpha, high.alpha)
      var alpha = cubicMinimizer(low, high)
      if !(alpha > a + 0.1 * (b - a) && alpha < b - 0.1 * (b - a)) { alpha = (a + b) / 2 }
      if b - a < 1e-16 * max(1, b) { break }
      let current = evaluate(alpha)
      if current.value > origin.value + c.c1 * alpha * origin.slope
        || current.value >= low.value
      {
        high = current
      } else {
        if abs(current.slope) <= -c.c2 * origin.slope { return current }
        if current.slope * (high.alpha - low.alpha) >= 0 { high = low }
        low = current
        best = current
      }
    }
    // Accept the best sufficient-decrease point found, if any.
    if let best, best.value < origin.value { return best }
    return nil
  }

  private func cubicMinimizer(_ p: Point, _ q: Point) -> Double {
    let d1 = p.slope + q.slope - 3 * (p.value - q.value) / (p.alpha - q.alpha)
    let squared = d1 * d1 - p.slope * q.slope
    guard squared >= 0 else { return .nan }
    let d2 = (q.alpha > p.alpha ? 1.0 : -1.0) * squared.squareRoot()
    return q.alpha - (q.alpha - p.alpha) * (q.slope + d2 - d1) / (q.slope - p.slope + 2 * d2)
  }
}

/// `a · b`, summed in eight interleaved partial sums (lanes `i mod 8`) added in a fixed order:
/// vectorizable, and the same result on every machine and core count.
func dot(_ a: [Double], _ b: [Double]) -> Double {
  precondition(a.count == b.count)
  return a.withUnsafeBufferPointer { a in
    b.withUnsafeBufferPointer { b in
      let n = a.count
      var low = SIMD4<Double>()
      var high = SIMD4<Double>()
      var i = 0
      if n >= 8, let pa = a.baseAddress, let pb = b.baseAddress {
        func lanes(_ p: UnsafePointer<Double>, _ at: Int) -> SIMD4<Double> {
          UnsafeRawPointer(p + at).loadUnaligned(as: SIMD4<Double>.self)
        }
        while i + 8 <= n {
          low += lanes(pa, i) * lanes(pb, i)
          high += lanes(pa, i + 4) * lanes(pb, i + 4)
          i += 8
        }
      }
      var sum = (low + high).sum()
      while i < n {
        sum += a[i] * b[i]
        i += 1
      }
      return sum
    }
  }
}

/// `y += alpha · x`.
func axpy(_ alpha: Double, _ x: [Double], _ y: inout [Double]) {
  precondition(x.count == y.count)
  x.withUnsafeBufferPointer { x in
    y.withUnsafeMutableBufferPointer { y in
      for i in 0..<x.count { y[i] += alpha * x[i] }
    }
  }
}
