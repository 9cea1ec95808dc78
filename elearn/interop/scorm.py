"""SCORM 1.2 packages: one package per curriculum, one SCO per module (or one module alone).

The package (a zip) holds ``imsmanifest.xml`` at its root (metadata, one organisation in curriculum
order, one resource per SCO listing every file), ``shared/`` (the site's CSS, a few SCO rules and
``sco.js``, the runtime) and ``<module-id>/index.html`` per module: the body rendered by the one
Markdown renderer, its sources and its quiz. The quiz is graded inside the page, so the answer key
travels in the package (a learner who reads the files can find it: not a secure exam).
Links from one module to another become plain text: a SCO must not navigate to another SCO; the
LMS's menu does that. Nothing in the package refers to another site.
"""
from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..content import Catalog, Item
from ..content.importer import render_item, render_questions
from ..content.questions import question_type
from .common import ExportError, curriculum_items, curriculum_label, quiz_of

#: Curricula made of modules; scenes (choose, then hints) and cases (a sheet kept on the server) are not.
SCORM_CURRICULA = ("initial", "followup")
REPORTS = ("passed", "completed")
PACKAGE = Path(__file__).resolve().parents[1]
SHARED = {"shared/app.css": PACKAGE / "static" / "css" / "app.css",
          "shared/sco.css": PACKAGE / "static" / "interop" / "sco.css",
          "shared/sco.js": PACKAGE / "static" / "interop" / "sco.js"}

NS = {"": "http://www.imsproject.org/xsd/imscp_rootv1p1p2",
      "adlcp": "http://www.adlnet.org/xsd/adlcp_rootv1p2",
      "imsmd": "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"}
for _prefix, _uri in NS.items():
    ET.register_namespace(_prefix, _uri)

_MARK = "#elearn-item:"
_REF = re.compile(r'<a href="' + re.escape(_MARK) + r'([a-z0-9\-]+)">(.*?)</a>', re.DOTALL)


def _q(prefix: str, tag: str) -> str:
    return f"{{{NS[prefix]}}}{tag}"


@dataclass(frozen=True)
class Package:
    """A built package: its file name and its bytes."""

    filename: str
    data: bytes


def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(PACKAGE / "templates" / "interop"),
                       autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


def _unlink_items(html: str) -> str:
    """A link to another module becomes its text (the LMS's menu is how one moves between SCOs)."""
    return _REF.sub(r'<span class="module-ref">\2</span>', html)


def _answer_key(stored: list[dict], pass_mark: int, report: str) -> str:
    """The quiz's answers for sco.js, as JSON safe inside a <script> element."""
    key = {"pass_mark": pass_mark, "report": report, "questions": [
        {"id": q["id"], "type": q["type"], "correct": [o["id"] for o in q["options"] if o["correct"]],
         "options": [{"id": o["id"], "text": o["text"], "reason": o["reason"]} for o in q["options"]],
         "explanation_html": _unlink_items(q["explanation_html"]), "source": q["source"]} for q in stored]}
    return json.dumps(key, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def sco_page(catalog: Catalog, item: Item, report: str = "passed") -> str:
    """The HTML of one module's SCO."""
    resolve = lambda slug: _MARK + slug if slug in catalog.items else None  # noqa: E731
    body_html, meta = render_item(item, resolve)
    quiz = quiz_of(catalog, item)
    stored = render_questions(quiz, resolve) if quiz else []
    questions = []
    for q in stored:
        kind = question_type(q["type"])
        questions.append({"id": q["id"], "label": kind.label, "multiple": kind.multiple_answers,
                          "shuffled": kind.shuffled, "prompt_html": _unlink_items(q["prompt_html"]),
                          "options": [{"id": o["id"], "text": o["text"]} for o in q["options"]]})
    return _environment().get_template("sco.html").render(
        item=item, curriculum_label=curriculum_label(item.curriculum), body_html=_unlink_items(body_html),
        sources=meta.get("sources") or [], quiz=quiz, questions=questions,
        answer_key=_answer_key(stored, quiz.pass_mark, report) if quiz else "{}")


def _manifest(identifier: str, title: str, items: list[tuple[Item, int | None]]) -> bytes:
    manifest = ET.Element(_q("", "manifest"), {"identifier": identifier, "version": "1.0"})
    metadata = ET.SubElement(manifest, _q("", "metadata"))
    ET.SubElement(metadata, _q("", "schema")).text = "ADL SCORM"
    ET.SubElement(metadata, _q("", "schemaversion")).text = "1.2"
    general = ET.SubElement(ET.SubElement(metadata, _q("imsmd", "lom")), _q("imsmd", "general"))
    langstring = ET.SubElement(ET.SubElement(general, _q("imsmd", "title")), _q("imsmd", "langstring"),
                               {"xml:lang": "ja"})
    langstring.text = title
    ET.SubElement(general, _q("imsmd", "language")).text = "ja"
    description = ET.SubElement(ET.SubElement(general, _q("imsmd", "description")), _q("imsmd", "langstring"),
                                {"xml:lang": "ja"})
    description.text = "厚生労働省「ひきこもり支援施策について」に基づく研修教材（elearn から書き出し）"
    organizations = ET.SubElement(manifest, _q("", "organizations"), {"default": f"org-{identifier}"})
    organization = ET.SubElement(organizations, _q("", "organization"), {"identifier": f"org-{identifier}"})
    ET.SubElement(organization, _q("", "title")).text = title
    resources = ET.SubElement(manifest, _q("", "resources"))
    for item, pass_mark in items:
        node = ET.SubElement(organization, _q("", "item"), {
            "identifier": f"item-{item.slug}", "identifierref": f"res-{item.slug}", "isvisible": "true"})
        ET.SubElement(node, _q("", "title")).text = item.title
        if pass_mark is not None:
            ET.SubElement(node, _q("adlcp", "masteryscore")).text = str(pass_mark)
        resource = ET.SubElement(resources, _q("", "resource"), {
            "identifier": f"res-{item.slug}", "type": "webcontent", _q("adlcp", "scormtype"): "sco",
            "href": f"{item.slug}/index.html"})
        ET.SubElement(resource, _q("", "file"), {"href": f"{item.slug}/index.html"})
        ET.SubElement(resource, _q("", "dependency"), {"identifierref": "res-shared"})
    shared = ET.SubElement(resources, _q("", "resource"), {
        "identifier": "res-shared", "type": "webcontent", _q("adlcp", "scormtype"): "asset"})
    for name in SHARED:
        ET.SubElement(shared, _q("", "file"), {"href": name})
    ET.indent(manifest)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(manifest, encoding="unicode").encode("utf-8") + b"\n"


def build_package(catalog: Catalog, curriculum: str, module: str | None = None, report: str = "passed") -> Package:
    """The SCORM 1.2 zip of ``curriculum`` (every module, in order) or of one ``module`` of it."""
    if not catalog.ok:
        raise ExportError("教材に問題があります。`elearn content check` で確認してください。")
    if curriculum not in SCORM_CURRICULA:
        raise ExportError(f"SCORM に書き出せるのは {' / '.join(SCORM_CURRICULA)} の課程です"
                          "（支援のヒントの場面と事例は、選択や事例検討シートにサーバーが必要なため対象外です）。")
    if report not in REPORTS:
        raise ExportError(f"report は {' / '.join(REPORTS)} のいずれかにしてください。")
    items = curriculum_items(catalog, curriculum)
    if module:
        items = [item for item in items if item.slug == module]
        if not items:
            raise ExportError(f"課程「{curriculum}」に教材「{module}」がありません。")
    identifier = f"elearn-{module or curriculum}"
    title = items[0].title if module else f"{curriculum_label(curriculum)}（elearn）"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        entries = []
        for item in items:
            quiz = quiz_of(catalog, item)
            entries.append((item, quiz.pass_mark if quiz else None))
        archive.writestr("imsmanifest.xml", _manifest(identifier, title, entries))
        for name, path in SHARED.items():
            archive.writestr(name, path.read_bytes())
        for item in items:
            archive.writestr(f"{item.slug}/index.html", sco_page(catalog, item, report).encode("utf-8"))
    return Package(f"{identifier}-scorm12.zip", buffer.getvalue())
