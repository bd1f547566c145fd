# SparseText: the two commands a newcomer needs are `make demo` and `make test`.
SHELL := /bin/bash
SWIFT ?= swift
CONFIG ?= release
BIN := .build/$(CONFIG)/sparsetext
APT_PACKAGES := pkg-config libutf8proc-dev libopenblas-dev zlib1g-dev
PYTHON ?= python3

.PHONY: all deps build test lint format manifest demo bench bench-large clean python-deps docs fuzz dist spark-deps spark-test

all: build

# Installs the system libraries only when pkg-config cannot find them.
deps:
	@missing=""; \
	command -v pkg-config >/dev/null 2>&1 || missing="pkg-config"; \
	for pc in libutf8proc:libutf8proc-dev openblas:libopenblas-dev zlib:zlib1g-dev; do \
	  mod=$${pc%%:*}; pkg=$${pc##*:}; \
	  if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists $$mod; then missing="$$missing $$pkg"; fi; \
	done; \
	if [ -n "$$missing" ]; then \
	  if ! command -v apt-get >/dev/null 2>&1; then \
	    echo "error: missing system libraries:$$missing; this system has no apt-get." >&2; \
	    echo "Install utf8proc, OpenBLAS and zlib with your package manager (e.g. 'brew install utf8proc'), then run make again." >&2; \
	    exit 1; \
	  fi; \
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo="sudo"; \
	  echo "Installing:$$missing"; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build -c $(CONFIG) --product sparsetext

# Python is only used by interop tests; they are skipped when these cannot be installed, except
# under SPARSETEXT_REQUIRE_PYTHON=1 (set by .ci/run), where that is an error.
python-deps:
	@$(PYTHON) -c "import numpy, scipy, safetensors" 2>/dev/null || \
	  $(PYTHON) -m pip install --quiet --disable-pip-version-check numpy scipy safetensors || \
	  if [ "$${SPARSETEXT_REQUIRE_PYTHON:-}" = 1 ]; then \
	    echo "error: numpy/scipy/safetensors could not be installed, and CI requires the Python interop tests" >&2; exit 1; \
	  else echo "note: numpy/scipy/safetensors unavailable; Python interop checks will be skipped"; fi

lint:
	$(SWIFT) format lint --strict --recursive --parallel Package.swift Sources Tests Examples

format:
	$(SWIFT) format --in-place --recursive --parallel Package.swift Sources Tests Examples

# corpora/manifest.json is generated from the library's CorpusCatalog (a test checks it is).
manifest:
	$(SWIFT) build --product sparsetext
	.build/debug/sparsetext corpus list --json > corpora/manifest.json

# Test targets: SparseTextTests (the library), SparseTextCLITests (commands run in-process),
# sparsetextTests (what only a process shows: pipes, signals, exit statuses, BLAS kernels).
test: deps python-deps lint
	$(SWIFT) build --build-tests
	.build/debug/EmbeddingsQuickstart
	.build/debug/TopicExplorer
	.build/debug/SentimentExperiment
	cd Tests/PackageUsage && $(SWIFT) build --build-tests && $(SWIFT) test --skip-build
	$(SWIFT) test --skip-build --parallel
	$(MAKE) spark-test

# The Spark and Dask examples end to end (Examples/spark/): a Java runtime when `java` is
# missing, pyspark and dask in .venv-spark, then local[2] jobs over 7 partitions whose
# statistics, bundle and codes must equal one machine's bit for bit. Without pyspark the test
# is skipped with a message on a developer's machine and fails in CI (CI=true).
SPARK_BIN ?= .build/debug/sparsetext
SPARK_VENV ?= .venv-spark
spark-deps:
	@if ! command -v java >/dev/null 2>&1; then \
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo="sudo"; \
	  echo "Installing: openjdk-17-jre-headless"; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    $$sudo apt-get install -y -qq openjdk-17-jre-headless || true; \
	fi
	@[ -x $(SPARK_VENV)/bin/python ] || $(PYTHON) -m venv $(SPARK_VENV) || true
	@$(SPARK_VENV)/bin/python -c "import pyspark, dask.bag" 2>/dev/null || \
	  $(SPARK_VENV)/bin/python -m pip install --quiet --disable-pip-version-check pyspark dask \
	  || true

spark-test: spark-deps
	@[ -x $(SPARK_BIN) ] || $(SWIFT) build --product sparsetext
	@if ! command -v java >/dev/null 2>&1 || \
	   ! $(SPARK_VENV)/bin/python -c "import pyspark, dask.bag" 2>/dev/null; then \
	  if [ "$${CI:-}" = "true" ]; then \
	    echo "error: the Spark example test needs java and pyspark (in $(SPARK_VENV)), and they could not be installed" >&2; \
	    exit 1; \
	  fi; \
	  echo "note: java or pyspark unavailable; the Spark example test is skipped (it fails in CI)"; \
	  exit 0; \
	fi; \
	SPARK_LOCAL_IP=127.0.0.1 SPARK_LOCAL_HOSTNAME=localhost \
	  $(SPARK_VENV)/bin/python Examples/spark/test_spark.py --binary $(SPARK_BIN)

# The main job end to end on the BBC corpus, with the default recipe: fetch, fit → evaluate →
# inspect on a train/test split (the fixed split from ../shared/splits when present), then the
# experiment table.
SPLIT_BBC := $(wildcard ../shared/splits/bbc.tsv)
OUT := out
demo: build
	@mkdir -p $(OUT)
	$(BIN) corpus fetch bbc
	$(BIN) corpus split --corpus bbc $(if $(SPLIT_BBC),--split $(SPLIT_BBC),) \
	  --train-out $(OUT)/bbc-train.jsonl --test-out $(OUT)/bbc-test.jsonl
	$(BIN) fit $(OUT)/bbc-train.jsonl -o $(OUT)/bbc-model
	$(BIN) evaluate $(OUT)/bbc-model $(OUT)/bbc-test.jsonl
	$(BIN) inspect $(OUT)/bbc-model --units 12 --top 8
	$(SWIFT) build -c $(CONFIG) --product EmbeddingsQuickstart
	$(SWIFT) build -c $(CONFIG) --product TopicExplorer
	.build/$(CONFIG)/EmbeddingsQuickstart $(OUT)/bbc-model
	.build/$(CONFIG)/TopicExplorer "$$($(BIN) corpus path bbc)" "oil prices"
	$(BIN) experiment --train $(OUT)/bbc-train.jsonl --test $(OUT)/bbc-test.jsonl \
	  --label-fractions 0.01,0.05,0.1,0.5,1 --report $(OUT)/bbc-report

# Peers measured side by side in one run (scikit-learn, PyTorch), ratios printed.
bench: build
	$(SWIFT) build -c $(CONFIG) --product sparsetext-bench
	bash Benchmarks/setup.sh
	.venv-bench/bin/python Benchmarks/run.py --sparsetext $(BIN) $(BENCH_ARGS)

# Only the end-to-end vectorize rows, plus ours alone on Twitter ×250 (about 1 GB of JSONL:
# time, peak memory against the output matrix + vocabulary). Needs ~2.3 GB of disk in /tmp.
bench-large: build
	bash Benchmarks/setup.sh
	.venv-bench/bin/python Benchmarks/run.py --sparsetext $(BIN) --only-e2e --large $(BENCH_ARGS)

# API documentation (DocC) into .build/plugins/Swift-DocC/outputs/SparseText.doccarchive.
docs:
	$(SWIFT) package generate-documentation --target SparseText

clean:
	rm -rf .build dist

# A binary that ships to machines without Swift (Spark executors, containers): the Swift
# runtime and Foundation linked in statically; dist/sparsetext.libraries lists the few shared
# libraries it still needs (utf8proc, OpenBLAS, zlib and the C runtime), from ldd.
dist: deps
	$(SWIFT) build -c release --product sparsetext --static-swift-stdlib
	@mkdir -p dist
	cp .build/release/sparsetext dist/sparsetext
	@ldd dist/sparsetext | awk '{print $$1}' | sort > dist/sparsetext.libraries
	@if grep -q swift dist/sparsetext.libraries; then \
	  echo "error: dist/sparsetext still links the Swift runtime dynamically:" >&2; \
	  grep swift dist/sparsetext.libraries >&2; exit 1; fi
	@echo "dist/sparsetext ($$(du -h dist/sparsetext | cut -f1)) needs these shared libraries:"
	@sed 's/^/  /' dist/sparsetext.libraries

# A seeded mutation fuzzer over every corpus reader, the .npz/.npy/.safetensors readers and the
# model loaders: FUZZ_CASES per target (make test runs 100), counts printed per target; any crash,
# untyped error or case slower than 10 s fails. FUZZ_SEED replays or varies a run.
FUZZ_CASES ?= 10000
FUZZ_SEED ?= 14
fuzz: deps
	$(SWIFT) build --build-tests
	SPARSETEXT_FUZZ_CASES=$(FUZZ_CASES) SPARSETEXT_FUZZ_SEED=$(FUZZ_SEED) \
	  $(SWIFT) test --skip-build --filter MutationFuzzTests
