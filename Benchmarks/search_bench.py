#!/usr/bin/env python3
"""Nearest-neighbour search: `sparsetext-bench search` (EmbeddingIndex on 100,000 × 256 seeded,
clustered vectors) against numpy doing what sentence-transformers' `semantic_search` does
(normalized rows, query blocks times the matrix, a partial sort for the k best), both on the
same vectors and queries, 2 threads.

Alone: `python Benchmarks/search_bench.py --bench .build/release/sparsetext-bench`; `make bench`
calls `rows()` at the end of Benchmarks/run.py.
"""
import argparse
import json
import subprocess
import sys
import tempfile

# The peer: sys.argv[1] = the index directory (vectors.npy, ids.json, queries.npy), then
# queries, single, k. Prints one JSON object.
PEER_SEARCH = r"""
import json, sys, time
import numpy as np
from threadpoolctl import threadpool_limits
directory, queries, single, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
v = np.load(directory + "/vectors.npy")
q = np.load(directory + "/queries.npy")
q = q / np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-30)

def top_k(scores):
    part = np.argpartition(-scores, k, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)

with threadpool_limits(limits=2):
    batch = q[:queries]
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        found = [top_k(batch[i:i + 128] @ v.T) for i in range(0, queries, 128)]
        best = min(best, time.perf_counter() - start)
    found = np.concatenate(found)
    times = []
    for i in range(single):
        start = time.perf_counter()
        top_k(q[i:i + 1] @ v.T)
        times.append(time.perf_counter() - start)
    times.sort()
print(json.dumps({"batched_seconds": best, "single_median_ms": times[len(times) // 2] * 1e3,
                  "single_p90_ms": times[int((len(times) - 1) * 0.9)] * 1e3,
                  "first_rows": found[:, 0].tolist()}))
"""


def measure(bench, python, env=None, rows=100_000, dimension=256, queries=2048, single=200, k=10):
    """Both sides on the same vectors: (our JSON, the peer's JSON or None)."""
    with tempfile.TemporaryDirectory(prefix="sparsetext-search-bench-") as work:
        directory = f"{work}/index"
        ours = subprocess.run(
            [bench, "search", "--rows", str(rows), "--dimension", str(dimension), "--queries",
             str(queries), "--single", str(single), "--k", str(k), "--write", directory],
            capture_output=True, text=True, check=True)
        ours = json.loads([l for l in ours.stdout.splitlines() if l.startswith("{")][-1])
        peer = subprocess.run([python, "-c", PEER_SEARCH, directory, str(queries), str(single), str(k)],
                              capture_output=True, text=True, env=env)
        if peer.returncode != 0:
            print(f"numpy peer failed: {peer.stderr[-1000:]}", file=sys.stderr)
            return ours, None
        return ours, json.loads(peer.stdout.strip().splitlines()[-1])


def rows(bench, python, env=None):
    """The table rows of `make bench`: (group, measurement, ours, peer, ratio)."""
    ours, peer = measure(bench, python, env)
    n, d, m = ours["rows"], ours["dimension"], ours["queries"]
    group = f"search {n // 1000}k×{d}"
    table = [
        (group, "batched top-10 GFLOP/s (peer: machine sgemm 2048²; ratio = share)",
         ours["batched_gflops"], ours["machine_sgemm_gflops"], ours["batched_share_of_sgemm"]),
    ]
    if peer:
        table.append((group, f"batched top-10, {m} queries (s; numpy blocks of 128)",
                      ours["batched_seconds"], peer["batched_seconds"],
                      peer["batched_seconds"] / ours["batched_seconds"]))
        table.append((group, "single query, int8 scan, median (ms; numpy float32)",
                      ours["single_int8_median_ms"], peer["single_median_ms"],
                      peer["single_median_ms"] / ours["single_int8_median_ms"]))
        table.append((group, "single query, float32 scan, median (ms; numpy float32)",
                      ours["single_float32_median_ms"], peer["single_median_ms"],
                      peer["single_median_ms"] / ours["single_float32_median_ms"]))
    else:
        table.append((group, "single query, int8 scan, median (ms; no peer)",
                      ours["single_int8_median_ms"], None, ""))
    if peer:
        same = sum(a == b for a, b in zip(ours["first_rows"], peer["first_rows"])) / m
        table.append((group, "same nearest row as numpy (share of queries)", same, None, ""))
    table += [
        (group, "single query, int8 scan, 90th percentile (ms)", ours["single_int8_p90_ms"],
         peer["single_p90_ms"] if peer else None, ""),
        (group, "build from vectors (s; no peer)", ours["build_seconds"], None, ""),
        (group, "index in memory: vectors + int8 copy + ids (MB; no peer)", ours["index_mb"], None, ""),
        (group, "write + load directory (s; no peer)", ours["write_seconds"] + ours["load_seconds"],
         None, ""),
        (group, f"all pairs ≥ 0.9 among {ours['duplicate_rows']} rows (s; no peer)",
         ours["duplicate_seconds"], None, ""),
        (group, "model digest: SHA-256 of the encoder's weights (MB/s; no peer)",
         ours["digest_mb_per_second"], None, ""),
    ]
    return table, {"ours": ours, "numpy": peer}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bench", required=True, help="path to sparsetext-bench")
    parser.add_argument("--python", default=sys.executable, help="Python with numpy and threadpoolctl")
    args = parser.parse_args()
    table, results = rows(args.bench, args.python)
    print("| group | measurement | sparsetext | peer | ratio |")
    print("|---|---|---:|---:|---:|")
    for group, what, ours, theirs, ratio in table:
        fmt = lambda v: f"{v:.3f}" if isinstance(v, float) else str(v)
        print(f"| {group} | {what} | {fmt(ours)} | {fmt(theirs)} | {fmt(ratio)} |")
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
