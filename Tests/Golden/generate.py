#!/usr/bin/env python3
"""Regenerates every scikit-learn golden file under Tests/Golden/ (needs scikit-learn).

Run from anywhere: python3 Tests/Golden/generate.py
"""
import pathlib
import runpy

HERE = pathlib.Path(__file__).resolve().parent

for script in ("generate_text.py", "generate_logistic.py", "generate_metrics.py"):
    runpy.run_path(str(HERE / script), run_name="__main__")
