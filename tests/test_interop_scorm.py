"""SCORM 1.2 packages: the manifest is well-formed, lists every file and only files in the zip, has
unique identifiers and the curriculum's order; pages are UTF-8, self-contained and CSP-clean."""
from __future__ import annotations

import io
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from elearn.content import load_catalog
from elearn.content.markdown import render_markdown
from elearn.interop.common import ExportError
from elearn.interop.scorm import build_package

ROOT = Path(__file__).resolve().parents[1]
CATALOG = load_catalog(ROOT)
NS = {"cp": "http://www.imsproject.org/xsd/imscp_rootv1p1p2", "adlcp": "http://www.adlnet.org/xsd/adlcp_rootv1p2",
      "imsmd": "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"}
SCORMTYPE = f"{{{NS['adlcp']}}}scormtype"


def modules(curriculum: str):
    return sorted((i for i in CATALOG.items.values() if i.curriculum == curriculum), key=lambda i: i.position)


def unpack(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


class _Page(HTMLParser):
    """Collects what a CSP-minded reviewer looks for in a page."""

    def __init__(self):
        super().__init__()
        self.urls, self.inline_scripts, self.inline_handlers, self.styles, self.charset = [], 0, [], 0, None
        self._script_type = None

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.inline_handlers.append(name)
            if name == "style":
                self.styles += 1
            if name in ("href", "src") and value:
                self.urls.append(value)
        if tag == "meta" and "charset" in values:
            self.charset = values["charset"]
        if tag == "script":
            self._script_type = values.get("type", "text/javascript") if "src" not in values else None

    def handle_data(self, data):
        if self._script_type and self._script_type != "application/json" and data.strip():
            self.inline_scripts += 1

    def handle_endtag(self, tag):
        if tag == "script":
            self._script_type = None


@pytest.mark.parametrize("curriculum", ["initial", "followup"])
def test_manifest_lists_exactly_the_files_with_unique_identifiers(curriculum):
    """Well-formed UTF-8 manifest at the root; SCORM 1.2 metadata; one organisation in curriculum order
    with one SCO per module and its mastery score; every referenced file is in the zip and every file
    of the zip is referenced; identifiers are unique; dependencies resolve."""
    files = unpack(build_package(CATALOG, curriculum).data)
    raw = files["imsmanifest.xml"]
    assert raw.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    manifest = ET.fromstring(raw)
    assert manifest.tag == f"{{{NS['cp']}}}manifest"
    assert manifest.findtext("cp:metadata/cp:schema", namespaces=NS) == "ADL SCORM"
    assert manifest.findtext("cp:metadata/cp:schemaversion", namespaces=NS) == "1.2"
    identifiers = [e.get("identifier") for e in manifest.iter() if e.get("identifier")]
    assert len(identifiers) == len(set(identifiers))
    organizations = manifest.find("cp:organizations", NS)
    [organization] = organizations.findall("cp:organization", NS)
    assert organizations.get("default") == organization.get("identifier")
    resources = {r.get("identifier"): r for r in manifest.iterfind("cp:resources/cp:resource", NS)}
    items = organization.findall("cp:item", NS)
    expected = modules(curriculum)
    assert [i.findtext("cp:title", namespaces=NS) for i in items] == [m.title for m in expected]
    referenced = set()
    for item, module in zip(items, expected):
        resource = resources[item.get("identifierref")]
        assert resource.get(SCORMTYPE) == "sco" and resource.get("type") == "webcontent"
        assert resource.get("href") == f"{module.slug}/index.html"
        quiz = next(q for q in CATALOG.quizzes.values() if q.module == module.slug)
        assert item.findtext("adlcp:masteryscore", namespaces=NS) == str(quiz.pass_mark)
    for resource in resources.values():
        for dependency in resource.findall("cp:dependency", NS):
            assert dependency.get("identifierref") in resources
        hrefs = [f.get("href") for f in resource.findall("cp:file", NS)]
        if resource.get("href"):
            assert resource.get("href") in hrefs
        referenced.update(hrefs)
    assert referenced == set(files) - {"imsmanifest.xml"}
    assert all(resource.get(SCORMTYPE) in ("sco", "asset") for resource in resources.values())


def test_pages_are_utf8_self_contained_and_csp_clean():
    """Every SCO page declares UTF-8 and Japanese, loads only files of the package (relative URLs that
    exist), has no inline script, event handler or style; no file refers to another site."""
    files = unpack(build_package(CATALOG, "initial").data)
    for name, data in files.items():
        text = data.decode("utf-8")
        if name == "imsmanifest.xml":
            text = re.sub(r'xmlns(:\w+)?="[^"]+"', "", text)
        assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", text), name
        if not name.endswith(".html"):
            continue
        page = _Page()
        page.feed(text)
        assert page.charset == "utf-8" and '<html lang="ja">' in text
        assert page.inline_scripts == 0 and page.inline_handlers == [] and page.styles == 0
        for url in page.urls:
            if url.startswith("#"):
                continue
            target = (Path(name).parent / url).as_posix()
            target = re.sub(r"[^/]+/\.\./", "", target)
            assert target in files, (name, url)


def test_page_holds_the_module_as_the_one_renderer_makes_it():
    """The body is the Markdown renderer's HTML (links to other modules become their text), Japanese
    intact, with the sources and every question."""
    item = CATALOG.items["initial-02"]
    page = unpack(build_package(CATALOG, "initial", module="initial-02").data)["initial-02/index.html"].decode()
    html = render_markdown(item.body, lambda slug: "#elearn-item:" + slug, anchors=True)
    html = re.sub(r'<a href="#elearn-item:[a-z0-9-]+">(.*?)</a>', r'<span class="module-ref">\1</span>', html)
    assert html in page
    assert 'href="initial-01"' not in page and '<span class="module-ref">ひきこもりとは：歴史・定義・考え方</span>' in page
    assert item.title in page and "出典" in page
    quiz = next(q for q in CATALOG.quizzes.values() if q.module == "initial-02")
    for question in quiz.questions:
        assert f'id="question-{question["id"]}"' in page


def test_single_module_package_has_one_sco():
    """--module gives a package with that module only."""
    files = unpack(build_package(CATALOG, "initial", module="initial-03").data)
    manifest = ET.fromstring(files["imsmanifest.xml"])
    assert [i.get("identifier") for i in manifest.iter(f"{{{NS['cp']}}}item")] == ["item-initial-03"]
    assert {n.split("/")[0] for n in files} == {"imsmanifest.xml", "shared", "initial-03"}


@pytest.mark.parametrize("kwargs, message", [
    ({"curriculum": "hints"}, "SCORM に書き出せるのは"),
    ({"curriculum": "cases"}, "SCORM に書き出せるのは"),
    ({"curriculum": "initial", "module": "followup-01"}, "教材「followup-01」がありません"),
    ({"curriculum": "initial", "report": "nope"}, "report は"),
])
def test_what_cannot_be_packaged_is_said_in_japanese(kwargs, message):
    """Scenes, cases, a module of another curriculum and an unknown report mode are refused with a reason."""
    with pytest.raises(ExportError, match=message):
        build_package(CATALOG, **kwargs)
