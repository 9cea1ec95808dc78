"""List figures in content files that do not occur in the source document.

Usage: python tools/figcheck.py [FILE ...]   (default: all content files)

A "figure" is a run of digits with optional separators and a unit (%, 万人, 人, 年, 件, か所 …).
Each one found in a content file is looked up in the source text; those not found are printed as
`path:line: figure` for a human to check. Small counting numbers (1–12 without a unit) are ignored.
"""
from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT.parent / "shared" / "seed" / "000_e5f99e1aa5b0be4f.txt"
FIGURE = re.compile(r"\d[\d,.]*(?:%|万人|万|人|年度|年|か月|カ月|ヶ月|か所|箇所|件|歳|円|億円|倍|割|回|日|月)?")


def normalise(text: str) -> str:
    """NFKC-normalise so full-width digits and percent signs compare equal."""
    return unicodedata.normalize("NFKC", text)


def figures(line: str):
    for match in FIGURE.finditer(normalise(line)):
        fig = match.group(0).rstrip(".,")
        if re.fullmatch(r"\d{1,2}", fig) and int(fig) <= 12:
            continue
        yield fig


def main(argv: list[str]) -> int:
    source = normalise(SOURCE.read_text(encoding="utf-8"))
    source_compact = source.replace(",", "")
    paths = [Path(a) for a in argv] or sorted(
        p for d in ("courses", "case_studies", "quizzes") for p in (ROOT / d).rglob("*") if p.is_file()
    )
    missing = 0
    for path in paths:
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.match(r"\s*(id|order|minutes|pass_mark|module):", line):
                continue
            for fig in figures(line):
                if fig in source or fig.replace(",", "") in source_compact:
                    continue
                bare = re.match(r"[\d,.]+", fig).group(0).rstrip(".,")
                if len(bare.replace(",", "")) >= 3 and re.search(rf"(?<![\d,.]){re.escape(bare)}(?![\d,])", source):
                    continue  # the number is in a source table whose unit sits in the header
                missing += 1
                print(f"{path}:{lineno}: {fig}")
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
