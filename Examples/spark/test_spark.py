"""End-to-end check of the Spark and Dask examples (`make spark-test`): on a corpus made here,
the distributed jobs must reproduce one machine's results bit for bit:

- the merged statistics of 7 partitions equal `sparsetext vectorize --statistics-out` on the
  whole corpus, byte for byte;
- the bundle fitted from them has the single-machine fit's vocabulary, idf and every other
  tensor, byte for byte;
- the codes written by `RDD.pipe` (and Dask's map_partitions) equal `sparsetext encode`'s.

Usage: python Examples/spark/test_spark.py --binary .build/debug/sparsetext [--skip-dask]
"""

import argparse
import json
import os
import random
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

FIT_OPTIONS = "--min-df 2 --max-features 400 --hidden 8 --epochs 2"
WORDS = (
    "match goal team season coach league cup striker bank shares profit market rates investors "
    "growth bond album band singer chart tour guitar song stage café straße σοφία 北京 🙂 "
    "election minister vote party policy phone software network chip data"
).split()


def make_corpus(path, documents=900, seed=17):
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(documents):
            # Skewed frequencies, so max_features cuts through ties; some empty documents.
            count = 0 if i % 97 == 13 else rng.randint(3, 25)
            words = [WORDS[int(len(WORDS) * rng.random() ** 2)] for _ in range(count)]
            words.append(f"w{rng.randint(0, 600)}")
            record = {"id": f"doc-{i:04d}", "text": " ".join(words)}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def tensors(path):
    """The raw bytes of each tensor of a safetensors file, without numpy."""
    with open(path, "rb") as handle:
        data = handle.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + length])
    base = 8 + length
    return {
        name: data[base + spec["data_offsets"][0] : base + spec["data_offsets"][1]]
        for name, spec in header.items()
        if name != "__metadata__"
    }


def read(path, mode="rb"):
    with open(path, mode) as handle:
        return handle.read()


def check(engine, summary, single, expected_stats, corpus, binary, failures):
    before = len(failures)
    model = summary["model"]
    # Spark's textFile gives at least the partitions asked for; Dask's byte blocks about as many.
    least = 7 if engine == "spark" else 4
    if summary["partitions"] < least:
        failures.append(f"{engine}: {summary['partitions']} partitions, expected at least {least}")
    merged = os.path.join(os.path.dirname(model), "corpus.stats")
    if read(merged) != expected_stats:
        failures.append(f"{engine}: merged statistics differ from the whole corpus's")
    if read(os.path.join(model, "vocabulary.json")) != read(os.path.join(single, "vocabulary.json")):
        failures.append(f"{engine}: vocabulary differs from the single-machine fit")
    ours = tensors(os.path.join(model, "model.safetensors"))
    theirs = tensors(os.path.join(single, "model.safetensors"))
    if ours.get("idf") is None or ours.get("idf") != theirs.get("idf"):
        failures.append(f"{engine}: idf differs from the single-machine fit")
    if ours != theirs:
        failures.append(f"{engine}: bundle tensors differ from the single-machine fit")
    codes = read(summary["codes"])
    local = subprocess.run(
        [binary, "encode", model, corpus, "--id-field", "id", "-o", "-", "-q"],
        check=True,
        capture_output=True,
    ).stdout
    if codes != local:
        failures.append(f"{engine}: distributed codes differ from `sparsetext encode`'s")
    lines = codes.decode("utf-8").splitlines()
    if len(lines) != summary["documents"] or json.loads(lines[-1])["id"] != "doc-0899":
        failures.append(f"{engine}: codes are not one line per document in input order")
    print(
        f"{engine}: {summary['partitions']} partitions, {summary['documents']} documents, "
        f"{len(ours['idf']) // 4} terms: statistics, vocabulary, idf, bundle and codes "
        + ("identical to one machine's" if len(failures) == before else "NOT identical (below)")
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--skip-dask", action="store_true")
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)
    failures = []
    with tempfile.TemporaryDirectory(prefix="sparsetext-spark-") as scratch:
        corpus = os.path.join(scratch, "corpus.jsonl")
        make_corpus(corpus)
        # One machine: statistics of the whole corpus, a fit and codes.
        whole = os.path.join(scratch, "whole.stats")
        subprocess.run([binary, "vectorize", corpus, "--statistics-out", whole, "-q"], check=True)
        single = os.path.join(scratch, "single")
        subprocess.run(
            [binary, "fit", corpus, "-o", single, "--no-classifier", "-q"] + FIT_OPTIONS.split(),
            check=True,
        )
        expected_stats = read(whole)

        import sparsetext_spark

        summary = sparsetext_spark.run_job(
            sparsetext_spark.parse_arguments(
                [
                    "--binary", binary, "--corpus", corpus, "--out",
                    os.path.join(scratch, "spark"), "--partitions", "7",
                    "--fit-options", FIT_OPTIONS,
                ]
            )
        )
        check("spark", summary, single, expected_stats, corpus, binary, failures)
        if not args.skip_dask:
            import sparsetext_dask

            summary = sparsetext_dask.main(
                [
                    "--binary", binary, "--corpus", corpus, "--out",
                    os.path.join(scratch, "dask"), "--partitions", "7",
                    "--fit-options", FIT_OPTIONS,
                ]
            )
            check("dask", summary, single, expected_stats, corpus, binary, failures)
    for failure in failures:
        print("FAIL:", failure, file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
