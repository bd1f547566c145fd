import Foundation
import SparseText
import SparseTextExperiments
import Testing

@testable import SparseTextCLI

/// Option groups keep no defaults of their own: an option left out leaves the library's
/// configuration (or a file's) as it is, and an option given counts even at the default value.
@Suite struct OptionDefaultsTests {
  @Test func readOptionsLeftOutAreTheReadersDefaults() throws {
    #expect(try ReadOptions.parse([]).options == CorpusReader.Options())
    let given = try ReadOptions.parse([
      "--text-field", "body", "--label-field", "tags", "--label-prefix", "#", "--encoding",
      "latin-1", "--strict-encoding", "--on-bad-record", "skip", "--no-header",
    ]).options
    var expected = CorpusReader.Options()
    expected.textField = "body"
    expected.labelField = "tags"
    expected.labelPrefix = "#"
    expected.encoding = .latin1
    expected.strictEncoding = true
    expected.onBadRecord = .skip
    expected.hasHeader = false
    #expect(given == expected)
  }

  @Test func autoencoderOptionsKnowWhetherAnyWasGiven() throws {
    let none = try AutoencoderOptions.parse([])
    #expect(!none.anyGiven)
    #expect(try none.configuration() == SparseAutoencoder.Configuration())
    let defaults = SparseAutoencoder.Configuration()
    #expect(try AutoencoderOptions.parse(["--hidden", "\(defaults.hiddenUnits)"]).anyGiven)
    #expect(try AutoencoderOptions.parse(["--tied"]).anyGiven)
    #expect(try AutoencoderOptions.parse(["--no-unit-norm-decoder"]).anyGiven)
  }

  /// Every option of the group counts as given (a file without an autoencoder gets one for
  /// it rather than dropping it), most of them at the library's default value. The group's
  /// options are counted from its property wrappers, so an option added without a row here
  /// fails this test instead of being left out of `anyGiven` unnoticed (`--label-weight` and
  /// `--task-weight` once were).
  @Test func everyAutoencoderOptionCountsAsGiven() throws {
    let arguments: [[String]] = [
      ["--hidden", "256"], ["--sparsity", "0.05"], ["--beta", "3"], ["--weight-decay", "0"],
      ["--l1", "0"], ["--activation", "sigmoid"], ["--decoder", "identity"], ["--topk", "off"],
      ["--loss", "mse"], ["--optimizer", "adam"], ["--epochs", "20"], ["--batch-size", "64"],
      ["--learning-rate", "0.001"], ["--seed", "13"], ["--validation", "0.1"],
      ["--input-scale", "auto"], ["--unit-norm-decoder"], ["--sampled-columns", "100"],
      ["--label-weight", "0.1"], ["--task-weight", "0"], ["--tied"],
    ]
    let wrappers = Mirror(reflecting: try AutoencoderOptions.parse([])).children.filter {
      let type = String(describing: Swift.type(of: $0.value))
      return type.hasPrefix("Option<") || type.hasPrefix("Flag<")
    }
    #expect(wrappers.count == arguments.count)
    for given in arguments {
      #expect(try AutoencoderOptions.parse(given).anyGiven, "\(given)")
    }
  }

  /// `--topk` switches the recipe on the base it is given, as the grid's `topk` does.
  @Test func topkSwitchesTheRecipeAndKeepsTheBase() throws {
    let base = SparseAutoencoder.Configuration(hiddenUnits: 40, weightDecay: 0.5, epochs: 3)
    let topK = try AutoencoderOptions.parse(["--topk", "5"]).configuration(base: base)
    var expected = base
    expected.topK = 5
    expected.activation = .relu
    expected.unitNormDecoder = true
    #expect(topK == expected)
    let off = try AutoencoderOptions.parse(["--topk", "off"]).configuration(base: topK)
    #expect(off.topK == nil && off.activation == .sigmoid && !off.unitNormDecoder)
    #expect(off.hiddenUnits == 40 && off.weightDecay == 0.5 && off.epochs == 3)
  }

  /// `--min-df`/`--max-df` text: a whole number counts documents, a number with a `.` or an
  /// exponent is a fraction of them (parsed here, in the command line, not in the library).
  /// `--grid` takes the label and task weights under their option names.
  @Test func gridAxesIncludeTheWeightsThatLearnFromLabels() throws {
    #expect(
      try GridAxisArgument.axis(parsing: "label-weight=0,0.1")
        == AutoencoderGrid.Axis(parameter: .labelWeight, values: [0, 0.1]))
    #expect(
      try GridAxisArgument.axis(parsing: "task-weight=0.5")
        == AutoencoderGrid.Axis(parameter: .taskWeight, values: [0.5]))
    #expect(GridAxisArgument.names.hasSuffix("label-weight, task-weight"))
  }

  @Test func documentFrequencyBoundsParseAsCountsOrFractions() {
    #expect(DocumentFrequencyBound(argument: "2") == .count(2))
    #expect(DocumentFrequencyBound(argument: "0") == .count(0))
    #expect(DocumentFrequencyBound(argument: "0.5") == .fraction(0.5))
    #expect(DocumentFrequencyBound(argument: "1.0") == .fraction(1))
    #expect(DocumentFrequencyBound(argument: "1e-1") == .fraction(0.1))
    for refused in ["-1", "1.5", "-0.1", "two", ""] {
      #expect(DocumentFrequencyBound(argument: refused) == nil, "\(refused)")
    }
  }
}
