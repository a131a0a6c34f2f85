#!/usr/bin/env python3
"""Main text, title and date of real web pages side by side: Dossier vs. trafilatura.

Both read the same pages, each on one thread in a process of its own:
- trafilatura's evaluation pages (../shared/data/trafilatura-eval-dev, gold in
  ../shared/gold/trafilatura-eval-dev.json): body snippets that must and must not be in
  the text (precision, recall, F1 as `dossier eval` counts them), title (without letter case) and date exact;
- Mozilla Readability's test pages (../shared/data/readability-pages): word-level
  precision, recall and F1 of the text against the expected main content.
Prints pages/s and peak memory for each.

Usage: python3 bench/peers/extract.py   (from the repository root; it builds the release
bench binary and installs trafilatura into bench/peers/.venv from PyPI)
"""

import collections
import gzip
import html.parser
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
import venv

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
VENV = os.path.join(ROOT, "bench", "peers", ".venv")
SHARED = os.path.join(ROOT, "..", "shared")
TRAFILATURA_PAGES = os.path.join(SHARED, "data", "trafilatura-eval-dev")
TRAFILATURA_GOLD = os.path.join(SHARED, "gold", "trafilatura-eval-dev.json")
READABILITY_PAGES = os.path.join(SHARED, "data", "readability-pages")
QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
                        "\u00b4": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"',
                        "\u2033": '"', "\u00ab": '"', "\u00bb": '"', "\u2026": "..."})
WORD = re.compile(r"[^\W_]+")
LAYOUT_MARKS = dict.fromkeys(map(ord, "\u00ad\u200b\u2060\ufeff"))


def ensure_peers():
    python = os.path.join(VENV, "bin", "python")
    if not os.path.exists(os.path.join(VENV, ".trafilatura-2")):
        if not os.path.exists(python):
            venv.create(VENV, with_pip=True)
        subprocess.run([python, "-m", "pip", "install", "-q", "trafilatura", "lxml_html_clean"], check=True)
        open(os.path.join(VENV, ".trafilatura-2"), "w").close()
    if sys.executable != python:
        os.execv(python, [python] + sys.argv)


def fold(text):
    """As Dossier's eval folds text for matching: NFKC, one kind of quote, one space, no
    invisible layout marks (soft hyphens, zero-width spaces)."""
    return " ".join(unicodedata.normalize("NFKC", text or "").translate(QUOTES).translate(LAYOUT_MARKS).split())


def pages_of(folder):
    """(name, path) of each page: the gzipped pages of a folder, or each readability case's source."""
    names = sorted(os.listdir(folder))
    cases = [n for n in names if os.path.exists(os.path.join(folder, n, "source.html.gz"))]
    if cases:
        return [(case, os.path.join(folder, case, "source.html.gz")) for case in cases]
    return [(name, os.path.join(folder, name)) for name in names if name.endswith(".gz")]


def trafilatura_worker(folder, output):
    import trafilatura
    pages = pages_of(folder)
    started = time.perf_counter()
    with open(output, "w", encoding="utf-8") as out:
        for name, path in pages:
            with gzip.open(path, "rb") as f:
                raw = f.read()
            found = trafilatura.bare_extraction(raw, include_comments=False, with_metadata=True)
            record = {"file": name, "text": None, "title": None, "published": None}
            if found is not None:
                record.update(text=found.text, title=found.title, published=found.date)
            out.write(json.dumps(record) + "\n")
    seconds = time.perf_counter() - started
    print(json.dumps({"pages": len(pages), "seconds": seconds}))


def run_measured(command):
    """Runs a worker; returns its stdout and its peak memory in bytes."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    stdout = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        sys.exit(f"{command[0]} failed with status {status}")
    return stdout, usage.ru_maxrss * 1024


def dossier_run(folder, output):
    # Readability's cases keep each page as CASE/source.html.gz: link them under their case names.
    staged = tempfile.mkdtemp(prefix="dossier-pages-")
    for name, path in pages_of(folder):
        target = name if name.endswith(".gz") else f"{name}.html.gz"
        os.symlink(os.path.abspath(path), os.path.join(staged, target))
    binary = os.path.join(ROOT, "target", "release", "dossier-bench")
    stdout, peak = run_measured([binary, "--stage", "extract", "--input", staged, "--output", output])
    match = re.search(r"(\d+) pages, .* in ([\d.]+) s", stdout)
    records = {}
    for line in open(output, encoding="utf-8"):
        record = json.loads(line)
        # Keys as pages_of names them: readability's cases without the suffix given above.
        records[record["file"]] = record
        records[record["file"].removesuffix(".html.gz")] = record
    return records, int(match.group(1)) / float(match.group(2)), peak


def trafilatura_run(folder, output):
    stdout, peak = run_measured([sys.executable, __file__, "--worker", folder, output])
    timing = json.loads(stdout.strip().splitlines()[-1])
    records = {}
    for line in open(output, encoding="utf-8"):
        record = json.loads(line)
        records[record["file"]] = record
    return records, timing["pages"] / timing["seconds"], peak


def score_gold(records):
    gold = json.load(open(TRAFILATURA_GOLD, encoding="utf-8"))["documents"]
    tp = fp = fn = 0
    titles = [0, 0]
    dates = collections.Counter()
    for name, doc in gold.items():
        record = records.get(name, {})
        body = fold(record.get("text"))
        for wanted in doc.get("text_present", []):
            if fold(wanted) in body:
                tp += 1
            else:
                fn += 1
        fp += sum(1 for unwanted in doc.get("text_absent", []) if fold(unwanted) in body)
        if doc.get("title"):
            titles[1] += 1
            # Without letter case, as `dossier eval` compares titles (CSS capitals).
            titles[0] += fold(record.get("title")).casefold() == fold(doc["title"]).casefold()
        if doc.get("published"):
            predicted = record.get("published")
            dates["right" if predicted == doc["published"] else "missing" if not predicted else "wrong"] += 1
    precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
    f1 = 2 * precision * recall / max(1e-9, precision + recall)
    dated = sum(dates.values())
    return {"P": precision, "R": recall, "F1": f1, "title": titles[0] / max(1, titles[1]),
            "date": dates["right"] / max(1, dated), "wrong": dates["wrong"], "missing": dates["missing"]}


class TextOf(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts = []

    def handle_data(self, data):
        self.parts.append(data)


def words(text):
    return collections.Counter(w.lower() for w in WORD.findall(fold(text)))


def score_readability(records):
    tp = predicted_total = expected_total = 0
    for case, _ in pages_of(READABILITY_PAGES):
        with gzip.open(os.path.join(READABILITY_PAGES, case, "expected.html.gz"), "rt", encoding="utf-8") as f:
            parser = TextOf()
            parser.feed(f.read())
        expected = words(" ".join(parser.parts))
        predicted = words(records.get(case, {}).get("text") or "")
        tp += sum((expected & predicted).values())
        predicted_total += sum(predicted.values())
        expected_total += sum(expected.values())
    precision, recall = tp / max(1, predicted_total), tp / max(1, expected_total)
    return {"P": precision, "R": recall, "F1": 2 * precision * recall / max(1e-9, precision + recall)}


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        trafilatura_worker(sys.argv[2], sys.argv[3])
        return
    ensure_peers()
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "dossier-bench"], cwd=ROOT, check=True)
    scratch = tempfile.mkdtemp(prefix="extract-peers-")
    print(f"{'':<13} {'set':<22} {'body P':>7} {'R':>6} {'F1':>6} {'title':>6} {'date':>6} "
          f"{'wrong':>6} {'miss':>5} {'pages/s':>8} {'peak MiB':>9}")
    for tool, run in (("Dossier", dossier_run), ("trafilatura", trafilatura_run)):
        for label, folder, score in (("trafilatura-eval-dev", TRAFILATURA_PAGES, score_gold),
                                     ("readability-pages", READABILITY_PAGES, score_readability)):
            records, rate, peak = run(folder, os.path.join(scratch, f"{tool}-{label}.jsonl"))
            s = score(records)
            row = f"{tool:<13} {label:<22} {s['P']:>7.3f} {s['R']:>6.3f} {s['F1']:>6.3f}"
            if "title" in s:
                row += f" {s['title']:>6.3f} {s['date']:>6.3f} {s['wrong']:>6} {s['missing']:>5}"
            else:
                row += f" {'':>6} {'':>6} {'':>6} {'':>5}"
            print(f"{row} {rate:>8.0f} {peak / 2**20:>9.0f}")


if __name__ == "__main__":
    main()
