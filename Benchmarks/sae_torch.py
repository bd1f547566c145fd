#!/usr/bin/env python3
"""The same KL sparse autoencoder in PyTorch (CPU, float32), for `make bench`.

Prints one JSON object: seconds per epoch (median, first epoch excluded when there are more
than two) and the final epoch's mean loss terms.
"""
import argparse
import json
import math
import time

import numpy as np
import scipy.sparse as sp
import torch


def main():
    p = argparse.ArgumentParser()
    p.add_argument("npz")
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--sparsity", type=float, default=0.05)
    p.add_argument("--beta", type=float, default=3.0)
    p.add_argument("--weight-decay", type=float, default=1e-4)
    p.add_argument("--input-scale", type=float, default=10.0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=13)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    x = sp.load_npz(a.npz).tocsr().astype(np.float32) * a.input_scale
    n, d = x.shape
    r = math.sqrt(6.0 / (d + a.hidden + 1))
    enc = torch.nn.Linear(d, a.hidden)
    dec = torch.nn.Linear(a.hidden, d)
    with torch.no_grad():
        for layer in (enc, dec):
            layer.weight.uniform_(-r, r)
            layer.bias.zero_()
    opt = torch.optim.Adam(list(enc.parameters()) + list(dec.parameters()), lr=a.lr)
    rho = a.sparsity
    rng = np.random.default_rng(a.seed)
    times, last = [], None
    for epoch in range(a.epochs):
        order = rng.permutation(n)
        sums = np.zeros(4)
        batches = 0
        start = time.perf_counter()
        for b in range(0, n, a.batch_size):
            xb = torch.from_numpy(x[order[b : b + a.batch_size]].toarray())
            h = torch.sigmoid(enc(xb))
            xhat = dec(h)
            rec = 0.5 * ((xhat - xb) ** 2).sum(dim=1).mean()
            q = h.mean(dim=0).clamp(1e-6, 1 - 1e-6)
            kl = a.beta * (rho * torch.log(rho / q) + (1 - rho) * torch.log((1 - rho) / (1 - q))).sum()
            wd = 0.5 * a.weight_decay * ((enc.weight ** 2).sum() + (dec.weight ** 2).sum())
            loss = rec + kl + wd
            opt.zero_grad()
            loss.backward()
            opt.step()
            sums += [loss.item(), rec.item(), kl.item(), wd.item()]
            batches += 1
        times.append(time.perf_counter() - start)
        last = sums / batches
    measured = times[1:] if len(times) > 2 else times
    print(json.dumps({
        "seconds_per_epoch": float(np.median(measured)), "epochs": a.epochs,
        "loss": last[0], "reconstruction": last[1], "sparsity": last[2], "weight_decay": last[3],
        "threads": torch.get_num_threads(), "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
