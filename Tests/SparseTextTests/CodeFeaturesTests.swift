import Foundation
import Testing

@testable import SparseText
@testable import SparseTextExperiments

@Suite struct CodeScalerTests {
  @Test func standardizesEachUnitAndOnlyCentresConstantOnes() throws {
    let codes = try DenseMatrix(
      rows: [[1, 5, 0], [3, 5, 2], [5, 5, 4], [7, 5, 6]], columns: 3)
    let scaler = CodeScaler(fitting: codes)
    #expect(scaler.mean == [4, 5, 3])
    // Population standard deviations: √5 for both varying units; the constant unit keeps 1.
    #expect(abs(scaler.scale[0] - Float(5).squareRoot()) < 1e-6)
    #expect(abs(scaler.scale[2] - Float(5).squareRoot()) < 1e-6)
    #expect(scaler.scale[1] == 1)
    let z = try scaler.transform(codes)
    for j in 0..<3 {
      let column = (0..<4).map { z[$0, j] }
      #expect(abs(column.reduce(0, +)) < 1e-5)
      let variance = column.map { $0 * $0 }.reduce(0, +) / 4
      #expect(abs(variance - (j == 1 ? 0 : 1)) < 1e-5)
    }
  }

  /// Statistics accumulated over blocks of rows are those of all the rows at once: the same
  /// scaler bit for bit, and firing rates that count the rows above the threshold.
  @Test func statisticsOfBlocksAreThoseOfAllTheRows() throws {
    var generator = SeededGenerator(seed: 21)
    let rows = 1000
    let units = 5
    let values = (0..<(rows * units)).map { _ in generator.nextFloat() * 3 - 1 }
    let codes = DenseMatrix(uncheckedRows: rows, columns: units, values: values)
    var blocks = CodeStatistics(units: units, threshold: 0.5)
    for range in [0..<1, 1..<300, 300..<301, 301..<1000] {
      blocks.add(codes.selectingRows(range))
    }
    #expect(blocks.rows == rows)
    #expect(blocks.scaler == CodeScaler(fitting: codes))
    for j in 0..<units {
      let above = (0..<rows).filter { codes[$0, j] > 0.5 }.count
      #expect(blocks.firingRates[j] == Double(above) / Double(rows))
    }
    #expect(
      blocks.firingRates == SparseAutoencoder.firingRates(of: codes, threshold: 0.5))
    #expect(CodeStatistics(units: 2, threshold: 0).firingRates == [0, 0])
  }

  @Test func refusesMismatchedWidthsAndBadParameters() throws {
    let scaler = try CodeScaler(mean: [0, 0], scale: [1, 2])
    #expect(throws: DataError.self) { try scaler.transform(DenseMatrix(zeros: 1, columns: 3)) }
    #expect(throws: ConfigurationError.self) { try CodeScaler(mean: [0], scale: [0]) }
    #expect(throws: ConfigurationError.self) { try CodeScaler(mean: [.nan], scale: [1]) }
    #expect(throws: DataError.self) { try CodeScaler(mean: [0, 1], scale: [1]) }
  }
}

@Suite struct CrossValidatedCTests {
  /// Two classes separated only by a weak feature among noise: a tiny C cannot fit it, so
  /// cross-validation must prefer the large one; equal scores keep the smaller C.
  @Test func choosesTheCThatGeneralizesAndBreaksTiesTowardsTheSmaller() throws {
    var generator = SeededGenerator(seed: 4)
    var rows: [[Float]] = []
    var labels: [String] = []
    for i in 0..<120 {
      let positive = i % 2 == 0
      rows.append([
        (positive ? 0.3 : -0.3) + 0.1 * (generator.nextFloat() - 0.5), generator.nextFloat(),
      ])
      labels.append(positive ? "p" : "n")
    }
    let x = try DenseMatrix(rows: rows, columns: 2)
    let result = try LogisticRegression.crossValidateC(
      x, labels: labels, candidates: [1e-4, 100], folds: 3, seed: 1)
    #expect(result.c == 100)
    #expect(result.accuracies[1] > 0.95)
    #expect(result.accuracies[0] < result.accuracies[1])
    let tie = try LogisticRegression.crossValidateC(
      x, labels: labels, candidates: [1000, 100], folds: 3, seed: 1)
    #expect(tie.accuracies[0] == tie.accuracies[1])
    #expect(tie.c == 100)
    let single = try LogisticRegression.crossValidateC(x, labels: labels, candidates: [7])
    #expect(single.c == 7)
  }
}

@Suite struct SparseAutoencoderRecipeTests {
  @Test func automaticInputScaleGivesRowsAMeanSquaredNormEqualToTheirWidth() throws {
    let x = randomSparse(rows: 30, columns: 40, density: 0.2, seed: 3)
    var squares = 0.0
    for v in x.values { squares += Double(v) * Double(v) }
    let expected = (40 / (squares / 30)).squareRoot()
    let model = try SparseAutoencoder(
      training: x,
      configuration: .init(hiddenUnits: 8, inputScale: nil, epochs: 1, batchSize: 10))
    let scale = try #require(model.configuration.inputScale)
    #expect(abs(scale - expected) < 1e-9 * expected)
    // The resolved scale is what the model applies to new rows: a model restored from its
    // parameters and configuration encodes identically.
    let restored = try SparseAutoencoder(
      parameters: model.parameters, configuration: model.configuration)
    #expect(try restored.encode(x) == model.encode(x))
  }

  @Test func decoderColumnsStayAtUnitNormAndTheEncoderStartsAsTheirTranspose() throws {
    let x = randomSparse(rows: 40, columns: 30, density: 0.2, seed: 8)
    for epochs in [0, 3] {
      let model = try SparseAutoencoder(
        training: x,
        configuration: .init(
          hiddenUnits: 6, topK: 2, inputScale: nil, unitNormDecoder: true,
          epochs: epochs, batchSize: 8))
      let decoder = model.parameters["decoder.weight"]!.values  // [inputs, hidden]
      let encoder = model.parameters["encoder.weight"]!.values  // [hidden, inputs]
      for j in 0..<6 {
        var norm = 0.0
        for c in 0..<30 { norm += Double(decoder[c * 6 + j] * decoder[c * 6 + j]) }
        #expect(abs(norm - 1) < 1e-5)
        if epochs == 0 {
          for c in 0..<30 { #expect(encoder[j * 30 + c] == decoder[c * 6 + j]) }
        }
      }
    }
  }

  @Test func codesMayOutnumberTheInputColumns() throws {
    let x = randomSparse(rows: 20, columns: 5, density: 0.5, seed: 2)
    let model = try SparseAutoencoder(
      training: x, configuration: .init(hiddenUnits: 12, epochs: 1, batchSize: 5))
    #expect(try model.encode(x).columns == 12)
  }

  /// The blockwise metrics against a plain dense loop: FVU with the rows' own means and with
  /// reference means, L0 and dead units.
  @Test func metricsAgreeWithADenseReference() throws {
    let x = randomSparse(rows: 25, columns: 12, density: 0.3, seed: 6)
    let other = randomSparse(rows: 9, columns: 12, density: 0.3, seed: 7)
    let model = try SparseAutoencoder(
      training: x, configuration: .init(hiddenUnits: 5, topK: 2, epochs: 2, batchSize: 5))
    for (rows, means) in [(x, nil), (other, x.columnMeans())] {
      let metrics = try model.metrics(on: rows, referenceMeans: means)
      let dense = rows.densified()
      let xhat = try model.reconstruct(rows)
      let mu = means ?? rows.columnMeans()
      var error = 0.0
      var variance = 0.0
      for r in 0..<rows.rows {
        for c in 0..<12 {
          let d = Double(xhat[r, c]) - Double(dense[r, c])
          error += d * d
          let v = Double(dense[r, c]) - mu[c]
          variance += v * v
        }
      }
      #expect(abs(metrics.fractionOfVarianceUnexplained - error / variance) < 1e-6)
      #expect(abs(metrics.halfSquaredErrorPerDocument - 0.5 * error / Double(rows.rows)) < 1e-6)
      let codes = try model.encode(rows)
      let active = codes.values.filter { $0 > 0 }.count
      #expect(abs(metrics.activeUnitsPerDocument - Double(active) / Double(rows.rows)) < 1e-12)
      let firing = (0..<5).filter { j in (0..<rows.rows).contains { codes[$0, j] > 0 } }
      #expect(metrics.deadUnits == 5 - firing.count)
    }
  }

  @Test func configurationsWithoutTheNewFieldsDecodeAsTheyWereTrained() throws {
    var json =
      try JSONSerialization.jsonObject(
        with: JSONEncoder().encode(SparseAutoencoder.Configuration())) as! [String: Any]
    json.removeValue(forKey: "unitNormDecoder")
    let decoded = try JSONDecoder().decode(
      SparseAutoencoder.Configuration.self, from: JSONSerialization.data(withJSONObject: json))
    #expect(decoded.unitNormDecoder == false)
  }
}

/// Defaults written once: an experiment measures the pipeline `fit` builds, with one seed.
@Suite struct SharedDefaultsTests {
  @Test func experimentsUseThePipelinesClassifierAndTheOneSeed() {
    let experiment = Experiment.Configuration()
    #expect(experiment.classifier == TextFeaturePipeline.Configuration().classifier)
    #expect(experiment.classifier.maxIterations == 1000)
    #expect(experiment.seed == SeededGenerator.defaultSeed)
    #expect(SparseAutoencoder.Configuration().seed == SeededGenerator.defaultSeed)
  }
}

@Suite struct AutoencoderGridTests {
  @Test func makesEveryCombination() throws {
    let grid = AutoencoderGrid(axes: [
      .init(parameter: .sparsityWeight, values: [0.3, 1, 3]),
      .init(parameter: .hiddenUnits, values: [4, 8]), .init(parameter: .topK, values: [0, 2]),
    ])
    let combinations = try grid.combinations(base: .init(hiddenUnits: 4))
    #expect(combinations.count == 12)
    #expect(Set(combinations.map { $0.settings.description }).count == 12)
    let last = combinations.last!
    #expect(last.settings == ["sparsity_weight": 3, "hidden_units": 8, "top_k": 2])
    #expect(last.configuration.sparsityWeight == 3)
    #expect(last.configuration.hiddenUnits == 8)
    #expect(last.configuration.topK == 2)
    #expect(last.configuration.activation == .relu)
    #expect(combinations.first!.configuration.topK == nil)
    let fractional = AutoencoderGrid(axes: [.init(parameter: .hiddenUnits, values: [2.5])])
    #expect(
      throws: ConfigurationError.outOfRange(
        field: .hiddenUnits, value: "2.5", allowed: "a whole number")
    ) { try fractional.combinations(base: .init()) }
  }

  @Test func gridSearchRanksEveryCombinationWithoutReadingATestPart() throws {
    let documents = (0..<36).map { i -> LabeledDocument in
      let topic = i % 2 == 0
      let text =
        topic
        ? "goal match striker league cup win \(i % 5)" : "shares bank rates market profit \(i % 7)"
      return LabeledDocument(
        id: "\(i)", text: text, labels: [topic ? "sport" : "money"], line: i + 1)
    }
    let experiment = Experiment(
      .init(
        vectorizer: .init(), autoencoder: .init(hiddenUnits: 4, epochs: 3, batchSize: 6),
        cValues: [1, 10]))
    let rows = try experiment.gridSearch(
      AutoencoderGrid(axes: [.init(parameter: .hiddenUnits, values: [2, 4])]), train: documents)
    #expect(rows.count == 2)
    #expect(rows.map(\.rank) == [1, 2])
    #expect(rows[0].accuracy >= rows[1].accuracy)
    #expect(Set(rows.map { $0.settings["hidden_units"]! }) == [2, 4])
    for row in rows {
      #expect(row.accuracy > 0.9)
      #expect(row.fractionOfVarianceUnexplained.isFinite)
      #expect([1, 10].contains(row.c))
      #expect(row.folds == Experiment.Configuration().folds)
    }
  }

  /// A combination whose autoencoder learns from labels learns each fold's training labels:
  /// on documents whose topic words outweigh the one word that carries the label, the
  /// label-trained codes separate the held-out rows that the unsupervised ones do not. The
  /// task weight is an axis too, and must stay below 1.
  @Test func gridCombinationsThatLearnFromLabelsLearnEachFoldsLabels() throws {
    var generator = SeededGenerator(seed: 17)
    let documents = (0..<240).map { i -> LabeledDocument in
      let topic = Int(generator.next() % 4)
      let positive = generator.next() % 2 == 0
      var words = (0..<12).map { _ in "t\(topic)w\(generator.next() % 6)" }
      words.append(positive ? "good" : "bad")
      return LabeledDocument(
        id: "\(i)", text: words.joined(separator: " "), labels: [positive ? "pos" : "neg"],
        line: i + 1)
    }
    let experiment = Experiment(
      .init(
        vectorizer: .init(),
        autoencoder: .init(
          hiddenUnits: 4, epochs: 60, batchSize: 16, validationFraction: 0, labelWeight: 0,
          taskWeight: 0),
        cValues: [1]))
    let rows = try experiment.gridSearch(
      AutoencoderGrid(axes: [.init(parameter: .labelWeight, values: [0, 3])]), train: documents)
    let unsupervised = try #require(rows.first { $0.settings["label_weight"] == 0 })
    let supervised = try #require(rows.first { $0.settings["label_weight"] == 3 })
    #expect(
      supervised.accuracy >= unsupervised.accuracy + 0.1,
      "\(supervised.accuracy) against \(unsupervised.accuracy)")
    #expect(supervised.rank == 1)
    let task = try AutoencoderGrid(axes: [.init(parameter: .taskWeight, values: [0.5])])
      .combinations(base: .init())
    #expect(task.first?.configuration.taskWeight == 0.5)
    #expect(throws: ConfigurationError.self) {
      try AutoencoderGrid(axes: [.init(parameter: .taskWeight, values: [1])])
        .combinations(base: .init())
    }
  }

  /// Issue 25: whole numbers printed as `64.0`, no word of the folds, no warning for FVU > 1.
  @Test func gridTablePrintsWholeNumbersFoldsAndFlagsCodesThatLoseTheInput() throws {
    let grid = AutoencoderGrid(axes: [
      .init(parameter: .hiddenUnits, values: [64, 128]),
      .init(parameter: .sparsityTarget, values: [0.05]),
    ])
    func row(_ hidden: Double, fvu: Double, dead: Double, rank: Int) -> Experiment.GridRow {
      Experiment.GridRow(
        settings: ["hidden_units": hidden, "sparsity_target": 0.05], accuracy: 0.9, c: 10,
        fractionOfVarianceUnexplained: fvu, activeUnitsPerDocument: 12.5, deadUnits: dead,
        fitSeconds: 1, folds: 4, rank: rank)
    }
    let report = GridReport(
      rows: [row(64, fvu: 0.8, dead: 0, rank: 1), row(128, fvu: 1.25, dead: 2.5, rank: 2)],
      grid: grid, data: ReportData(source: "test", documents: [], parts: []))
    let lines = report.table.split(separator: "\n").map(String.init)
    #expect(lines[2].hasPrefix("   1  64               0.05     "), "\(lines[2])")
    #expect(!report.table.contains("64.0") && !report.table.contains("128.0"))
    // Dead units: a whole mean as an integer, another with one decimal.
    #expect(lines[2].hasSuffix("      0     1.0"), "\(lines[2])")
    #expect(lines[3].hasSuffix("    2.5     1.0"), "\(lines[3])")
    #expect(lines[3].contains("1.250!") && !lines[2].contains("!"))
    #expect(report.table.contains("over 4 folds of the training part"))
    #expect(report.table.contains("! FVU above 1"))
    #expect(
      grid.describe(["hidden_units": 64, "sparsity_target": 0.05])
        == "hidden_units=64 sparsity_target=0.05")
    let fine = GridReport(
      rows: [row(64, fvu: 0.8, dead: 0, rank: 1)], grid: grid,
      data: ReportData(source: "test", documents: [], parts: []))
    #expect(!fine.table.contains("FVU above 1"))
  }
}

@inline(never) private func halve(_ x: Float) -> Float { x * 0.5 }

@Suite struct DenormalModeTests {
  /// Training flushes denormals to zero on its thread and on every worker it starts, and puts
  /// the caller's mode back afterwards (on x86-64; other processors keep IEEE denormals).
  @Test func flushingReachesTheWorkersAndIsUndone() throws {
    #if arch(x86_64)
      let tiny = Float.leastNormalMagnitude
      #expect(halve(tiny) != 0)
      let inside = FloatingPointMode.flushingDenormals {
        Parallel.map(count: 4, workers: 4) { _ in halve(tiny) }
      }
      #expect(inside == [0, 0, 0, 0])
      #expect(halve(tiny) != 0)
      #expect(Parallel.map(count: 4, workers: 4) { _ in halve(tiny) }.allSatisfy { $0 != 0 })
    #endif
  }
}
