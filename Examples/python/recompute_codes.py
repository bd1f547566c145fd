#!/usr/bin/env python3
"""Load a SparseText model bundle with numpy/safetensors only, recompute the codes of the TF-IDF
rows that `sparsetext vectorize --model` exported, and compare them with `sparsetext encode`.

    sparsetext fit corpus.txt -o model/
    sparsetext vectorize --model model/ corpus.txt -o x.npz
    sparsetext encode model/ corpus.txt -o codes.npy
    python3 Examples/python/recompute_codes.py model/ x.npz codes.npy
"""
import json
import sys

import numpy as np
import scipy.sparse as sp
from safetensors.numpy import load_file


def main(model, features, codes):
    tensors = load_file(f"{model}/model.safetensors")
    config = json.load(open(f"{model}/config.json"))["configuration"]["autoencoder"]
    x = sp.load_npz(features) * config["input_scale"]
    a = x @ tensors["encoder.weight"].T + tensors["encoder.bias"]
    if config.get("top_k"):
        k = config["top_k"]
        kth = -np.sort(-a, axis=1)[:, k - 1 : k]
        ours = np.where(a >= kth, np.maximum(a, 0), 0)
    elif config["activation"] == "relu":
        ours = np.maximum(a, 0)
    else:
        ours = 1 / (1 + np.exp(-a))
    if "codes.mean" in tensors:
        # The pipeline standardizes codes with the training codes' mean and spread.
        ours = (ours - tensors["codes.mean"]) / tensors["codes.scale"]
    theirs = np.load(codes)
    # Relative to the codes' size: standardized codes reach tens, and float32 rounds there.
    worst = float(np.abs(ours - theirs).max() / max(1.0, np.abs(theirs).max()))
    print(f"{theirs.shape[0]} documents, {theirs.shape[1]} units, largest difference {worst:.2e}")
    return 0 if worst < 1e-5 else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
