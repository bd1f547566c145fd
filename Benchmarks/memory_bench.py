#!/usr/bin/env python3
"""Peak memory of `sparsetext vectorize` against what its output needs plus the bound the
README's Limits section states (issue 24: "peak memory on any input ≤ what its output needs
plus a documented bound").

Inputs of different shapes, written to a work folder from the corpora's training parts:
many short documents (Twitter ×25), few long ones (BBC ×10), one 200 MB document (words drawn
from BBC, seeded) and 50 MB of lines whose every word is new (the cost of a distinct term).
Outputs: .npz, .jsonl, .npy (the one document: one dense row), and the fixed-column modes
(--model, --vocabulary-in). Each run is a fresh process; peak = its maximum resident set.

    output = nonzeros × (value bytes + 4) + (rows + 1) × 8      (the CSR arrays; .npy: rows × columns × value bytes)
             + the vocabulary as JSON (--vocabulary-out's bytes)
    bound  = 64 MiB + 220 bytes per distinct term counted
             + 5 bytes per byte of the two longest documents (word analyzer)
             + 4 bytes per nonzero for TF-IDF stored as float64 (the counts are kept while
               the values are weighted in Double)

Standalone: python3 Benchmarks/memory_bench.py --sparsetext .build/release/sparsetext \\
    --bbc bbc-train.jsonl --twitter twitter-train.jsonl
(`make bench` calls rows() with the fixed splits' training parts.)
"""
import argparse
import json
import pathlib
import random
import re
import subprocess
import sys
import tempfile

MIB = 1 << 20
# The bound of README.md's Limits section; keep the two in step.
FIXED_BYTES = 64 * MIB
PER_TERM_BYTES = 220
PER_DOCUMENT_BYTE = 5
PER_FLOAT64_NONZERO = 4


def peak_mb(command):
    """(--json summary, peak RSS in MiB) of `command` run alone in a wrapper process."""
    wrapper = [sys.executable, "-c",
               "import resource, subprocess, sys, json;"
               "r = subprocess.run(sys.argv[1:], capture_output=True, text=True);"
               "sys.stdout.write(r.stdout); sys.stderr.write(r.stderr[-2000:]);"
               "print(json.dumps({'peak_kb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,"
               " 'rc': r.returncode}))"] + [str(c) for c in command]
    result = subprocess.run(wrapper, capture_output=True, text=True)
    lines = [l for l in result.stdout.strip().split("\n") if l.startswith("{")]
    measured = json.loads(lines[-1])
    if measured["rc"] != 0:
        raise RuntimeError(f"{' '.join(map(str, command))} failed:\n{result.stderr[-2000:]}")
    return json.loads(lines[0]), measured["peak_kb"] / 1024


def repeated(source, times, destination):
    """`source` (JSONL) repeated `times` times with distinct ids; the two longest texts' bytes."""
    documents = [json.loads(line) for line in open(source, encoding="utf-8")]
    with open(destination, "w", encoding="utf-8") as out:
        for k in range(times):
            for d in documents:
                out.write(json.dumps({"id": f"{k}-{d['id']}", "label": d["label"], "text": d["text"]},
                                     ensure_ascii=False) + "\n")
    return sum(sorted(len(d["text"].encode("utf-8")) for d in documents)[-2:])


def one_document(source, destination, size=200_000_000, seed=7):
    """One line of `size` bytes of words drawn (seeded) from `source`'s texts; its bytes."""
    words = re.findall(r"\w+", " ".join(json.loads(l)["text"] for l in open(source, encoding="utf-8")))
    generator = random.Random(seed)
    written = 0
    with open(destination, "w", encoding="utf-8") as out:
        while written < size:
            chunk = " ".join(words[generator.randrange(len(words))] for _ in range(100_000)) + " "
            out.write(chunk)
            written += len(chunk.encode("utf-8"))
        out.write("\n")
    return written


def distinct_terms(destination, size=50_000_000):
    """Lines of 120 words each seen nowhere else; the two longest lines' bytes."""
    written, i, longest = 0, 0, 0
    with open(destination, "w") as out:
        while written < size:
            line = " ".join(f"w{j:x}q" for j in range(i, i + 120)) + "\n"
            i += 120
            out.write(line)
            written += len(line)
            longest = max(longest, len(line))
    return 2 * longest


def rows(st, bbc_train, twitter_train, work=None):
    """The memory rows of `make bench` and their results."""
    work = pathlib.Path(work or tempfile.mkdtemp(prefix="bench-memory-"))
    twitter = work / "twitter-x25.jsonl"
    bbc = work / "bbc-x10.jsonl"
    document = work / "one-document.txt"
    distinct = work / "distinct-terms.txt"
    longest = {
        twitter: repeated(twitter_train, 25, twitter),
        bbc: repeated(bbc_train, 10, bbc),
        document: one_document(bbc_train, document),
        distinct: distinct_terms(distinct),
    }
    out = work / "out"
    out.mkdir(exist_ok=True)
    # The fixed-column modes read a vectorizer fitted on the Twitter training part.
    subprocess.run([st, "vectorize", str(twitter_train), "-o", str(out / "fit.npz"), "--vectorizer-out",
                    str(out / "vectorizer"), "--vocabulary-out", str(out / "vocabulary.json"), "-q"],
                   check=True, capture_output=True)
    big = ["--max-record-bytes", str(256 * MIB)]
    cases = [
        ("Twitter x25", twitter, ".npz", []),
        ("Twitter x25", twitter, ".jsonl", []),
        ("Twitter x25 --model", twitter, ".npz", ["--model", str(out / "vectorizer")]),
        ("Twitter x25 --vocabulary-in", twitter, ".npz", ["--vocabulary-in", str(out / "vocabulary.json")]),
        ("Twitter x25 --dtype float64", twitter, ".npz", ["--dtype", "float64"]),
        ("BBC x10", bbc, ".npz", []),
        ("BBC x10", bbc, ".jsonl", []),
        ("one 200 MB document", document, ".npz", big),
        ("one 200 MB document", document, ".npy", big),
        ("one 200 MB document", document, ".jsonl", big),
        ("50 MB of distinct terms", distinct, ".npz", []),
    ]
    table, results = [], {}
    for name, path, extension, options in cases:
        target = out / f"x{extension}"
        vocabulary = out / "written-vocabulary.json"
        summary, peak = peak_mb([st, "vectorize", path, "-o", target, "--vocabulary-out", vocabulary,
                                 *options, "--json", "-q"])
        value_bytes = 8 if "float64" in options else 4
        if extension == ".npy":
            matrix = summary["documents"] * summary["terms"] * value_bytes
        else:
            matrix = summary["nonzeros"] * (value_bytes + 4) + (summary["documents"] + 1) * 8
        output = matrix + vocabulary.stat().st_size
        bound = output + FIXED_BYTES + PER_TERM_BYTES * summary["terms"] + PER_DOCUMENT_BYTE * longest[path]
        if "float64" in options:
            bound += PER_FLOAT64_NONZERO * summary["nonzeros"]
        key = f"{name} -> {extension}"
        results[key] = {"peak_mb": peak, "output_mb": output / MIB, "bound_mb": bound / MIB,
                        "documents": summary["documents"], "terms": summary["terms"],
                        "nonzeros": summary["nonzeros"], "input_mb": path.stat().st_size / MIB}
        # Ratio > 1: the run stayed under its bound.
        table.append(("memory", f"vectorize {key}: peak RSS MiB (peer: output {output / MIB:.0f} + bound)",
                      peak, bound / MIB, bound / MIB / peak))
        target.unlink(missing_ok=True)
    for path in longest:
        path.unlink()
    return table, results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sparsetext", default="sparsetext")
    parser.add_argument("--bbc", required=True, help="BBC training part (JSONL: id, label, text)")
    parser.add_argument("--twitter", required=True, help="Twitter training part (JSONL)")
    args = parser.parse_args()
    table, results = rows(args.sparsetext, pathlib.Path(args.bbc), pathlib.Path(args.twitter))
    print("| corpus | measurement | sparsetext | peer | ratio |")
    print("|---|---|---:|---:|---:|")
    for corpus, what, ours, theirs, ratio in table:
        print(f"| {corpus} | {what} | {ours:.0f} | {theirs:.0f} | {ratio:.2f} |")
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
