#!/usr/bin/env python3
"""Runs `sparsetext experiment` over the development corpora for one or more autoencoder
recipes and prints one table row per (corpus, recipe): test accuracy of tfidf_lr, sae_lr and
concat_lr, the autoencoder's FVU and L0 on the test part, and the 1%-of-labels accuracies.

    python3 Benchmarks/recipes.py --data DIR --out DIR [--corpora bbc,cr] \
        --recipe default= --recipe topk64="--topk 64"

DIR holds <corpus>-train.* and <corpus>-test.* (fastText lines or JSONL), e.g. the fixed
splits written by `sparsetext corpus split` and ../shared/devsets. Never point it at held-out
evaluation data."""
import argparse
import glob
import json
import os
import shlex
import subprocess
import sys
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sparsetext", default=".build/release/sparsetext")
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--corpora", default="bbc,twitter,cr,mpqa")
    parser.add_argument("--fractions", default="0.01,0.05,1")
    parser.add_argument("--recipe", action="append", default=[],
                        help='NAME="flags", e.g. topk64="--topk 64"; default: the defaults')
    args = parser.parse_args()
    recipes = [r.split("=", 1) for r in (args.recipe or ["default="])]
    rows = []
    for corpus in args.corpora.split(","):
        train = sorted(glob.glob(os.path.join(args.data, f"{corpus}-train.*")))
        test = sorted(glob.glob(os.path.join(args.data, f"{corpus}-test.*")))
        if not train or not test:
            sys.exit(f"no {corpus}-train.* / {corpus}-test.* in {args.data}")
        for name, flags in recipes:
            report = os.path.join(args.out, f"{corpus}-{name}")
            command = [args.sparsetext, "experiment", "--train", train[0], "--test", test[0],
                       "--label-fractions", args.fractions, "--report", report, "--quiet"]
            command += shlex.split(flags)
            started = time.time()
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
            seconds = time.time() - started
            with open(os.path.join(report, "report.json")) as f:
                r = json.load(f)
            acc = {p["name"]: 100 * p["accuracy"] for p in r["pipelines"]}
            few = {(p["pipeline"], p["fraction"]): 100 * p["accuracy"] for p in r["learning_curve"]}
            test_metrics = r.get("autoencoder_metrics_test", {})
            row = dict(corpus=corpus, recipe=name, tfidf=acc.get("tfidf_lr"), codes=acc.get("sae_lr"),
                       both=acc.get("concat_lr"), fvu=test_metrics.get("fraction_of_variance_unexplained"),
                       l0=test_metrics.get("active_units_per_document"), dead=test_metrics.get("dead_units"),
                       tfidf_1=few.get(("tfidf_lr", 0.01)), codes_1=few.get(("sae_lr", 0.01)),
                       both_1=few.get(("concat_lr", 0.01)), tfidf_5=few.get(("tfidf_lr", 0.05)),
                       codes_5=few.get(("sae_lr", 0.05)), seconds=seconds,
                       autoencoder_seconds=r.get("autoencoder_seconds") if False else None)
            rows.append(row)
            print(json.dumps(row), flush=True)
    print()
    print("| corpus | recipe | TF-IDF+LR | codes+LR | both | FVU (test) | L0 | dead | 1%: TF-IDF / codes / both | 5%: TF-IDF / codes | seconds |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---|---|---:|")
    f = lambda v, d=2: "–" if v is None else f"{v:.{d}f}"
    for r in rows:
        print(f"| {r['corpus']} | {r['recipe']} | {f(r['tfidf'])} | {f(r['codes'])} | {f(r['both'])} | "
              f"{f(r['fvu'], 3)} | {f(r['l0'], 1)} | {r['dead']} | {f(r['tfidf_1'])} / {f(r['codes_1'])} / {f(r['both_1'])} | "
              f"{f(r['tfidf_5'])} / {f(r['codes_5'])} | {r['seconds']:.0f} |")


if __name__ == "__main__":
    main()
