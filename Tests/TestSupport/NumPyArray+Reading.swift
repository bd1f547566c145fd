import Foundation

@testable import SparseText

extension NumPyArray {
  /// Reads a 2-D `.npy` file as a dense Float matrix (the library writes `.npy` files; the
  /// tests read them back).
  package static func readMatrix(from url: URL) throws -> DenseMatrix {
    let array = try decode(try readFile(url), file: url.path)
    guard array.shape.count == 2 else {
      throw ModelFormatError.corrupt(
        file: url.path, reason: "expected a 2-D array, found shape \(array.shape)")
    }
    return try DenseMatrix(rows: array.shape[0], columns: array.shape[1], values: array.floats())
  }
}
