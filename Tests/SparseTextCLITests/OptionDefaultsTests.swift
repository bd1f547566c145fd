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
    // The weights that learn from the labels count too: a file without an autoencoder gets
    // one for them rather than dropping them.
    #expect(try AutoencoderOptions.parse(["--label-weight", "0.5"]).anyGiven)
    #expect(try AutoencoderOptions.parse(["--task-weight", "0"]).anyGiven)
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
