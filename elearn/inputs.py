"""Every request's input, bounded and cleaned before any view sees it.

- A form may send at most ``MAX_FORM_FIELDS`` fields, urlencoded or multipart (Werkzeug counts only
  multipart parts); past it the request gets 413.
- Control characters (C0 except tab, LF and CR, and DEL) are removed from the query string and from
  form fields (names and text values) and uploaded files' names. Nobody means to type them, and
  PostgreSQL refuses NUL in text. Uploaded files' contents are untouched: a roster is decoded and
  cleaned by :mod:`elearn.organiser.roster`.
"""
from __future__ import annotations

import io
import re

from flask import Request, current_app
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser
from werkzeug.utils import cached_property

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
URLENCODED = "application/x-www-form-urlencoded"


def strip_control_characters(text: str) -> str:
    """``text`` without control characters other than tab, LF and CR."""
    return CONTROL_CHARACTERS.sub("", text)


def _cleaned(cls: type[MultiDict], data: MultiDict) -> MultiDict:
    return cls((strip_control_characters(key), strip_control_characters(value))
               for key, value in data.items(multi=True))


class CleanFormDataParser(FormDataParser):
    """Refuses too many urlencoded fields as the multipart parser refuses too many parts; cleans the text."""

    def parse(self, stream, mimetype, content_length, options=None):
        if mimetype == URLENCODED and self.max_form_parts is not None:
            body = stream.read()
            if body.count(b"&") >= self.max_form_parts:  # n fields, n - 1 separators
                raise RequestEntityTooLarge()
            stream = io.BytesIO(body)
        stream, form, files = super().parse(stream, mimetype, content_length, options)
        for _, upload in files.items(multi=True):
            upload.filename = upload.filename and strip_control_characters(upload.filename)
        return stream, _cleaned(self.cls, form), files


class CleanRequest(Request):
    """The app's request class (see the module docstring)."""

    form_data_parser_class = CleanFormDataParser

    @property
    def max_form_parts(self) -> int | None:
        """``MAX_FORM_FIELDS`` bounds both encodings (Flask's ``MAX_FORM_PARTS`` only multipart)."""
        return current_app.config["MAX_FORM_FIELDS"]

    @cached_property
    def args(self) -> MultiDict[str, str]:
        return _cleaned(self.parameter_storage_class, super().args)
