"""The privacy guard on the texts that cost it most, in process: no server, no database.

    python bench/guard.py

Each shape is 5,000 characters (the longest post) of what made the guard quadratic (long runs that a
pattern starts on from every position) or costly (thousands of findings to mark), and the long runs of
one kind of character a post can hold. The row gives the median of 7 runs of find_identifiers +
mark_identifiers for each shape, slowest first. bench/run.py prints the same row before the server cases.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

LENGTH = 5_000
RUNS = 7
TARGET_MS = 20


def _repeat(unit: str) -> str:
    return (unit * (LENGTH // len(unit) + 1))[:LENGTH]


SHAPES = {
    "digits": _repeat("1"),
    "letters": _repeat("a"),
    "kanji numerals": _repeat("一"),
    "町 + digits": "町" + "1" * (LENGTH - 1),
    "1丁目 + digits": "1丁目" + "1" * (LENGTH - 3),
    "1丁目 × 1,667": _repeat("1丁目"),
    "kanji": _repeat("漢"),
    "katakana": _repeat("カ"),
    "spaces": _repeat(" "),
    "さん（ × 1,667": _repeat("さん（"),
    "山田␣ × 1,667": _repeat("山田 "),
    "a post without line breaks": _repeat("40代の男性で、山田さんと20歳のころから自宅にいる方の件です。"),
}


def guard_ms(text: str) -> float:
    """Median milliseconds of the guard on ``text``, finding and marking."""
    from elearn.board.privacy import find_identifiers, mark_identifiers

    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        mark_identifiers(text, find_identifiers(text))
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def bench_guard() -> None:
    """Add the privacy guard's row to the table."""
    from bench.run import add

    timings = sorted(((guard_ms(text), name) for name, text in SHAPES.items()), reverse=True)
    add(f"privacy guard, {LENGTH:,} characters ({len(SHAPES)} shapes)", "—",
        "; ".join(f"{name} {ms:.1f} ms" for ms, name in timings), f"< {TARGET_MS} ms each",
        timings[0][0] < TARGET_MS)


def main() -> int:
    from bench import run

    bench_guard()
    run.print_table(setup="in process, no server")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
