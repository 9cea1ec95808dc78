"""Cases that need the organiser pages (dashboard, CSV export); filled in when those land."""
from __future__ import annotations


def generate_extra() -> None:
    """Generate cohorts (none yet)."""


def bench_extra(server, db: str, env: dict, args) -> None:
    """Benchmark the organiser dashboard and the completion CSV (none yet)."""
