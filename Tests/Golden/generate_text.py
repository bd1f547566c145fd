#!/usr/bin/env python3
"""Regenerates the scikit-learn golden values for the tokenizer and vectorizer tests.

Run from the repository root: python3 Tests/Golden/generate_text.py
Writes Tests/Golden/text/*.json. Deterministic: same scikit-learn, same files.
"""
import json
import pathlib

import numpy as np
import sklearn
from sklearn.feature_extraction.text import (
    CountVectorizer,
    HashingVectorizer,
    TfidfVectorizer,
)

OUT = pathlib.Path(__file__).resolve().parent / "text"

DOCUMENTS = [
    "The quick brown fox jumps over the lazy dog.",
    "The dog barks; the fox runs away! Dogs and foxes: 2 species, 10 legs.",
    "Café naïve résumé — crème brûlée at the café, déjà vu.",
    "ΟΔΥΣΣΕΥΣ and Σίσυφος: ΣΟΦΟΣ ΛΟΓΟΣ, όσος.",
    "İstanbul'da ılık bir gün; DIŞ İŞLERİ.",
    "Straße, STRASSE und Fuß; Maße statt Masse.",
    "مرحبا بالعالم، هذا نص عربي قصير.",
    "東京は日本の首都です。北京是中国的首都。",
    "I love this 😀😀 so much ❤️ 👩‍👩‍👧 #blessed @friend",
    "snake_case and CamelCase_mix, under_score __init__ x1 y22 3.14",
    "Ｆｕｌｌ-width ＡＢＣ letters and ½ fractions ² superscripts ﬁ ligatures",
    "e\u0301cole decomposed accents, and na\u0308ive",
    "the the the and and of of a",
    "",
    "Tabs\tand\nnew lines\r\nand  double  spaces   here",
    "The fox and the dog are friends; the dog and the fox play.",
]

CASES = {
    "tfidf_defaults": (TfidfVectorizer, {}),
    "tfidf_bigrams_pruned": (
        TfidfVectorizer,
        dict(ngram_range=(1, 2), min_df=2, max_df=0.9, sublinear_tf=True, max_features=5000),
    ),
    "tfidf_char_wb_2_4": (TfidfVectorizer, dict(analyzer="char_wb", ngram_range=(2, 4))),
    "tfidf_char_1_3": (TfidfVectorizer, dict(analyzer="char", ngram_range=(1, 3))),
    "tfidf_strip_ascii": (TfidfVectorizer, dict(strip_accents="ascii")),
    "tfidf_strip_unicode_l1": (TfidfVectorizer, dict(strip_accents="unicode", norm="l1")),
    "tfidf_stop_english_noidf": (
        TfidfVectorizer,
        dict(stop_words="english", use_idf=False, smooth_idf=False, norm=None),
    ),
    "tfidf_nosmooth_maxfeatures": (
        TfidfVectorizer,
        # The cut at 10 falls between corpus frequencies 2 and 1: numpy's unstable argsort
        # breaks ties at the cut in no documented order, so the fixture avoids one.
        dict(smooth_idf=False, max_features=10, ngram_range=(1, 2)),
    ),
    "count_binary": (CountVectorizer, dict(binary=True)),
    # Binary counts are ranked by document frequency: "and" (8 documents, 11 times) beats
    # "the" (5 documents, 12 times).
    "count_binary_maxfeatures": (CountVectorizer, dict(binary=True, max_features=1)),
    "count_uppercase": (CountVectorizer, dict(lowercase=False)),
    # A fixed vocabulary: its order, a term the corpus lacks, no pruning, idf fitted.
    "tfidf_fixed_vocabulary": (
        TfidfVectorizer,
        dict(vocabulary=["the", "fox", "zebra", "dog", "and", "café"], sublinear_tf=True),
    ),
    # Custom token patterns (Python re syntax): Python's \\w, \\b and a capturing group.
    "tfidf_token_pattern_words": (TfidfVectorizer, dict(token_pattern=r"(?u)\b\w+\b")),
    "count_token_pattern_group": (CountVectorizer, dict(token_pattern=r"(\w+)[.,;:!]")),
    "count_token_pattern_uppercase": (
        CountVectorizer,
        dict(token_pattern=r"[A-ZÀ-Ý][^\s\d]+", lowercase=False),
    ),
    "count_fixed_vocabulary_binary": (
        CountVectorizer,
        dict(vocabulary=["the", "zebra", "and", "dog"], binary=True),
    ),
    # dtype=np.float64 (TfidfVectorizer's default, written out): idf_ is float64 and the
    # sublinear tf, the idf weights and the l1 norm are computed in float64. `vectorize --dtype
    # float64` computes them in Double and must agree to ~1e-12 (float32 features agree to ~1e-7).
    "tfidf_float64_sublinear_l1": (
        TfidfVectorizer,
        dict(dtype=np.float64, ngram_range=(1, 2), min_df=2, sublinear_tf=True, norm="l1"),
    ),
    "tfidf_float64_nosmooth_l2": (
        TfidfVectorizer,
        dict(dtype=np.float64, smooth_idf=False, sublinear_tf=True),
    ),
}

HASHING = {
    "hashing_1024_signed_nonorm": dict(n_features=2**10, alternate_sign=True, norm=None),
    "hashing_1m_unsigned_nonorm": dict(n_features=2**20, alternate_sign=False, norm=None),
    "hashing_1024_l2": dict(n_features=2**10),
    # Eight buckets: signed counts cancel to explicit zeros, which scikit-learn keeps; binary
    # then sets every stored value, zero or negative, to 1.
    "hashing_8_signed_nonorm": dict(n_features=8, norm=None),
    "hashing_8_binary_l2": dict(n_features=8, binary=True),
    # The norm computed in float64 (HashingVectorizer's default dtype, written out).
    "hashing_1024_l1_float64": dict(n_features=2**10, norm="l1", dtype=np.float64),
}


def plain(value):
    """JSON-friendly parameters: tuples as lists, None as the string "none", a dtype by name."""
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, type):
        return np.dtype(value).name
    return "none" if value is None else value


def csr_payload(x):
    x = x.tocsr()
    x.sort_indices()
    return {
        "shape": list(x.shape),
        "indptr": x.indptr.tolist(),
        "indices": x.indices.tolist(),
        "data": [float(v) for v in x.data],
    }


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    meta = {"sklearn": sklearn.__version__, "documents": DOCUMENTS}
    (OUT / "documents.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n")
    for name, (cls, params) in CASES.items():
        vectorizer = cls(**params)
        x = vectorizer.fit_transform(DOCUMENTS)
        vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
        payload = {
            "class": cls.__name__,
            "params": {k: plain(v) for k, v in params.items()},
            "vocabulary": vocabulary,
            "analyzed": [vectorizer.build_analyzer()(d) for d in DOCUMENTS],
            "matrix": csr_payload(x),
        }
        if hasattr(vectorizer, "idf_"):
            payload["idf"] = [float(v) for v in vectorizer.idf_]
        (OUT / f"{name}.json").write_text(json.dumps(payload, ensure_ascii=False) + "\n")
    for name, params in HASHING.items():
        x = HashingVectorizer(**params).fit_transform(DOCUMENTS)
        payload = {"class": "HashingVectorizer", "params": {k: plain(v) for k, v in params.items()}, "matrix": csr_payload(x)}
        (OUT / f"{name}.json").write_text(json.dumps(payload) + "\n")
    print(f"wrote {len(CASES) + len(HASHING) + 1} files to {OUT}")


if __name__ == "__main__":
    np.random.seed(0)
    main()
