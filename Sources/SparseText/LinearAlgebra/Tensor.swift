/// A Float32 tensor: a shape and its values in C order.
///
/// This is the exchange type between the models and the file formats: a model lists its
/// parameters as `[String: Tensor]` (named like PyTorch modules, e.g. `encoder.weight`), and
/// the safetensors and NumPy writers store them.
public struct Tensor: Sendable, Equatable {
  /// The size of each dimension, outermost first.
  public let shape: [Int]
  /// `shape.reduce(1, *)` values in row-major (C) order.
  public let values: [Float]

  /// Wraps `values` with `shape`; the element count must match.
  public init(shape: [Int], values: [Float]) throws {
    guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) == values.count else {
      throw DataError.shapeMismatch(
        what: "tensor values", expected: "\(shape.reduce(1, *)) for shape \(shape)",
        actual: "\(values.count)")
    }
    self.shape = shape
    self.values = values
  }

  /// A rank-2 tensor holding a dense matrix.
  public init(_ matrix: DenseMatrix) {
    shape = [matrix.rows, matrix.columns]
    values = matrix.values
  }

  /// A rank-1 tensor.
  public init(vector: [Float]) {
    shape = [vector.count]
    values = vector
  }

  /// The tensor as a matrix; a rank-1 tensor becomes one row.
  public func matrix() throws -> DenseMatrix {
    switch shape.count {
    case 1: return try DenseMatrix(rows: 1, columns: shape[0], values: values)
    case 2: return try DenseMatrix(rows: shape[0], columns: shape[1], values: values)
    default:
      throw DataError.shapeMismatch(
        what: "tensor rank", expected: "1 or 2", actual: "\(shape.count)")
    }
  }
}
