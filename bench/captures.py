#!/usr/bin/env python3
"""Text captures of real pages: how well Dossier reads a page saved as text, not as HTML.

People paste, print and clip whole pages: menus, teasers, cookie notices and footers come
along with the article. This makes such captures of the 487 trafilatura evaluation pages
(../shared/data/trafilatura-eval-dev), each in three shapes made by tools other than
Dossier's own reader:
- `md`: the whole page converted to markdown by html2text (links kept, images dropped),
  as a web clipper without a reader view saves it;
- `scraped`: the whole page's visible text as inscriptis lays it out (one block a line),
  as a copy of a page or a scraper's dump;
- `print`: the same text hard-wrapped at 90 columns, as a printout turned to text.
Each shape is analysed into a store of its own (the three shapes of a page are copies of one
another, which would lend each other metadata) and scored with `dossier eval` against the
pages' gold (body snippets that must and must not be kept, title, publication date): the
metadata is found in the text alone, so dates the page kept only in its markup are missed.

Usage: python3 bench/captures.py [--keep DIR] [--fit]
  --keep DIR  write the captures and their gold files under DIR (else a temporary folder)
  --fit       also fit the cleaner's headline weights (HEADLINE_WEIGHTS in
              crates/dossier-core/src/reading/clean.rs) on the captures' known titles: a
              softmax ranking over each capture's candidates, fitted on either half of the
              pages and scored on the other, then on all; prints the weights to paste.
Run from the repository root; it builds the release binaries and installs html2text,
inscriptis and numpy into bench/peers/.venv from PyPI.
"""

import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import venv
import zlib

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "bench", "peers"))
from extract import TRAFILATURA_GOLD, TRAFILATURA_PAGES, VENV, fold  # noqa: E402

SHAPES = ("md", "scraped", "print")
PRINT_WIDTH = 90


def ensure_tools():
    python = os.path.join(VENV, "bin", "python")
    if not os.path.exists(os.path.join(VENV, ".captures-1")):
        if not os.path.exists(python):
            venv.create(VENV, with_pip=True)
        subprocess.run([python, "-m", "pip", "install", "-q", "html2text", "inscriptis", "numpy"], check=True)
        open(os.path.join(VENV, ".captures-1"), "w").close()
    if sys.executable != python:
        os.execv(python, [python] + sys.argv)


def page_text(path):
    raw = gzip.open(path).read()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def shapes_of(html):
    import html2text
    from inscriptis import get_text
    markdown = html2text.HTML2Text()
    markdown.body_width = 0
    markdown.ignore_images = True
    markdown.unicode_snob = True  # keep letters as written ("Nähe", not "Nahe")
    scraped = get_text(html)
    printed = "\n".join("\n".join(textwrap.wrap(line, PRINT_WIDTH)) if line.strip() else "" for line in scraped.split("\n"))
    return {"md": markdown.handle(html), "scraped": scraped, "print": printed}


def make_captures(folder):
    """Writes FOLDER/SHAPE/PAGE.SHAPE.txt and FOLDER/SHAPE.json (gold) for every page."""
    gold = json.load(open(TRAFILATURA_GOLD, encoding="utf-8"))["documents"]
    documents = {shape: {} for shape in SHAPES}
    for shape in SHAPES:
        os.makedirs(os.path.join(folder, shape), exist_ok=True)
    for name, doc in sorted(gold.items()):
        stem = name.removesuffix(".html.gz")
        for shape, text in shapes_of(page_text(os.path.join(TRAFILATURA_PAGES, name))).items():
            file = f"{stem}.{shape}.txt"
            with open(os.path.join(folder, shape, file), "w", encoding="utf-8") as out:
                out.write(text)
            documents[shape][file] = {k: v for k, v in doc.items() if k in ("title", "published", "text_present", "text_absent")}
    for shape in SHAPES:
        with open(os.path.join(folder, f"{shape}.json"), "w", encoding="utf-8") as out:
            json.dump({"about": f"the trafilatura evaluation pages' gold, for their {shape} captures",
                       "documents": documents[shape]}, out, ensure_ascii=False)
    return len(gold)


ROW = re.compile(r"│ (text|title|published)\s*┆\s*([\d.]+)\s*┆\s*([\d.]+)\s*┆\s*([\d.]+)\s*┆\s*(\d+) / (\d+)\s*┆\s*(\d+)\s*┆\s*(\d+)\s*┆\s*(\d+)")


def evaluate(folder):
    binary = os.path.join(ROOT, "target", "release", "dossier")
    rows = {}
    for shape in SHAPES:
        store = os.path.join(folder, f"{shape}.db")
        for leftover in (store, store + "-wal", store + "-shm"):
            if os.path.exists(leftover):
                os.remove(leftover)
        subprocess.run([binary, "--db", store, "analyze", os.path.join(folder, shape)], check=True, capture_output=True)
        report = subprocess.run([binary, "--db", store, "eval", "--gold", os.path.join(folder, f"{shape}.json")],
                                check=True, capture_output=True, text=True).stdout
        rows[shape] = {m.group(1): m.groups()[1:] for m in ROW.finditer(report)}
    # Dates: a wrong one is a false positive, a missing one a false negative that is not one.
    print(f"{'shape':<8} {'body P':>7} {'R':>6} {'F1':>6}   {'title':>6}   {'date':>6} {'wrong':>6} {'missing':>8}")
    for shape in SHAPES:
        text, title, date = rows[shape]["text"], rows[shape]["title"], rows[shape]["published"]
        title_share = int(title[3]) / int(title[4])
        date_share = int(date[3]) / int(date[4])
        wrong, missing = int(date[6]), int(date[7]) - int(date[6])
        print(f"{shape:<8} {text[0]:>7} {text[1]:>6} {text[2]:>6}   {title_share:>6.3f}   {date_share:>6.3f} {wrong:>6} {missing:>8}")


def fit_headlines(folder):
    import numpy as np
    example = os.path.join(ROOT, "target", "release", "examples", "headline_candidates")
    captures = []
    for shape in SHAPES:
        gold = json.load(open(os.path.join(folder, f"{shape}.json"), encoding="utf-8"))["documents"]
        files = sorted(os.path.join(folder, shape, f) for f in gold)
        listed = subprocess.run([example, *files], check=True, capture_output=True, text=True).stdout
        for line in listed.splitlines():
            found = json.loads(line)
            title = gold[found["file"]].get("title")
            if title and found["candidates"]:
                evidence = np.array([c["evidence"] for c in found["candidates"]], dtype=float)
                right = np.array([fold(c["text"]).casefold() == fold(title).casefold() for c in found["candidates"]])
                page = found["file"].removesuffix(f".{shape}.txt")
                captures.append((page, evidence, right))

    def fit(chosen, l2=0.01, steps=3000, rate=0.1):
        usable = [(x, y) for _, x, y in chosen if y.any()]
        weights = np.zeros(usable[0][0].shape[1])
        for _ in range(steps):
            gradient = l2 * weights
            for x, y in usable:
                scores = x @ weights
                p = np.exp(scores - scores.max())
                gradient += (x.T @ (p / p.sum()) - x[y].mean(axis=0)) / len(usable)
            weights -= rate * gradient
        return weights

    def found_share(weights, chosen):
        return sum(bool(y[np.argmax(x @ weights)]) for _, x, y in chosen) / len(chosen)

    halves = [[c for c in captures if zlib.crc32(c[0].encode()) % 2 == half] for half in (0, 1)]
    print(f"{len(captures)} whole-page captures with a known title; the title is among the candidates in "
          f"{sum(c[2].any() for c in captures)}")
    for half in (0, 1):
        weights = fit(halves[half])
        print(f"fitted on half {half}: headline found in {found_share(weights, halves[half]):.3f} of it, "
              f"{found_share(weights, halves[1 - half]):.3f} of the other half")
    weights = fit(captures)
    print(f"fitted on all: {found_share(weights, captures):.3f}")
    print("HEADLINE_WEIGHTS = [" + ", ".join(f"{w:.2f}" for w in weights) + "]")


def main():
    ensure_tools()
    args = sys.argv[1:]
    folder = args[args.index("--keep") + 1] if "--keep" in args else tempfile.mkdtemp(prefix="dossier-captures-")
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "dossier-cli"], cwd=ROOT, check=True)
    pages = make_captures(folder)
    print(f"{pages} pages, {len(SHAPES)} capture shapes each, in {folder}")
    evaluate(folder)
    if "--fit" in args:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "dossier-core", "--example", "headline_candidates"],
                       cwd=ROOT, check=True)
        fit_headlines(folder)


if __name__ == "__main__":
    main()
