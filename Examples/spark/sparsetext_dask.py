"""The Spark example's job with Dask, for machines without a JVM: per-partition term statistics,
merged on the client, a bundle fitted from them, then codes from `sparsetext encode` run on
every partition with `dask.bag.map_partitions`.

    python Examples/spark/sparsetext_dask.py --binary dist/sparsetext --corpus corpus.jsonl \
        --out dask-out --partitions 7
"""

import argparse
import json
import os
import shlex
import subprocess
import tempfile
import time

import dask
import dask.bag as db


def run_sparsetext(binary, arguments, lines):
    """Runs sparsetext with the partition's lines on standard input; returns its output."""
    data = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
    result = subprocess.run(
        [binary, *arguments], input=data.encode("utf-8"), capture_output=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"sparsetext {arguments[0]} failed: {result.stderr.decode()}")
    return result.stdout


def statistics_of(binary, tokenizer_options):
    def run(lines):
        with tempfile.TemporaryDirectory() as scratch:
            target = os.path.join(scratch, "part.stats")
            run_sparsetext(
                binary,
                ["vectorize", "-", "--format", "jsonl", "--statistics-out", target, "-q"]
                + shlex.split(tokenizer_options),
                lines,
            )
            with open(target, "rb") as handle:
                return [handle.read()]

    return run


def codes_of(binary, model):
    arguments = ["encode", model, "-", "--format", "jsonl", "--id-field", "id", "-o", "-", "-q"]
    return lambda lines: [run_sparsetext(binary, arguments, lines).decode("utf-8")]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--partitions", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--fit-options", default="")
    parser.add_argument("--tokenizer-options", default="")
    args = parser.parse_args(argv)
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    binary = os.path.abspath(args.binary)
    # Lines cut into about --partitions blocks at line ends.
    size = os.path.getsize(args.corpus)
    lines = db.read_text(args.corpus, blocksize=max(1, size // args.partitions + 1))
    timings = {}
    with dask.config.set(scheduler="threads", num_workers=args.workers):
        started = time.perf_counter()
        parts = lines.map_partitions(statistics_of(binary, args.tokenizer_options)).compute()
        part_files = []
        for index, data in enumerate(parts):
            path = os.path.join(out, f"part-{index:05d}.stats")
            with open(path, "wb") as handle:
                handle.write(data)
            part_files.append(path)
        merged = os.path.join(out, "corpus.stats")
        subprocess.run([binary, "statistics", "merge", *part_files, "-o", merged, "-q"], check=True)
        timings["statistics_seconds"] = time.perf_counter() - started
        started = time.perf_counter()
        model = os.path.join(out, "model")
        subprocess.run(
            [binary, "fit", args.corpus, "--statistics", merged, "-o", model, "--no-classifier"]
            + ["-q"]
            + shlex.split(args.tokenizer_options)
            + shlex.split(args.fit_options),
            check=True,
        )
        timings["fit_seconds"] = time.perf_counter() - started
        started = time.perf_counter()
        blocks = lines.map_partitions(codes_of(binary, model)).compute()
        timings["encode_seconds"] = time.perf_counter() - started
    codes = os.path.join(out, "codes.jsonl")
    with open(codes, "w", encoding="utf-8") as handle:
        handle.write("".join(blocks))
    documents = sum(block.count("\n") for block in blocks)
    summary = {
        "engine": "dask",
        "partitions": lines.npartitions,
        "documents": documents,
        "model": model,
        "codes": codes,
        **timings,
        "encode_documents_per_second": documents / timings["encode_seconds"],
    }
    print(json.dumps(summary, sort_keys=True))
    return summary


if __name__ == "__main__":
    main()
