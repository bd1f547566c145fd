import ArgumentParser
import Foundation
import SparseText

/// Times logistic regression on given features, for `make bench`.
struct BenchLR: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "lr",
    abstract:
      "Fit logistic regression on a .npz matrix and labels, print timing and accuracy as JSON.")

  @Option(help: "Training features (.npz).")
  var train: String

  @Option(help: "Training labels, one per line.")
  var trainLabels: String

  @Option(help: "Test features (.npz).")
  var test: String

  @Option(help: "Test labels, one per line.")
  var testLabels: String

  @Option(name: .customLong("C"), help: "Regularization C.")
  var c = 1.0

  @Option(help: "Gradient tolerance.")
  var tolerance = 1e-4

  @Option(help: "Repetitions (the median time is reported).")
  var repeats = 3

  func run() throws {
    let xTrain = try SparseMatrix.readNPZ(from: URL(fileURLWithPath: train))
    let xTest = try SparseMatrix.readNPZ(from: URL(fileURLWithPath: test))
    func labels(_ path: String) throws -> [String] {
      try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }
    let yTrain = try labels(trainLabels)
    let yTest = try labels(testLabels)
    var times: [Double] = []
    var model: LogisticRegression?
    for _ in 0..<max(1, repeats) {
      let started = Date()
      model = try LogisticRegression(
        fitting: xTrain, labels: yTrain,
        configuration: .init(inverseRegularization: c, tolerance: tolerance, maxIterations: 1000))
      times.append(Date().timeIntervalSince(started))
    }
    let fitted = model!
    let report = try ClassificationReport(truth: yTest, predicted: fitted.predict(xTest))
    let summary: [String: Any] = [
      "seconds": times.sorted()[times.count / 2], "iterations": fitted.convergence.iterations,
      "objective": fitted.convergence.objective, "accuracy": report.accuracy,
      "macro_f1": report.macroF1, "converged": fitted.convergence.converged,
    ]
    let data = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
  }
}
