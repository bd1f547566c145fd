#!/usr/bin/env python3
"""Sweep of sparse-autoencoder recipes over TF-IDF features (research script).

For each corpus and recipe: train an SAE on the training TF-IDF rows, then report
  fvu      test FVU in the original TF-IDF scale (denominator uses training column means)
  l0       mean active units per test doc (sigmoid: > 0.1, ReLU/TopK: > 0); dead units on train
  lr_raw / lr_std   codes + LogisticRegression (C by 3-fold CV) on raw / standardized codes
  few_*    1% stratified labels (seed 13), LR on standardized codes at CV-chosen C and at C=1
  concat_* [TF-IDF, w * standardized codes] + LR at the TF-IDF baseline's C
  seconds  SAE training wall time

The PyTorch reference for the recipes compared in the README ("Choosing the recipe").

Usage: SPARSETEXT_DATA=DIR recipe_sweep.py CORPUS [--recipes A,B_b1,...] [--sae-train-max N] [--epochs E] --out FILE
"""
import argparse
import json
import math
import os
import time

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.preprocessing import StandardScaler, normalize

# <corpus>-train/-test files as Benchmarks/recipes.py reads them (never held-out data).
DATA = os.environ.get("SPARSETEXT_DATA", "data")
C_GRID = [0.1, 1, 10, 100]
SEED = 13


# ----------------------------------------------------------------------------- data
def load(corpus):
    def read(part):
        if corpus in ("bbc", "twitter"):
            rows = [json.loads(l) for l in open(f"{DATA}/{corpus}-{part}.jsonl")]
            return [r["text"] for r in rows], [r["label"] for r in rows]
        texts, labels = [], []
        for line in open(f"{DATA}/{corpus}-{part}.txt"):
            lab, _, txt = line.rstrip("\n").partition(" ")
            texts.append(txt)
            labels.append(lab)
        return texts, labels
    return read("train"), read("test")


def features(train_texts, test_texts, ngram=(1, 1)):
    vec = TfidfVectorizer(sublinear_tf=True, min_df=2, max_features=10000, ngram_range=ngram)
    xtr = normalize(vec.fit_transform(train_texts).astype(np.float32)).astype(np.float32)
    xte = normalize(vec.transform(test_texts).astype(np.float32)).astype(np.float32)
    return xtr.tocsr(), xte.tocsr()


# ----------------------------------------------------------------------------- recipes
BASE = dict(act="sigmoid", hidden=256, lr=1e-3, batch=64, scale="10", beta=3.0, rho=0.05,
            wd=1e-4, pre_bias=False, unit_dec=False, tied_init=False, k=None, aux_k=0,
            aux_coef=1 / 32, noise=0.0)

RECIPES = {
    "A": dict(),
    **{f"B_b{b:g}": dict(scale="sqrtV", beta=b) for b in (0.3, 1.0, 3.0)},
    **{f"C_b{b:g}": dict(scale="sqrtV", beta=b, pre_bias=True, unit_dec=True, tied_init=True)
       for b in (0.3, 1.0, 3.0)},
}
TOPK = dict(act="topk", scale="sqrtV", wd=0.0, pre_bias=True, unit_dec=True, tied_init=True, k=32)
RECIPES.update({
    "D_k32": dict(TOPK),
    "D_k32_aux": dict(TOPK, aux_k=256),
    "D_k16_aux": dict(TOPK, k=16, aux_k=256),
    "D_k64_aux": dict(TOPK, k=64, aux_k=256),
    "D_k32_aux_h512": dict(TOPK, hidden=512, aux_k=512),
    "D_k32_aux_h1024": dict(TOPK, hidden=1024, aux_k=512),
    # E: BatchTopK (Bussmann et al. 2024): top k*B activations over the batch; at inference
    # a fixed threshold (EMA of the smallest kept activation) replaces the TopK.
    "E_batchtopk_k32_aux": dict(TOPK, act="batchtopk", aux_k=256),
    # E: denoising TopK: each input term dropped (set to 0) with probability 0.2 while training.
    "E_denoise0.2_k32_aux": dict(TOPK, aux_k=256, noise=0.2),
})


class SAE(torch.nn.Module):
    def __init__(self, d, cfg, x_mean):
        super().__init__()
        h = cfg["hidden"]
        self.cfg = cfg
        self.W_enc = torch.nn.Parameter(torch.empty(h, d))
        self.b_enc = torch.nn.Parameter(torch.zeros(h))
        self.W_dec = torch.nn.Parameter(torch.empty(d, h))
        self.b_dec = torch.nn.Parameter(torch.zeros(d))
        with torch.no_grad():
            if cfg["tied_init"]:
                self.W_dec.normal_()
                self.W_dec /= self.W_dec.norm(dim=0, keepdim=True)
                self.W_enc.copy_(self.W_dec.t())
            else:
                r = math.sqrt(6.0 / (d + h + 1))
                self.W_enc.uniform_(-r, r)
                self.W_dec.uniform_(-r, r)
            if cfg["pre_bias"]:
                self.b_dec.copy_(x_mean)  # start at the (scaled) training mean
        self.register_buffer("theta", torch.tensor(0.0))  # BatchTopK inference threshold

    def pre(self, x):
        if self.cfg["pre_bias"]:
            x = x - self.b_dec
        return x @ self.W_enc.t() + self.b_enc

    def encode(self, x, training=False):
        p = self.pre(x)
        act, k = self.cfg["act"], self.cfg["k"]
        if act == "sigmoid":
            return torch.sigmoid(p), p
        if act == "topk":
            v, i = torch.topk(p, k, dim=1)
            return torch.zeros_like(p).scatter_(1, i, torch.relu(v)), p
        if act == "batchtopk":
            r = torch.relu(p)
            if training:
                flat = r.flatten()
                v, i = torch.topk(flat, k * p.shape[0])
                z = torch.zeros_like(flat).scatter_(0, i, v).view_as(p)
                pos = v[v > 0]
                if len(pos):
                    with torch.no_grad():
                        self.theta.mul_(0.99).add_(0.01 * pos.min())
                return z, p
            return r * (r > self.theta), p
        raise ValueError(act)

    def decode(self, z):
        return z @ self.W_dec.t() + self.b_dec


def input_scale(cfg, xtr):
    if cfg["scale"] == "10":
        return 10.0
    # mean squared row norm == number of terms (sqrt(n_terms) for L2-normalized rows)
    msq = float(xtr.multiply(xtr).sum(axis=1).mean())
    return math.sqrt(xtr.shape[1] / msq)


def train_sae(cfg, xtr, epochs, seed=SEED):
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    s = input_scale(cfg, xtr)
    x = (xtr * s).tocsr().astype(np.float32)
    n, d = x.shape
    model = SAE(d, cfg, torch.from_numpy(np.asarray(x.mean(axis=0)).ravel().astype(np.float32)))
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    h = cfg["hidden"]
    since_fired = torch.zeros(h)  # documents since each latent last fired (for AuxK)
    dead_after = min(n, 10000)
    t0 = time.perf_counter()
    for _ in range(epochs):
        order = rng.permutation(n)
        for b in range(0, n, cfg["batch"]):
            xb = torch.from_numpy(x[order[b:b + cfg["batch"]]].toarray())
            xin = xb
            if cfg["noise"] > 0:
                xin = xb * (torch.rand_like(xb) >= cfg["noise"])
            z, p = model.encode(xin, training=True)
            xhat = model.decode(z)
            loss = 0.5 * ((xhat - xb) ** 2).sum(dim=1).mean()
            if cfg["act"] == "sigmoid":
                q = z.mean(dim=0).clamp(1e-6, 1 - 1e-6)
                rho = cfg["rho"]
                loss = loss + cfg["beta"] * (rho * torch.log(rho / q)
                                             + (1 - rho) * torch.log((1 - rho) / (1 - q))).sum()
            if cfg["wd"] > 0:
                wd = (model.W_enc ** 2).sum()
                if not cfg["unit_dec"]:
                    wd = wd + (model.W_dec ** 2).sum()
                loss = loss + 0.5 * cfg["wd"] * wd
            if cfg["aux_k"] > 0:
                fired = (z > 0).any(dim=0)
                since_fired += xb.shape[0]
                since_fired[fired] = 0
                dead = since_fired >= dead_after
                nd = int(dead.sum())
                if nd > 0:
                    ka = min(cfg["aux_k"], nd)
                    pd = p.masked_fill(~dead, -float("inf"))
                    v, i = torch.topk(pd, ka, dim=1)
                    za = torch.zeros_like(p).scatter_(1, i, torch.relu(v))
                    e = (xb - xhat).detach()
                    ehat = za @ model.W_dec.t()
                    loss = loss + cfg["aux_coef"] * 0.5 * ((ehat - e) ** 2).sum(dim=1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            if cfg["unit_dec"]:
                with torch.no_grad():
                    model.W_dec /= model.W_dec.norm(dim=0, keepdim=True).clamp_min(1e-8)
    return model, s, time.perf_counter() - t0


@torch.no_grad()
def run_sae(model, s, x, bs=1024):
    """Codes and summed squared reconstruction error in the original scale."""
    codes, sse = [], 0.0
    for b in range(0, x.shape[0], bs):
        xb = torch.from_numpy(x[b:b + bs].toarray())
        z, _ = model.encode(xb * s)
        xhat = model.decode(z) / s
        sse += float(((xhat - xb) ** 2).sum())
        codes.append(z.numpy())
    return np.vstack(codes), sse


# ----------------------------------------------------------------------------- evaluation
def cv_lr(xtr, ytr):
    g = GridSearchCV(LogisticRegression(max_iter=1000), {"C": C_GRID},
                     cv=StratifiedKFold(3, shuffle=True, random_state=0), n_jobs=1)
    g.fit(xtr, ytr)
    return g.best_estimator_, g.best_params_["C"]


def few_idx(ytr):
    idx, _ = train_test_split(np.arange(len(ytr)), train_size=0.01, stratify=ytr,
                              random_state=SEED)
    return idx


def acc(model, x, y):
    return 100.0 * float((model.predict(x) == y).mean())


def baselines(xtr, ytr, xte, yte):
    m, c = cv_lr(xtr, ytr)
    idx = few_idx(ytr)
    few = LogisticRegression(max_iter=1000, C=10).fit(xtr[idx], ytr[idx])
    return dict(tfidf_lr=acc(m, xte, yte), tfidf_C=c, tfidf_few=acc(few, xte, yte))


def evaluate(cfg, name, xsae, xtr, ytr, xte, yte, base, epochs):
    """xsae: the rows the SAE is trained on (all of xtr, or a subsample for large corpora)."""
    model, s, secs = train_sae(cfg, xsae, epochs)
    ctr, _ = run_sae(model, s, xtr)
    cte, sse = run_sae(model, s, xte)
    mu = np.asarray(xtr.mean(axis=0)).ravel()
    xd = xte.toarray()
    fvu = sse / float(((xd - mu) ** 2).sum())
    thr = 0.1 if cfg["act"] == "sigmoid" else 0.0
    out = dict(recipe=name, cfg=cfg, epochs=epochs, scale=s, seconds=secs, fvu=fvu,
               l0=float((cte > thr).sum(axis=1).mean()),
               dead=int((~(ctr > thr).any(axis=0)).sum()))
    if cfg["act"] == "sigmoid":
        out["l0_gt0.5"] = float((cte > 0.5).sum(axis=1).mean())
        out["mean_code"] = float(cte.mean())
    m_raw, c_raw = cv_lr(ctr, ytr)
    sc = StandardScaler().fit(ctr)
    str_, ste = sc.transform(ctr), sc.transform(cte)
    m_std, c_std = cv_lr(str_, ytr)
    out.update(lr_raw=acc(m_raw, cte, yte), C_raw=c_raw, lr_std=acc(m_std, ste, yte), C_std=c_std)
    idx = few_idx(ytr)
    out["few_std_Ccv"] = acc(LogisticRegression(max_iter=1000, C=c_std).fit(str_[idx], ytr[idx]),
                             ste, yte)
    out["few_std_C1"] = acc(LogisticRegression(max_iter=1000, C=1).fit(str_[idx], ytr[idx]),
                            ste, yte)
    for w in (1.0, 0.1):
        a = sp.hstack([xtr, sp.csr_matrix(str_ * w)]).tocsr()
        b = sp.hstack([xte, sp.csr_matrix(ste * w)]).tocsr()
        m = LogisticRegression(max_iter=1000, C=base["tfidf_C"]).fit(a, ytr)
        out[f"concat_w{w}"] = acc(m, b, yte)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--recipes", default=",".join(RECIPES))
    ap.add_argument("--epochs", type=int, default=25)
    ap.add_argument("--sae-train-max", type=int, default=0, help="subsample SAE training docs")
    ap.add_argument("--ngram", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--reuse-baseline", help="take the TF-IDF baselines from an earlier output")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    (ttr, ytr), (tte, yte) = load(a.corpus)
    ytr, yte = np.array(ytr), np.array(yte)
    xtr, xte = features(ttr, tte, (1, a.ngram))
    if a.reuse_baseline:  # first JSON line of an earlier log, or an earlier --out file
        base = json.loads(open(a.reuse_baseline).readline())["baseline"]
    else:
        base = baselines(xtr, ytr, xte, yte)
    res = dict(corpus=a.corpus, ngram=a.ngram, n_terms=xtr.shape[1], baseline=base, runs=[])
    print(json.dumps(res), flush=True)
    xsae = xtr
    if a.sae_train_max and xtr.shape[0] > a.sae_train_max:
        pick = np.random.default_rng(SEED).choice(xtr.shape[0], a.sae_train_max, replace=False)
        xsae = xtr[np.sort(pick)]
        res["sae_train_docs"] = a.sae_train_max
    for name in a.recipes.split(","):
        cfg = dict(BASE, **RECIPES[name])
        r = evaluate(cfg, name, xsae, xtr, ytr, xte, yte, base, a.epochs)
        res["runs"].append(r)
        print(json.dumps({k: v for k, v in r.items() if k != "cfg"}), flush=True)
        json.dump(res, open(a.out, "w"), indent=1)


if __name__ == "__main__":
    main()
