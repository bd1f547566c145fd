#!/usr/bin/env python3
"""The whole default `fit` against scikit-learn's plain text pipeline (issue 26's targets).

Ours: `sparsetext fit train.jsonl -o model/` with no options (vectorizer, autoencoder, the
classifier's input and C chosen by cross-validation, anomaly scores), then `evaluate` on the test
part. The peer: `make_pipeline(TfidfVectorizer(), LogisticRegression())` with scikit-learn's
defaults, reading the same JSONL, fitted, then scored on the same test part. Each side is one
fresh process: wall time and peak resident memory. The ratio is the peer's seconds ÷ ours
(> 1: we are faster).

`rows()` is called by Benchmarks/run.py; alone:
    python Benchmarks/fit_bench.py --sparsetext .build/release/sparsetext --train t.jsonl --test s.jsonl
"""
import argparse
import json
import pathlib
import resource
import subprocess
import sys
import time

# sys.argv[1] = training JSONL, sys.argv[2] = test JSONL (or ""), sys.argv[3] = "plain" (scikit-learn's
# defaults) or "cv" (the tuned pipeline of issue 26's ratio target). Prints one JSON object.
PEER_FIT = r"""
import json, sys, time
started = time.perf_counter()
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
def read(path):
    texts, labels = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            texts.append(d["text"]); labels.append(d["label"])
    return texts, labels
texts, labels = read(sys.argv[1])
if sys.argv[3] == "cv":
    # Issue 26's peer: sublinear TF-IDF with min_df=2 and C chosen from four values by
    # stratified 3-fold cross-validation (vectorizer refitted per fold), then refitted on all rows.
    from sklearn.model_selection import GridSearchCV
    pipeline = make_pipeline(TfidfVectorizer(sublinear_tf=True, min_df=2),
                             LogisticRegression(max_iter=1000))
    search = GridSearchCV(pipeline, {"logisticregression__C": [0.1, 1, 10, 100]}, cv=3)
    model = search.fit(texts, labels).best_estimator_
else:
    model = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000)).fit(texts, labels)
fitted = time.perf_counter() - started
out = {"fit_seconds": fitted, "terms": len(model[0].vocabulary_)}
if sys.argv[2]:
    tt, tl = read(sys.argv[2])
    out["accuracy"] = float((model.predict(tt) == __import__("numpy").array(tl)).mean())
print(json.dumps(out))
"""


def measured(command, env=None):
    """Wall time, peak RSS (MB) and stdout of one command in a fresh wrapper process."""
    wrapper = [sys.executable, "-c",
               "import resource, subprocess, sys, json, time;"
               "t = time.perf_counter();"
               "r = subprocess.run(sys.argv[1:], capture_output=True, text=True);"
               "t = time.perf_counter() - t;"
               "sys.stderr.write(r.stderr[-2000:]);"
               "print(json.dumps({'peak_mb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,"
               " 'rc': r.returncode, 'wall_seconds': t, 'stdout': r.stdout[-20000:]}))"] + command
    result = subprocess.run(wrapper, capture_output=True, text=True, env=env)
    out = json.loads(result.stdout.strip().split("\n")[-1])
    if out["rc"] != 0:
        raise RuntimeError(f"{' '.join(map(str, command))} failed:\n{result.stderr[-2000:]}")
    return out


def last_json(text):
    lines = [line for line in text.strip().split("\n") if line.startswith("{")]
    return json.loads(lines[-1]) if lines else {}


def fit_rows(st, py, peer_env, name, train, test, work, evaluate=True, tuned_peer=True):
    """Rows for one corpus: default fit wall time and peak memory against the peers', and the
    test accuracy of each (when `evaluate`). The tuned peer (C by cross-validation) runs only
    when `tuned_peer`. Returns (rows, results)."""
    work = pathlib.Path(work)
    model = work / f"{name}-default-model"
    ours = measured([st, "fit", str(train), "-o", str(model), "-q"])
    config = json.loads((model / "config.json").read_text())
    theirs = measured([py, "-c", PEER_FIT, str(train), str(test) if evaluate else "", "plain"],
                      env=peer_env)
    peer = last_json(theirs["stdout"])
    rows = [
        (name, "default fit, whole command (s; peer: sklearn TfidfVectorizer()+LogisticRegression())",
         ours["wall_seconds"], theirs["wall_seconds"], theirs["wall_seconds"] / ours["wall_seconds"]),
    ]
    tuned, tuned_result = None, {}
    if tuned_peer:
        tuned = measured([py, "-c", PEER_FIT, str(train), str(test) if evaluate else "", "cv"],
                         env=peer_env)
        tuned_result = last_json(tuned["stdout"])
        rows.append((name, "default fit, whole command (s; peer: sklearn TF-IDF(sublinear, "
                     "min_df=2)+LR, C of 0.1/1/10/100 by 3-fold CV)", ours["wall_seconds"],
                     tuned["wall_seconds"], tuned["wall_seconds"] / ours["wall_seconds"]))
    rows.append((name, "default fit peak RSS (MB; peer: sklearn defaults)", ours["peak_mb"],
                 theirs["peak_mb"], theirs["peak_mb"] / ours["peak_mb"]))
    results = {"ours": {k: ours[k] for k in ("wall_seconds", "peak_mb")},
               "sklearn": {k: theirs[k] for k in ("wall_seconds", "peak_mb")} | peer,
               "sklearn_cv": ({k: tuned[k] for k in ("wall_seconds", "peak_mb")} | tuned_result
                              if tuned else None),
               "autoencoder_training": config.get("autoencoder_training"),
               "classifier_input": config.get("classifier_input")}
    if evaluate:
        report = last_json(subprocess.run([st, "evaluate", str(model), str(test), "--json", "-q"],
                                          capture_output=True, text=True, check=True).stdout)
        accuracy = report.get("accuracy")
        results["ours"]["accuracy"] = accuracy
        rows.append((name, "default fit test accuracy (peer: sklearn defaults)", accuracy,
                     peer.get("accuracy"), ""))
        if tuned:
            rows.append((name, "default fit test accuracy (peer: sklearn tuned by 3-fold CV)",
                         accuracy, tuned_result.get("accuracy"), ""))
    return rows, results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sparsetext", default="../.build/release/sparsetext")
    parser.add_argument("--train", required=True)
    parser.add_argument("--test", default="")
    parser.add_argument("--name", default="corpus")
    parser.add_argument("--work", default="/tmp")
    args = parser.parse_args()
    started = time.time()
    rows, results = fit_rows(args.sparsetext, sys.executable, None, args.name, args.train,
                             args.test, args.work, evaluate=bool(args.test))
    for row in rows:
        print(row)
    print(json.dumps(results))
    print(f"{time.time() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
