/// A Float32 tensor: a shape and its values in C order.
///
/// This is the exchange type between the models and the file formats: a model lists its
/// parameters as `[String: Tensor]` (named like PyTorch modules, e.g. `encoder.weight`), and
/// the safetensors and NumPy writers store them.
package struct Tensor: Sendable, Equatable {
  /// The size of each dimension, outermost first.
  package let shape: [Int]
  /// `shape.reduce(1, *)` values in row-major (C) order.
  package let values: [Float]

  /// Wraps `values` with `shape`; the element count must match.
  package init(shape: [Int], values: [Float]) throws {
    guard shape.allSatisfy({ $0 >= 0 }) else {
      throw DataError.invalidMatrix(
        what: "a tensor of shape \(shape)", reason: "no dimension can be negative")
    }
    let elements = shape.reduce(1, *)
    guard elements == values.count else {
      throw DataError.shapeMismatch(
        what: "values of a tensor of shape \(shape)", expected: elements, actual: values.count)
    }
    self.shape = shape
    self.values = values
  }

  /// A rank-2 tensor holding a dense matrix.
  package init(_ matrix: DenseMatrix) {
    shape = [matrix.rows, matrix.columns]
    values = matrix.values
  }

  /// A rank-1 tensor.
  package init(vector: [Float]) {
    shape = [vector.count]
    values = vector
  }

  /// The tensor as a matrix; a rank-1 tensor becomes one row.
  package func matrix() throws -> DenseMatrix {
    switch shape.count {
    case 1: return try DenseMatrix(rows: 1, columns: shape[0], values: values)
    case 2: return try DenseMatrix(rows: shape[0], columns: shape[1], values: values)
    default:
      throw DataError.invalidMatrix(
        what: "a tensor of shape \(shape)", reason: "a matrix has 1 or 2 dimensions")
    }
  }
}
