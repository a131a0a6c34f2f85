#!/usr/bin/env python3
"""Near-duplicate detection side by side: Dossier vs. datasketch (MinHashLSH) and rensa.

Builds one corpus from real articles (PolNeAR, ../shared/data/polnear) with planted
edited copies (boilerplate added, a paragraph dropped, words changed, quotes
re-typed) and, as negatives, retellings with 40% of their words replaced. All three
systems get the same records, the same shingling (3-word shingles over lower-cased
alphanumeric words), 64 permutations, 16 bands of 4 rows and threshold 0.5.
Prints time, the ratio to Dossier, and precision/recall against the planted pairs.

Usage: python3 bench/peers/dedup.py [--retellings N]   (from the repository root;
it builds the release binary and installs the peers into bench/peers/.venv)
"""

import argparse
import itertools
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import venv

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
VENV = os.path.join(ROOT, "bench", "peers", ".venv")
PERMUTATIONS, BANDS, ROWS, THRESHOLD = 64, 16, 4, 0.5
WORD = re.compile(r"[^\W_]+")


def ensure_peers():
    python = os.path.join(VENV, "bin", "python")
    if not os.path.exists(python):
        venv.create(VENV, with_pip=True)
        subprocess.run([python, "-m", "pip", "install", "-q", "datasketch", "rensa"], check=True)
    if sys.executable != python:
        os.execv(python, [python] + sys.argv)


def shingles(text):
    words = [w.lower() for w in WORD.findall(text)]
    return {" ".join(words[i:i + 3]) for i in range(max(1, len(words) - 2))}


def load_originals():
    originals = []
    for split in ("train", "dev"):
        folder = os.path.join(ROOT, "..", "shared", "data", "polnear", split)
        for name in sorted(os.listdir(folder)):
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                paragraphs = [p.strip() for p in f.read().split("\n") if p.strip()]
            if len(paragraphs) >= 5:
                originals.append(paragraphs)
    return originals


def build_corpus(originals, retellings, seed=7):
    rng = random.Random(seed)
    vocabulary = [w for paragraphs in originals for p in paragraphs for w in p.split()]
    records, groups = [], []
    for n, paragraphs in enumerate(originals):
        copies = {
            "original": paragraphs,
            "boilerplate": paragraphs + ["Share this article with your friends and tell us what you think below."],
            "dropped": paragraphs[:-1],
            "reworded": [p.replace(" the ", " a ", 2) for p in paragraphs],
            "requoted": [p.replace('"', "\u201c").replace("'", "\u2019") for p in paragraphs],
        }
        group = []
        for kind, body in copies.items():
            records.append({"id": f"{n}-{kind}", "text": "\n\n".join(body)})
            group.append(f"{n}-{kind}")
        groups.append(group)
    for k in range(retellings):
        for n, paragraphs in enumerate(originals):
            body = [" ".join(w if rng.random() >= 0.4 else rng.choice(vocabulary) for w in p.split()) for p in paragraphs]
            records.append({"id": f"{n}-retold-{k}", "text": "\n\n".join(body)})
    gold = {frozenset(pair) for group in groups for pair in itertools.combinations(group, 2)}
    return records, gold


def score(pairs, gold):
    found = {frozenset(p) for p in pairs}
    true = len(found & gold)
    return (true / len(found) if found else 1.0), (true / len(gold) if gold else 1.0)


def run_dossier(records):
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "dossier-bench"], cwd=ROOT, check=True)
    with tempfile.TemporaryDirectory() as tmp:
        corpus, out = os.path.join(tmp, "corpus.jsonl"), os.path.join(tmp, "pairs.jsonl")
        with open(corpus, "w", encoding="utf-8") as f:
            for r in records:
                f.write(json.dumps(r) + "\n")
        result = subprocess.run([os.path.join(ROOT, "target", "release", "dossier-bench"), "--stage", "lsh",
                                 "--input", corpus, "--output", out], check=True, capture_output=True, text=True)
        summary = json.loads(result.stdout.strip().splitlines()[-1])
        with open(out, encoding="utf-8") as f:
            pairs = [(p["a"], p["b"]) for p in map(json.loads, f)]
    return summary["seconds"], pairs


def run_datasketch(records):
    from datasketch import MinHash, MinHashLSH
    started = time.perf_counter()
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=PERMUTATIONS, params=(BANDS, ROWS))
    hashes, pairs = {}, []
    for r in records:
        m = MinHash(num_perm=PERMUTATIONS)
        m.update_batch([s.encode() for s in shingles(r["text"])])
        for other in lsh.query(m):
            if m.jaccard(hashes[other]) >= THRESHOLD:
                pairs.append((other, r["id"]))
        lsh.insert(r["id"], m)
        hashes[r["id"]] = m
    return time.perf_counter() - started, pairs


def run_rensa(records):
    from rensa import RMinHash, RMinHashLSH
    started = time.perf_counter()
    lsh = RMinHashLSH(threshold=THRESHOLD, num_perm=PERMUTATIONS, num_bands=BANDS)
    hashes, pairs = {}, []
    for index, r in enumerate(records):
        m = RMinHash(num_perm=PERMUTATIONS, seed=42)
        m.update(list(shingles(r["text"])))
        for other in lsh.query(m):
            if m.jaccard(hashes[other]) >= THRESHOLD:
                pairs.append((records[other]["id"], r["id"]))
        lsh.insert(index, m)
        hashes[index] = m
    return time.perf_counter() - started, pairs


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--retellings", type=int, default=4, help="negative retellings per original")
    args = parser.parse_args()
    ensure_peers()
    records, gold = build_corpus(load_originals(), args.retellings)
    print(f"corpus: {len(records)} documents, {len(gold)} planted duplicate pairs")
    results = [("dossier", *run_dossier(records)), ("datasketch", *run_datasketch(records)), ("rensa", *run_rensa(records))]
    base = results[0][1]
    print(f"{'system':<12}{'seconds':>10}{'docs/s':>10}{'× dossier':>11}{'precision':>11}{'recall':>9}")
    for name, seconds, pairs in results:
        precision, recall = score(pairs, gold)
        print(f"{name:<12}{seconds:>10.2f}{len(records) / seconds:>10.0f}{seconds / base:>11.1f}{precision:>11.3f}{recall:>9.3f}")


if __name__ == "__main__":
    main()
