"""SparseText as a stage of an Apache Spark job, with no cluster code of its own.

(a) Fit: every partition counts its exact term statistics with
    `sparsetext vectorize - --statistics-out` (map); the driver sums them with
    `sparsetext statistics merge` (reduce) and fits the bundle with `sparsetext fit --statistics`
    (the vocabulary and idf of the whole corpus; the autoencoder trains on the driver, on all
    text or a sample: --train-fraction).
(b) Encode: `RDD.pipe` streams each partition through `sparsetext encode MODEL - -o -`, which
    writes one {"id", "code"} JSON line per document, in input order.

The vocabulary, idf and codes are the same bits as on one machine, however Spark partitions
the corpus. Run it locally (Examples/spark/README in the main README):

    SPARK_LOCAL_IP=127.0.0.1 python Examples/spark/sparsetext_spark.py \
        --binary dist/sparsetext --corpus corpus.jsonl --out spark-out --partitions 7

The corpus is JSONL with "id" and "text" fields. On a cluster, ship the binary with
`spark-submit --files dist/sparsetext` (it needs no Swift on the executors; see
`make dist`) and pass `--binary ./sparsetext`.
"""

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time


def parse_arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", required=True, help="the sparsetext executable")
    parser.add_argument("--corpus", required=True, help="JSONL with id and text fields")
    parser.add_argument("--out", required=True, help="a directory for the bundle and codes")
    parser.add_argument("--partitions", type=int, default=7)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument(
        "--train-fraction",
        type=float,
        default=1.0,
        help="share of the documents the autoencoder trains on (1: all, as on one machine)",
    )
    parser.add_argument(
        "--fit-options",
        default="",
        help="more `sparsetext fit` options, e.g. '--min-df 2 --max-features 10000 --hidden 64'",
    )
    parser.add_argument(
        "--tokenizer-options",
        default="",
        help="tokenizer options (--preset, --ngrams, ...): the same for counting and fitting",
    )
    return parser.parse_args(argv)


def spark_session(master):
    from pyspark.sql import SparkSession

    # Local mode talks over loopback only; nothing listens on or contacts another address.
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("SPARK_LOCAL_HOSTNAME", "localhost")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    return (
        SparkSession.builder.master(master)
        .appName("sparsetext")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )


def count_statistics(binary, tokenizer_options):
    """A mapPartitions function: this partition's term statistics file, as bytes."""

    def run(index, lines):
        from pyspark import SparkFiles

        executable = binary if os.path.isabs(binary) else SparkFiles.get(os.path.basename(binary))
        with tempfile.TemporaryDirectory() as scratch:
            target = os.path.join(scratch, "part.stats")
            process = subprocess.Popen(
                [executable, "vectorize", "-", "--format", "jsonl", "--statistics-out", target, "-q"]
                + shlex.split(tokenizer_options),
                stdin=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for line in lines:
                process.stdin.write(line.encode("utf-8") + b"\n")
            process.stdin.close()
            error = process.stderr.read()
            if process.wait() != 0:
                raise RuntimeError(f"sparsetext failed on partition {index}: {error.decode()}")
            with open(target, "rb") as handle:
                yield index, handle.read()

    return run


def run_job(args):
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    binary = os.path.abspath(args.binary) if os.path.exists(args.binary) else args.binary
    timings = {}
    spark = spark_session(args.master)
    sc = spark.sparkContext
    try:
        lines = sc.textFile(os.path.abspath(args.corpus), minPartitions=args.partitions)
        partitions = lines.getNumPartitions()

        # (a) map: exact statistics per partition; reduce: merge on the driver; finalize: fit.
        started = time.perf_counter()
        parts = (
            lines.mapPartitionsWithIndex(count_statistics(binary, args.tokenizer_options))
            .collect()
        )
        part_files = []
        for index, data in sorted(parts):
            path = os.path.join(out, f"part-{index:05d}.stats")
            with open(path, "wb") as handle:
                handle.write(data)
            part_files.append(path)
        timings["statistics_seconds"] = time.perf_counter() - started
        started = time.perf_counter()
        merged = os.path.join(out, "corpus.stats")
        subprocess.run(
            [binary, "statistics", "merge", *part_files, "-o", merged, "-q"], check=True
        )
        timings["merge_seconds"] = time.perf_counter() - started

        # The autoencoder trains on one machine: all the text (as here) or a sample of it.
        started = time.perf_counter()
        train = os.path.join(out, "train.jsonl")
        sample = lines if args.train_fraction >= 1 else lines.sample(False, args.train_fraction, 13)
        with open(train, "w", encoding="utf-8") as handle:
            for line in sample.toLocalIterator():
                handle.write(line + "\n")
        model = os.path.join(out, "model")
        subprocess.run(
            [binary, "fit", train, "--statistics", merged, "-o", model, "--no-classifier", "-q"]
            + shlex.split(args.tokenizer_options)
            + shlex.split(args.fit_options),
            check=True,
        )
        timings["fit_seconds"] = time.perf_counter() - started

        # (b) encode with RDD.pipe. In local mode the executors share this file system; on a
        # cluster, ship the binary and bundle (--files sparsetext --archives model.tgz#model)
        # and use relative paths, which resolve in each executor's working directory.
        command = (
            f"{shlex.quote(binary)} encode {shlex.quote(model)} - --format jsonl --id-field id "
            "-o - --output-format jsonl -q"
        )
        started = time.perf_counter()
        codes_dir = os.path.join(out, "codes")
        codes = lines.pipe(command, checkCode=True)
        codes.saveAsTextFile("file://" + codes_dir)
        timings["encode_seconds"] = time.perf_counter() - started
        documents = lines.count()
    finally:
        spark.stop()
    # The parts in partition order are the codes in input order.
    with open(os.path.join(out, "codes.jsonl"), "w", encoding="utf-8") as joined:
        for name in sorted(n for n in os.listdir(codes_dir) if n.startswith("part-")):
            with open(os.path.join(codes_dir, name), encoding="utf-8") as part:
                joined.write(part.read())
    summary = {
        "engine": "spark",
        "master": args.master,
        "partitions": partitions,
        "documents": documents,
        "model": model,
        "codes": os.path.join(out, "codes.jsonl"),
        **timings,
        "encode_documents_per_second": documents / timings["encode_seconds"],
    }
    print(json.dumps(summary, sort_keys=True))
    return summary


if __name__ == "__main__":
    run_job(parse_arguments())
