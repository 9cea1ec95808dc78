"""Static files under versioned URLs (``/static/css/app.css?v=3f2a9c1d``) with a one-year cache lifetime.

The version is a hash of the file's bytes, computed once per file and process, so a deploy that
changes a file changes its URL and browsers fetch it again; unchanged files stay cached.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask

ONE_YEAR = 365 * 24 * 60 * 60


def init_app(app: Flask) -> None:
    versions: dict[str, str] = {}
    folder = Path(app.static_folder or "")

    def version(filename: str) -> str | None:
        if filename not in versions or app.debug:  # in debug, edits show at once
            path = folder / filename
            if not path.is_file():
                return None
            versions[filename] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        return versions[filename]

    @app.url_defaults
    def add_version(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            found = version(values["filename"])
            if found:
                values["v"] = found

    if app.config.get("SEND_FILE_MAX_AGE_DEFAULT") is None:
        app.config["SEND_FILE_MAX_AGE_DEFAULT"] = ONE_YEAR
