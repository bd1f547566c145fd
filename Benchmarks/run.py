#!/usr/bin/env python3
"""`make bench`: sparsetext and its peers measured side by side in one run, ratios printed.

Each measurement runs in a fresh process; peak memory is that process's maximum resident set.
Results: a markdown table on stdout and Benchmarks/results/latest.json.
"""
import argparse
import json
import os
import pathlib
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import fit_bench
import memory_bench
import search_bench

ROOT = pathlib.Path(__file__).resolve().parent.parent
SPLITS = ROOT.parent / "shared" / "splits"

# Reads a default corpus as the reference did (sys.argv[1] = bbc|twitter, sys.argv[2] = path).
LOAD_DOCS = r"""
import json, os, sys, time, csv, io
started = time.perf_counter()
import scipy.sparse as sp
corpus, path = sys.argv[1], sys.argv[2]
def decode(b):
    try: return b.decode("utf-8")
    except UnicodeDecodeError: return b.decode("latin-1")
docs = []
if corpus == "bbc":
    for label in sorted(os.listdir(path)):
        for name in sorted(os.listdir(os.path.join(path, label))):
            if name.endswith(".txt"):
                docs.append(decode(open(os.path.join(path, label, name), "rb").read()))
else:
    raw = open(path, "rb").read()
    text = raw.decode("latin-1")  # byte-preserving, then decode each field as the reference did
    rows = list(csv.reader(io.StringIO(text, newline="")))
    col = rows[0].index("text")
    docs = [decode(r[col].encode("latin-1")) for r in rows[1:]]
"""

PEER_VECTORIZE = LOAD_DOCS + r"""
from sklearn.feature_extraction.text import TfidfVectorizer
ngrams, dump = int(sys.argv[3]), sys.argv[4]
size = sum(len(d.encode("utf-8")) for d in docs)
v = TfidfVectorizer(sublinear_tf=True, min_df=2, ngram_range=(1, ngrams))
x = v.fit_transform(docs)
# Reading and fitting, as sparsetext's --json seconds count them (it fits while it reads).
seconds = time.perf_counter() - started
if dump:
    sp.save_npz(os.path.join(dump, "X.npz"), x)
    json.dump(v.vocabulary_, open(os.path.join(dump, "vocab.json"), "w"))
print(json.dumps({"seconds": seconds, "bytes": size, "terms": x.shape[1], "nonzeros": int(x.nnz)}))
"""

# The whole job as a scikit-learn user writes it, timed as a whole process by the caller: read
# a JSONL file, fit_transform, save_npz (uncompressed, as sparsetext writes it) and the
# vocabulary as JSON (sys.argv[1] = path, [2] = largest n-gram, [3] = output directory).
PEER_END_TO_END = r"""
import json, os, sys
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
path, ngrams, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(path, encoding="utf-8") as f:
    docs = [json.loads(line)["text"] for line in f]
v = TfidfVectorizer(sublinear_tf=True, min_df=2, ngram_range=(1, ngrams))
x = v.fit_transform(docs)
sp.save_npz(os.path.join(out, "X.npz"), x, compressed=False)
with open(os.path.join(out, "vocab.json"), "w") as f:
    json.dump(v.vocabulary_, f)
"""

# scikit-learn's HashingVectorizer (2^20 signed buckets, raw counts) against ours (sys.argv[3]).
PEER_HASHING = LOAD_DOCS + r"""
import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer
x = HashingVectorizer(n_features=2**20, norm=None).fit_transform(docs).tocsr()
y = sp.load_npz(sys.argv[3]).tocsr()
x.sort_indices(); y.sort_indices()
same = (x.shape == y.shape and np.array_equal(x.indptr, y.indptr) and np.array_equal(x.indices, y.indices)
        and np.array_equal(x.data, y.data))
print(json.dumps({"identical": bool(same), "nonzeros": int(x.nnz), "explicit_zeros": int((x.data == 0).sum())}))
"""

PEER_LR = r"""
import json, sys, time
import numpy as np, scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
xtr, ytr, xte, yte, c = sys.argv[1:6]
xtr, xte = sp.load_npz(xtr), sp.load_npz(xte)
ytr = open(ytr).read().split("\n")[:-1]; yte = open(yte).read().split("\n")[:-1]
times = []
for _ in range(3):
    start = time.perf_counter()
    m = LogisticRegression(C=float(c), tol=1e-4, max_iter=1000).fit(xtr, ytr)
    times.append(time.perf_counter() - start)
p = m.predict(xte)
print(json.dumps({"seconds": sorted(times)[1], "iterations": int(np.max(m.n_iter_)),
                  "accuracy": accuracy_score(yte, p), "macro_f1": f1_score(yte, p, average="macro")}))
"""

PEER_SGEMM = r"""
import json, time, numpy as np
a = np.random.rand(64, 256).astype(np.float32); b = np.random.rand(10000, 256).astype(np.float32)
for _ in range(5): a @ b.T
start = time.perf_counter(); n = 200
for _ in range(n): a @ b.T
dt = (time.perf_counter() - start) / n
print(json.dumps({"gflops": 2 * 64 * 256 * 10000 / dt / 1e9}))
"""


def run(command, env=None):
    """Runs a command in a fresh process: (parsed JSON of its last stdout line, peak RSS in MB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, command))} failed:\n{result.stderr[-2000:]}")
    lines = [l for l in result.stdout.strip().split("\n") if l.startswith("{")]
    # ru_maxrss of RUSAGE_CHILDREN is the largest child so far; report it only when it grew.
    return json.loads(lines[-1]), (peak / 1024 if peak > before else None)


def fresh_peak(command, env=None):
    """Peak RSS (ru_maxrss) and wall time of one command measured alone, in a wrapper process."""
    wrapper = [sys.executable, "-c",
               "import resource, subprocess, sys, json, time;"
               "t = time.perf_counter();"
               "r = subprocess.run(sys.argv[1:], capture_output=True, text=True);"
               "t = time.perf_counter() - t;"
               "sys.stdout.write(r.stdout); sys.stderr.write(r.stderr[-2000:]);"
               "print(json.dumps({'peak_mb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,"
               " 'rc': r.returncode, 'wall_seconds': t}))"] + command
    result = subprocess.run(wrapper, capture_output=True, text=True, env=env)
    lines = [l for l in result.stdout.strip().split("\n") if l.startswith("{")]
    measured = json.loads(lines[-1])
    if measured["rc"] != 0:
        raise RuntimeError(f"{' '.join(map(str, command))} failed:\n{result.stderr[-2000:]}")
    return json.loads(lines[0]) if len(lines) > 1 else None, measured


def scaled_copy(source, times, destination):
    """`source` repeated `times` times into `destination` (kept between runs when complete)."""
    size = source.stat().st_size * times
    if not destination.exists() or destination.stat().st_size != size:
        with open(destination, "wb") as out:
            data = source.read_bytes()
            for _ in range(times):
                out.write(data)
    return destination


def end_to_end(st, py, peer_env, train, work, rows, results, repeats, large):
    """The whole `vectorize` process against scikit-learn's whole job (PEER_END_TO_END), on the
    Twitter training part repeated: wall time and peak RSS of each process, same run; with
    `large`, also ours alone on ×250 (about 1 GB)."""
    cases = [(25, 1), (5, 2)] + ([(250, 1)] if large else [])
    for times, ngrams in cases:
        path = scaled_copy(train, times, work / f"twitter-x{times}.jsonl")
        megabytes = path.stat().st_size / 1e6
        ours_t, theirs_t, ours_peak, theirs_peak = [], [], 0.0, 0.0
        out = work / f"e2e-x{times}"
        out.mkdir(exist_ok=True)
        peer = times != 250
        for _ in range(repeats if peer else 1):
            summary, measured = fresh_peak([st, "vectorize", str(path), "--preset", "sklearn", "--sublinear-tf",
                                            "--min-df", "2", "--ngrams", f"1-{ngrams}", "-o", str(out / "ours.npz"),
                                            "--vocabulary-out", str(out / "ours_vocab.json"), "--json", "-q"])
            ours_t.append(measured["wall_seconds"]); ours_peak = max(ours_peak, measured["peak_mb"])
            if peer:
                _, measured = fresh_peak([py, "-c", PEER_END_TO_END, str(path), str(ngrams), str(out)], env=peer_env)
                theirs_t.append(measured["wall_seconds"]); theirs_peak = max(theirs_peak, measured["peak_mb"])
        name = f"Twitter x{times} ({megabytes:.0f} MB JSONL) 1-{ngrams}"
        entry = {"ours_seconds": ours_t, "ours_peak_mb": ours_peak, "megabytes": megabytes,
                 "nonzeros": summary["nonzeros"], "terms": summary["terms"]}
        if peer:
            check = subprocess.run([py, "-c",
                "import json,sys,scipy.sparse as sp\n"
                f"a=sp.load_npz('{out}/ours.npz');b=sp.load_npz('{out}/X.npz')\n"
                f"va=json.load(open('{out}/ours_vocab.json'));vb=json.load(open('{out}/vocab.json'))\n"
                "print(json.dumps({'same_vocabulary': va==vb, 'max_abs_diff': float(abs(a-b).max()) if va==vb else None}))"],
                capture_output=True, text=True, env=peer_env)
            exact = json.loads(check.stdout.strip().split("\n")[-1])
            entry.update({"sklearn_seconds": theirs_t, "sklearn_peak_mb": theirs_peak, "exactness": exact})
            rows.append(("e2e", f"{name}: whole process (s)", median(ours_t), median(theirs_t),
                         median(theirs_t) / median(ours_t)))
            rows.append(("e2e", f"{name}: peak RSS (MB)", ours_peak, theirs_peak, theirs_peak / ours_peak))
            rows.append(("e2e", f"{name}: same vocabulary; max abs difference", exact["same_vocabulary"],
                         exact["max_abs_diff"], ""))
        else:
            # What the output needs in memory: the CSR arrays (float32 values, int32 indices,
            # int64 offsets) and the vocabulary file's bytes; the ratio is peak ÷ that.
            needed = (summary["nonzeros"] * 8 + (summary["documents"] + 1) * 8
                      + (out / "ours_vocab.json").stat().st_size) / 1e6
            entry["output_mb"] = needed
            rows.append(("e2e", f"{name}: whole process (s; no peer)", median(ours_t), None, ""))
            rows.append(("e2e", f"{name}: peak RSS (MB; peer: matrix + vocabulary)", ours_peak, needed,
                         ours_peak / needed))
            # 1.1 GB of input and 1 GB of output: not left behind in the temporary folder.
            path.unlink()
            shutil.rmtree(out)
        results[f"e2e_twitter_x{times}_{ngrams}"] = entry
    # The default fit (autoencoder and classifier) on Twitter ×25, with its peak memory.
    path = scaled_copy(train, 25, work / "twitter-x25.jsonl")
    fit_rows, results["e2e_twitter_x25_default_fit"] = fit_bench.fit_rows(
        st, py, peer_env, "e2e Twitter x25", path, None, work, evaluate=False, tuned_peer=False)
    rows += fit_rows


def split_corpus(st, corpus, work):
    """The corpus's train and test parts as JSONL in `work`: the fixed split of
    ../shared/corpora.md when it is beside this checkout; otherwise (a clone elsewhere) a
    stratified 80/20 split with seed 13, said on stderr."""
    split = SPLITS / f"{corpus}.tsv"
    if split.exists():
        how = ["--split", str(split)]
    else:
        how = ["--test-fraction", "0.2", "--seed", "13"]
        print(f"{corpus}: no fixed split at {split}; using a stratified 80/20 split (seed 13)",
              file=sys.stderr)
    subprocess.run([st, "corpus", "split", "--corpus", corpus, *how,
                    "--train-out", str(work / "train.jsonl"), "--test-out", str(work / "test.jsonl"), "-q"],
                   check=True, capture_output=True)
    return how


def median(values):
    return statistics.median(values) if values else float("nan")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sparsetext", default=str(ROOT / ".build/release/sparsetext"))
    parser.add_argument("--corpora", nargs="+", default=["bbc", "twitter"])
    parser.add_argument("--repeats", type=int, default=5)
    # Epochs per autoencoder run; by default 5 on BBC (short epochs, so the median of the
    # last four is less noisy) and 3 on Twitter. Both sides use the same count.
    parser.add_argument("--sae-epochs", type=int, default=None)
    # The end-to-end rows (Twitter ×25 unigrams, ×5 bigrams); --large adds ours alone on ×250
    # (about 1 GB), `make bench-large`; --only-e2e skips everything else, --only-vectorize
    # everything but the vectorizing rows.
    parser.add_argument("--e2e-repeats", type=int, default=3)
    parser.add_argument("--large", action="store_true")
    parser.add_argument("--only-e2e", action="store_true")
    parser.add_argument("--only-vectorize", action="store_true")
    # Only the memory rows (memory_bench.py): peak RSS of vectorize against output + bound.
    parser.add_argument("--only-memory", action="store_true")
    args = parser.parse_args()
    st = args.sparsetext
    py = sys.executable
    peer_env = dict(os.environ)
    rows, results = [], {}
    train_parts = {}
    # The machine's sgemm rate through the BLAS sparsetext links (square 2048, all threads).
    # The timing commands live in sparsetext-bench, built next to sparsetext.
    bench = str(pathlib.Path(st).with_name("sparsetext-bench"))
    machine, _ = run([bench, "sgemm", "--size", "2048"])
    results["machine_sgemm"] = machine
    for corpus in args.corpora:
        subprocess.run([st, "corpus", "fetch", corpus, "-q"], check=True, capture_output=True)
        path = subprocess.run([st, "corpus", "path", corpus], check=True, capture_output=True,
                              text=True).stdout.strip()
        read = ["--encoding", "utf-8-or-latin-1"] + (["--text-column", "text"] if corpus == "twitter" else [])
        work = pathlib.Path(tempfile.mkdtemp(prefix=f"bench-{corpus}-"))
        if args.only_memory:
            results[f"{corpus}_split"] = split_corpus(st, corpus, work)
            train_parts[corpus] = work / "train.jsonl"
            continue
        if args.only_e2e:
            if corpus == "twitter":
                split_corpus(st, corpus, work)
                end_to_end(st, py, peer_env, work / "train.jsonl", work, rows, results, args.e2e_repeats,
                           args.large)
            continue
        for ngrams in (1, 2):
            ours_t, theirs_t = [], []
            ours_peak = theirs_peak = 0.0
            size = 0
            for _ in range(args.repeats):
                out, peak = fresh_peak([st, "vectorize", path, *read, "--preset", "sklearn",
                                        "--sublinear-tf", "--min-df", "2", "--ngrams", f"1-{ngrams}",
                                        "-o", str(work / "ours_timed.npz"), "--vocabulary-out",
                                        str(work / "ours_timed_vocab.json"), "--json", "-q"])
                ours_t.append(out["seconds"]); size = out["bytes"]; ours_peak = max(ours_peak, peak["peak_mb"])
                out, peak = fresh_peak([py, "-c", PEER_VECTORIZE, corpus, path, str(ngrams),
                                        str(work) if ngrams == 1 else ""], env=peer_env)
                theirs_t.append(out["seconds"]); theirs_peak = max(theirs_peak, peak["peak_mb"])
            ours_mbs = size / 1e6 / median(ours_t)
            theirs_mbs = size / 1e6 / median(theirs_t)
            rows.append((corpus, f"vectorize 1-{ngrams}, read + fit (MB/s)", ours_mbs, theirs_mbs,
                         ours_mbs / theirs_mbs))
            rows.append((corpus, f"vectorize 1-{ngrams} peak RSS (MB)", ours_peak, theirs_peak, theirs_peak / ours_peak))
            results[f"{corpus}_vectorize_{ngrams}"] = {"ours_seconds": ours_t, "sklearn_seconds": theirs_t,
                                                       "bytes": size, "ours_peak_mb": ours_peak,
                                                       "sklearn_peak_mb": theirs_peak}
            if ngrams == 1:
                # Exactness on the whole corpus: vocabulary identical, values within 1e-6.
                subprocess.run([st, "vectorize", path, *read, "--preset", "sklearn", "--sublinear-tf",
                                "--min-df", "2", "-o", str(work / "ours.npz"), "--vocabulary-out",
                                str(work / "ours_vocab.json"), "-q"], check=True, capture_output=True)
                check = subprocess.run([py, "-c",
                    "import json,sys,scipy.sparse as sp\n"
                    f"a=sp.load_npz('{work}/ours.npz');b=sp.load_npz('{work}/X.npz')\n"
                    f"va=json.load(open('{work}/ours_vocab.json'));vb=json.load(open('{work}/vocab.json'))\n"
                    "print(json.dumps({'same_vocabulary': va==vb, 'max_abs_diff': float(abs(a-b).max()) if va==vb else None}))"],
                    capture_output=True, text=True)
                exact = json.loads(check.stdout.strip().split("\n")[-1])
                results[f"{corpus}_exactness"] = exact
                rows.append((corpus, "same vocabulary as sklearn; max abs difference", exact["same_vocabulary"],
                             exact["max_abs_diff"], ""))
                # Hashing on the whole corpus: identical buckets, signs and counts (explicit zeros too).
                subprocess.run([st, "vectorize", path, *read, "--preset", "sklearn", "--hashing", str(2**20),
                                "--norm", "none", "-o", str(work / "hashed.npz"), "-q"],
                               check=True, capture_output=True)
                hashed, _ = run([py, "-c", PEER_HASHING, corpus, path, str(work / "hashed.npz")], env=peer_env)
                results[f"{corpus}_hashing_exactness"] = hashed
                rows.append((corpus, "hashing 2^20 identical to sklearn (peer: explicit zeros)",
                             hashed["identical"], hashed["explicit_zeros"], ""))
        # Split → TF-IDF (sklearn, so both classifiers read identical inputs) → LR.
        results[f"{corpus}_split"] = split_corpus(st, corpus, work)
        train_parts[corpus] = work / "train.jsonl"
        if corpus == "twitter":
            end_to_end(st, py, peer_env, work / "train.jsonl", work, rows, results, args.e2e_repeats, args.large)
        if args.only_vectorize:
            continue
        prep = subprocess.run([py, "-c",
            "import json,sys,scipy.sparse as sp\n"
            "from sklearn.feature_extraction.text import TfidfVectorizer\n"
            f"tr=[json.loads(l) for l in open('{work}/train.jsonl')];te=[json.loads(l) for l in open('{work}/test.jsonl')]\n"
            "v=TfidfVectorizer(sublinear_tf=True,min_df=2);a=v.fit_transform([d['text'] for d in tr]);b=v.transform([d['text'] for d in te])\n"
            f"sp.save_npz('{work}/tr.npz',a.astype('float32'));sp.save_npz('{work}/te.npz',b.astype('float32'))\n"
            f"open('{work}/ytr.txt','w').write(''.join(d['label']+chr(10) for d in tr));open('{work}/yte.txt','w').write(''.join(d['label']+chr(10) for d in te))\n"
            "v10=TfidfVectorizer(sublinear_tf=True,min_df=2,max_features=10000);sp.save_npz(" + f"'{work}/sae.npz'" + ",v10.fit_transform([d['text'] for d in tr]).astype('float32'))"],
            capture_output=True, text=True)
        if prep.returncode != 0:
            print(prep.stderr, file=sys.stderr)
        c = "10" if corpus == "bbc" else "1"
        ours, _ = run([bench, "lr", "--train", str(work / "tr.npz"), "--train-labels", str(work / "ytr.txt"),
                       "--test", str(work / "te.npz"), "--test-labels", str(work / "yte.txt"), "--C", c])
        theirs, _ = run([py, "-c", PEER_LR, str(work / "tr.npz"), str(work / "ytr.txt"),
                         str(work / "te.npz"), str(work / "yte.txt"), c], env=peer_env)
        results[f"{corpus}_lr"] = {"ours": ours, "sklearn": theirs}
        rows.append((corpus, f"LR fit C={c} (s)", ours["seconds"], theirs["seconds"], theirs["seconds"] / ours["seconds"]))
        rows.append((corpus, "LR test accuracy", ours["accuracy"], theirs["accuracy"], ""))
        # The whole default pipeline on the training part, as `sparsetext fit` with no options
        # builds it, against scikit-learn's plain TfidfVectorizer() + LogisticRegression().
        fit_rows, results[f"{corpus}_default_fit"] = fit_bench.fit_rows(
            st, py, peer_env, corpus, work / "train.jsonl", work / "test.jsonl", work)
        rows += fit_rows
        # Sparse autoencoder seconds per epoch, same architecture, batch, optimizer, epochs: the
        # KL recipe with inputs × 10 (sigmoid codes, ρ, β), which sae_torch.py implements.
        sae_epochs = args.sae_epochs or (5 if corpus == "bbc" else 3)
        sae_dir = work / "sae"
        started = time.perf_counter()
        subprocess.run([st, "train-sae", str(work / "sae.npz"), "-o", str(sae_dir), "--epochs",
                        str(sae_epochs), "--topk", "off", "--input-scale", "10", "-q"], check=True, capture_output=True)
        ours_whole = time.perf_counter() - started
        training = json.load(open(sae_dir / "training.json"))
        epochs = [e["seconds"] for e in training["epochs"]]
        ours_epoch = median(epochs[1:] if len(epochs) > 2 else epochs)
        ours_loss = training["epochs"][-1]["loss"]
        dense_rates = [e.get("dense_gigaflops_per_second") or 0 for e in training["epochs"]]
        dense = median(dense_rates[1:] if len(dense_rates) > 2 else dense_rates)
        rows.append((corpus, "SAE dense path GFLOP/s (peer: machine sgemm 2048²)", dense,
                     machine["gflops"], dense / machine["gflops"]))
        # The same with reconstruction sampling and lazy updates: speed, and how close the
        # final model's reconstruction on the training rows comes to the exact run's.
        sampled_dir = work / "sae-sampled"
        subprocess.run([st, "train-sae", str(work / "sae.npz"), "-o", str(sampled_dir), "--epochs",
                        str(sae_epochs), "--topk", "off", "--input-scale", "10", "--sampled-columns", "1000", "-q"],
                       check=True, capture_output=True)
        sampled = json.load(open(sampled_dir / "training.json"))
        sampled_epochs = [e["seconds"] for e in sampled["epochs"]]
        sampled_epoch = median(sampled_epochs[1:] if len(sampled_epochs) > 2 else sampled_epochs)
        exact_error = training["metrics"]["half_squared_error_per_document"]
        sampled_error = sampled["metrics"]["half_squared_error_per_document"]
        results[f"{corpus}_sae_sampled"] = {"epochs": sampled_epochs, "metrics": sampled["metrics"],
                                            "exact_metrics": training["metrics"]}
        try:
            started = time.perf_counter()
            # The peer trains with the batch and step size ours resolved (an automatic batch
            # grows with the corpus: 1,024 on Twitter, where the Gram form runs), so both sides
            # take the same number of steps per epoch.
            resolved = json.load(open(sae_dir / "config.json"))["configuration"]
            sae_batch, sae_lr = resolved["batch_size"], resolved["learning_rate"]
            theirs, _ = run([py, str(ROOT / "Benchmarks/sae_torch.py"), str(work / "sae.npz"),
                             "--epochs", str(sae_epochs), "--batch-size", str(sae_batch),
                             "--lr", str(sae_lr), "--weight-decay", str(resolved["weight_decay"])],
                            env=peer_env)
            theirs_whole = time.perf_counter() - started
            # The whole command against the whole PyTorch script (start-up, reading the .npz,
            # every epoch, and for us the final metrics and writing the model).
            rows.append((corpus, f"SAE whole train-sae, {sae_epochs} epochs (s; PyTorch script)", ours_whole,
                         theirs_whole, theirs_whole / ours_whole))
            rows.append((corpus, f"SAE s/epoch, batch {sae_batch} (PyTorch 2 threads)", ours_epoch, theirs["seconds_per_epoch"],
                         theirs["seconds_per_epoch"] / ours_epoch))
            rows.append((corpus, "SAE final loss", ours_loss, theirs["loss"],
                         ours_loss / theirs["loss"]))
            rows.append((corpus, "SAE s/epoch --sampled-columns 1000 (lazy) vs PyTorch exact",
                         sampled_epoch, theirs["seconds_per_epoch"],
                         theirs["seconds_per_epoch"] / sampled_epoch))
            rows.append((corpus, "SAE ½‖x̂−x‖²/doc, final model: sampled (peer: exact)",
                         sampled_error, exact_error, sampled_error / exact_error))
            results[f"{corpus}_sae"] = {"ours_epochs": epochs, "ours_loss": ours_loss, "torch": theirs,
                                        "ours_whole_seconds": ours_whole, "torch_whole_seconds": theirs_whole}
            if corpus == "bbc":
                # Embedding throughput of a trained bundle: text → TF-IDF → codes, in documents/s.
                bundle = work / "bundle"
                subprocess.run([st, "fit", str(work / "train.jsonl"), "-o", str(bundle), "--min-df", "2",
                                "--sublinear-tf", "--max-features", "10000", "--epochs", "2", "-q"],
                               check=True, capture_output=True)
                rates = []
                for _ in range(3):
                    out, _ = run([st, "encode", str(bundle), str(work / "test.jsonl"), "-o",
                                  str(work / "codes.npy"), "--json", "-q"])
                    rates.append(out["documents_per_second"])
                results["bbc_embeddings_per_second"] = rates
                rows.append((corpus, "embeddings(for:) documents/s (no peer)", median(rates), None, ""))
        except Exception as error:  # noqa: BLE001 - a missing peer should not hide our numbers
            rows.append((corpus, "SAE s/epoch (PyTorch unavailable)", ours_epoch, None, ""))
            results[f"{corpus}_sae"] = {"ours_epochs": epochs, "ours_loss": ours_loss, "torch_error": str(error)[:500]}
    # Peak memory of vectorize on inputs of every shape against its output + the README's bound.
    if not args.only_e2e and {"bbc", "twitter"} <= train_parts.keys():
        memory_rows, results["memory"] = memory_bench.rows(st, train_parts["bbc"], train_parts["twitter"])
        rows += memory_rows
    sgemm, _ = run([py, "-c", PEER_SGEMM], env=peer_env)
    results["numpy_sgemm_gflops"] = sgemm["gflops"]
    if not (args.only_e2e or args.only_vectorize or args.only_memory):
        search_rows, results["search"] = search_bench.rows(bench, py, peer_env)
        rows += search_rows
    # Ratio: > 1 means sparsetext is faster (MB/s, seconds) or smaller (peak RSS); for the memory
    # rows it is output + bound ÷ peak (≥ 1: within the README's bound); for the final
    # loss it is ours ÷ PyTorch's (1 means the two trainings agree); for the dense path it is the
    # fraction of the machine's sgemm rate reached.
    print("| corpus | measurement | sparsetext | peer | ratio |")
    print("|---|---|---:|---:|---:|")
    for corpus, what, ours, theirs, ratio in rows:
        fmt = lambda v: (f"{v:.1e}" if isinstance(v, float) and 0 < abs(v) < 1e-3 else
                         f"{v:.3f}" if isinstance(v, float) else str(v))
        print(f"| {corpus} | {what} | {fmt(ours)} | {fmt(theirs)} | {fmt(ratio)} |")
    print(f"\nmachine sgemm (sparsetext's BLAS, 2048², {machine['threads']} threads, {machine['kernel']}): "
          f"{machine['gflops']:.1f} GFLOP/s; numpy sgemm 64×256×10000: {sgemm['gflops']:.1f} GFLOP/s")
    out = ROOT / "Benchmarks/results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
