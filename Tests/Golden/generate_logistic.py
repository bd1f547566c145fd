#!/usr/bin/env python3
"""Regenerates scikit-learn golden values for LogisticRegression(solver="lbfgs").

Run from the repository root: python3 Tests/Golden/generate_logistic.py
Writes Tests/Golden/logistic/*.json (small: 80 rows, 6 features).
"""
import json
import pathlib

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.linear_model import LogisticRegression

OUT = pathlib.Path(__file__).resolve().parent / "logistic"


def objective(model, x, y, sample_weight, c):
    """scikit-learn's objective: summed weighted log-loss + ½‖W‖²/C (intercept unpenalized)."""
    p = model.predict_proba(x)
    index = np.searchsorted(model.classes_, y)
    loss = -np.log(np.clip(p[np.arange(len(y)), index], 1e-300, None))
    weights = np.ones(len(y)) if sample_weight is None else sample_weight
    if model.class_weight == "balanced":
        # scikit-learn >= 1.6 weighs the class counts by the sample weights.
        counts = np.bincount(index, weights=weights)
        weights = weights * (weights.sum() / (len(model.classes_) * counts))[index]
    return float((weights * loss).sum() + 0.5 * (model.coef_ ** 2).sum() / c)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(13)
    n, d = 80, 6
    x = rng.normal(size=(n, d)).astype(np.float32)
    x[rng.random(size=(n, d)) < 0.5] = 0  # half zeros, so the sparse path is exercised
    true_w = rng.normal(size=(3, d))
    scores = x @ true_w.T + rng.normal(scale=0.8, size=(n, 3))
    multi = np.array(["cat", "dog", "emu"])[scores.argmax(axis=1)]
    binary = np.where(scores[:, 0] > scores[:, 1], "neg", "pos")
    # Unbalanced binary labels, to make class weights matter.
    binary[rng.random(n) < 0.3] = "neg"
    sample_weight = rng.uniform(0.5, 2.0, size=n)
    cases = []
    for labels, task in ((multi, "multinomial"), (binary, "binary")):
        for class_weight in (None, "balanced"):
            for c in (0.5, 10.0):
                for use_weights in (False, True):
                    sw = sample_weight if use_weights else None
                    model = LogisticRegression(
                        C=c, class_weight=class_weight, tol=1e-10, max_iter=10000
                    )
                    model.fit(x, labels, sample_weight=sw)
                    cases.append(
                        {
                            "name": f"{task}_C{c}_{class_weight or 'none'}_{'sw' if use_weights else 'nosw'}",
                            "labels": labels.tolist(),
                            "C": c,
                            "class_weight": class_weight or "none",
                            "sample_weight": sw.tolist() if sw is not None else None,
                            "classes": model.classes_.tolist(),
                            "coef": model.coef_.tolist(),
                            "intercept": model.intercept_.tolist(),
                            "objective": objective(model, x, labels, sw, c),
                            "probabilities": model.predict_proba(x).tolist(),
                            "predictions": model.predict(x).tolist(),
                        }
                    )
    payload = {"sklearn": sklearn.__version__, "x": x.tolist(), "cases": cases}
    (OUT / "fixtures.json").write_text(json.dumps(payload) + "\n")
    print(f"wrote {len(cases)} cases to {OUT / 'fixtures.json'}")


if __name__ == "__main__":
    main()
