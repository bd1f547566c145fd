#!/usr/bin/env python3
"""Regenerates golden values for NBSVM with logistic regression (Wang & Manning 2012).

Run from the repository root: python3 Tests/Golden/generate_nbsvm.py
Writes Tests/Golden/nbsvm/fixtures.json (small: 18 documents, their binary term counts from
scikit-learn's CountVectorizer(binary=True), the log-count ratios, and each case's decision
values, probabilities and predictions).

The ratios follow the paper: r = log((p/|p|_1) / (q/|q|_1)), p = alpha + sum of the binarized
rows of the model's class, q = alpha + the same over the other rows, alpha = 1. Two classes make
one model (the second class, sorted, against the first); more classes one model per class
against the rest, each a scikit-learn LogisticRegression on x * r (plus an optional dense block),
with probabilities normalized over the classes as OneVsRestClassifier.predict_proba does.
"""
import json
import pathlib

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression

OUT = pathlib.Path(__file__).resolve().parent / "nbsvm"

DOCUMENTS = [
    ("good great film", "pos"), ("great acting good plot", "pos"), ("good fun good film", "pos"),
    ("a great story", "pos"), ("fun and great", "pos"), ("good plot", "pos"),
    ("bad film", "neg"), ("awful plot bad acting", "neg"), ("bad bad story", "neg"),
    ("boring and awful", "neg"), ("a boring film", "neg"), ("awful acting", "neg"),
    ("the match ended", "sport"), ("a great match", "sport"), ("the team won the match", "sport"),
    ("team played a boring match", "sport"), ("the team lost", "sport"), ("match report", "sport"),
]


def ratios(xb, y, positive, alpha=1.0):
    p = alpha + np.asarray(xb[y == positive].sum(0)).ravel()
    q = alpha + np.asarray(xb[y != positive].sum(0)).ravel()
    return np.log((p / p.sum()) / (q / q.sum()))


def case(name, xb, y, dense, c):
    classes = sorted(set(y))
    positives = [classes[1]] if len(classes) == 2 else classes
    rs, decisions = [], []
    for positive in positives:
        r = ratios(xb, y, positive)
        f = xb @ sp.diags(r)
        if dense is not None:
            f = sp.hstack([f, sp.csr_matrix(dense)]).tocsr()
        model = LogisticRegression(C=c, tol=1e-10, max_iter=10000)
        model.fit(f, (y == positive).astype(int))
        rs.append(r.tolist())
        decisions.append(model.decision_function(f))
    d = np.stack(decisions, 1)
    if len(classes) == 2:
        p1 = 1 / (1 + np.exp(-d[:, 0]))
        probabilities = np.stack([1 - p1, p1], 1)
        predictions = np.array(classes)[(d[:, 0] > 0).astype(int)]
    else:
        s = 1 / (1 + np.exp(-d))
        probabilities = s / s.sum(1, keepdims=True)
        predictions = np.array(classes)[d.argmax(1)]
    return {
        "name": name, "labels": y.tolist(), "C": c, "classes": classes, "ratios": rs,
        "dense": dense.tolist() if dense is not None else None,
        "decision": d.tolist(), "probabilities": probabilities.tolist(),
        "predictions": predictions.tolist(),
    }


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    texts = [t for t, _ in DOCUMENTS]
    labels = np.array([l for _, l in DOCUMENTS])
    vectorizer = CountVectorizer(binary=True)
    xb = vectorizer.fit_transform(texts).astype(np.float64)
    two = labels != "sport"
    rng = np.random.default_rng(23)
    dense = rng.normal(size=(len(texts), 2)).round(3)
    cases = [
        case("binary_C1", xb[two], labels[two], None, 1.0),
        case("binary_C10_dense", xb[two], labels[two], dense[two], 10.0),
        case("three_C1", xb, labels, None, 1.0),
        case("three_C0.5_dense", xb, labels, dense, 0.5),
    ]
    payload = {
        "sklearn": sklearn.__version__,
        "terms": vectorizer.get_feature_names_out().tolist(),
        "x": xb.toarray().astype(int).tolist(),
        "two_class_rows": np.flatnonzero(two).tolist(),
        "cases": cases,
    }
    (OUT / "fixtures.json").write_text(json.dumps(payload) + "\n")
    print(f"wrote {len(cases)} cases to {OUT / 'fixtures.json'}")


if __name__ == "__main__":
    main()
