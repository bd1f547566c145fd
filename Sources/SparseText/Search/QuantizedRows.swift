import CKernels

/// An int8 copy of unit rows for the candidate scan, with the bound each row's estimate may miss
/// by.
///
/// Row `r` is stored as `scale[r] · q[r]` with `q` in [-127, 127] and `scale[r] = max|x| / 127`.
/// For a unit query `y` the exact score `x · y` and the estimate `scale · (q · y)`, computed in
/// float32, differ by at most `‖x − scale · q‖₂` (Cauchy–Schwarz on the quantization error,
/// measured per row in double precision) plus the float32 rounding of a `d`-term dot product,
/// ``SearchBounds/rounding(dimension:)`` · (1 + that error norm); ``bounds`` holds that sum, with
/// margin. The kernel returns estimate + bound: the highest score the row can have.
struct QuantizedRows: Sendable {
  /// `rows × dimension` codes, row after row.
  let codes: [Int8]
  /// One scale per row.
  let scales: [Float]
  /// One error bound per row.
  let bounds: [Float]
  /// The number of rows.
  let rows: Int
  /// The codes per row.
  let dimension: Int

  /// Quantizes `rows` unit rows (row after row), split over cores.
  init(unitRows values: [Float], rows: Int, dimension: Int) {
    var codes = [Int8](repeating: 0, count: rows * dimension)
    var scales = [Float](repeating: 0, count: rows)
    var errors = [Double](repeating: 0, count: rows)
    values.withUnsafeBufferPointer { x in
      codes.withUnsafeMutableBufferPointer { q in
        scales.withUnsafeMutableBufferPointer { s in
          errors.withUnsafeMutableBufferPointer { e in
            let x = UnsafeSharedBuffer(readOnly: x)
            let q = UnsafeSharedBuffer(q)
            let s = UnsafeSharedBuffer(s)
            let e = UnsafeSharedBuffer(e)
            Parallel.forEach(count: rows, minimumChunk: 4096) { range in
              sparsetext_quantize_int8(
                x.base + range.lowerBound * dimension, range.count, dimension,
                q.base + range.lowerBound * dimension, s.base + range.lowerBound,
                e.base + range.lowerBound)
            }
          }
        }
      }
    }
    let rounding = SearchBounds.rounding(dimension: dimension)
    self.codes = codes
    self.scales = scales
    self.bounds = errors.map { Float($0 * (1 + 1e-5)) + rounding * Float(1 + $0) }
    self.rows = rows
    self.dimension = dimension
  }

  private init(codes: [Int8], scales: [Float], bounds: [Float], rows: Int, dimension: Int) {
    self.codes = codes
    self.scales = scales
    self.bounds = bounds
    self.rows = rows
    self.dimension = dimension
  }

  /// The copy of the given rows, in the given order.
  func selecting(_ selection: [Int]) -> QuantizedRows {
    var codes: [Int8] = []
    codes.reserveCapacity(selection.count * dimension)
    for r in selection { codes += self.codes[(r * dimension)..<((r + 1) * dimension)] }
    return QuantizedRows(
      codes: codes, scales: selection.map { scales[$0] }, bounds: selection.map { bounds[$0] },
      rows: selection.count, dimension: dimension)
  }
}

/// The error bounds of estimated scores, which decide which rows are rescored exactly.
enum SearchBounds {
  /// A bound on the float32 rounding error of a dot product of two vectors of norm at most
  /// 1 + 2⁻²⁰ with `dimension` terms, in any summation order, with or without fused
  /// multiply-adds: γ(d + 2) = (d + 2)u / (1 − (d + 2)u) with u = 2⁻²⁴, doubled for margin.
  static func rounding(dimension: Int) -> Float {
    let u = 0x1p-24
    let n = Double(dimension + 2) * u
    return Float(2 * n / (1 - n))
  }

  /// What is added to every bound: exact scores are rounded to float32 (and clamped to
  /// [-1, 1]), so a row whose exact score is just below the k-th best can round to the same
  /// float and tie; rows within this much are rescored too.
  static let slack: Float = 0x1p-20
}
