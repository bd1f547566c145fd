#!/usr/bin/env python3
"""Regenerates scikit-learn golden values for the classification metrics and the log-loss.

Run from anywhere: python3 Tests/Golden/generate_metrics.py
Writes Tests/Golden/metrics/fixtures.json (a few small cases, under 20 KB).
"""
import json
import pathlib

import numpy as np
import sklearn
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    log_loss,
    precision_recall_fscore_support,
)
from sklearn.utils.multiclass import unique_labels

OUT = pathlib.Path(__file__).resolve().parent / "metrics"


def case(name, truth, predicted, probabilities=None, classes=None):
    labels = sorted(unique_labels(truth, predicted))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=labels, average=None, zero_division=0
    )
    entry = {
        "name": name,
        "truth": list(truth),
        "predicted": list(predicted),
        "labels": labels,
        "accuracy": accuracy_score(truth, predicted),
        "precision": precision.tolist(),
        "recall": recall.tolist(),
        "f1": f1.tolist(),
        "support": support.tolist(),
        "macro_f1": f1_score(truth, predicted, average="macro", zero_division=0),
        "micro_f1": f1_score(truth, predicted, average="micro", zero_division=0),
        "weighted_f1": f1_score(truth, predicted, average="weighted", zero_division=0),
        "confusion": confusion_matrix(truth, predicted, labels=labels).tolist(),
        "classes": classes,
        "probabilities": None,
        "log_loss": None,
    }
    if probabilities is not None:
        # float32, as the library's probabilities are: scikit-learn clips to that type's eps.
        p = np.asarray(probabilities, dtype=np.float32)
        entry["probabilities"] = p.astype(np.float64).tolist()
        entry["log_loss"] = log_loss(truth, p, labels=classes)
    return entry


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    cases = []
    # Balanced binary, every prediction right or wrong at random.
    truth = rng.choice(["neg", "pos"], size=40)
    predicted = np.where(rng.random(40) < 0.8, truth, np.where(truth == "neg", "pos", "neg"))
    p_pos = np.clip(rng.beta(2, 2, size=40) * 0.5 + (predicted == "pos") * 0.5, 0, 1)
    cases.append(case("binary", truth, predicted, np.stack([1 - p_pos, p_pos], 1), ["neg", "pos"]))
    # Three unbalanced classes, Dirichlet probabilities whose argmax is the prediction.
    truth = rng.choice(["a", "b", "c"], size=60, p=[0.6, 0.3, 0.1])
    probabilities = rng.dirichlet([1, 1, 1], size=60)
    predicted = np.array(["a", "b", "c"])[probabilities.argmax(1)]
    cases.append(case("three_classes", truth, predicted, probabilities, ["a", "b", "c"]))
    # Probabilities of exactly 0 and 1 on the true class: the clipping decides the loss.
    truth = np.array(["x", "y", "x", "y", "x"])
    probabilities = np.array([[1, 0], [1, 0], [0.5, 0.5], [0, 1], [0, 1]])
    predicted = np.array(["x", "x", "x", "y", "y"])
    cases.append(case("certain_and_wrong", truth, predicted, probabilities, ["x", "y"]))
    # A label only predicted, one never predicted: precision and recall of 0, no division error.
    truth = np.array(["a", "a", "b", "b", "b", "c"])
    predicted = np.array(["a", "d", "b", "a", "b", "a"])
    cases.append(case("unseen_labels", truth, predicted))
    # A perfect score, and a single class.
    cases.append(case("perfect", np.array(["s", "t", "s"]), np.array(["s", "t", "s"])))
    cases.append(case("one_class", np.array(["s", "s"]), np.array(["s", "s"])))
    payload = {"sklearn": sklearn.__version__, "cases": cases}
    (OUT / "fixtures.json").write_text(json.dumps(payload) + "\n")
    print(f"wrote {len(cases)} cases to {OUT / 'fixtures.json'}")


if __name__ == "__main__":
    main()
