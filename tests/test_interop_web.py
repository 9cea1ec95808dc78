"""The export and import commands and the admin download page (fixture content)."""
from __future__ import annotations

import io
import zipfile
from xml.etree import ElementTree as ET

import pytest

from elearn.interop.gift import parse_gift
from elearn.models import Role


def test_export_scorm_command_writes_a_package(runner, tmp_path):
    """`elearn export scorm --curriculum initial -o FILE.zip` writes a zip with the manifest and one page per module."""
    target = tmp_path / "initial.zip"
    result = runner.invoke(args=["export", "scorm", "--curriculum", "initial", "-o", str(target)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(target) as archive:
        names = set(archive.namelist())
    assert "imsmanifest.xml" in names and "shared/sco.js" in names
    assert {n.split("/")[0] for n in names if n.endswith("index.html")} == {"t-alpha", "t-beta"}


def test_export_scorm_command_refuses_with_a_reason(runner, tmp_path):
    """An unknown module or a curriculum of scenes is refused in Japanese, nothing written."""
    target = tmp_path / "x.zip"
    result = runner.invoke(args=["export", "scorm", "--curriculum", "initial", "--module", "nope", "-o", str(target)])
    assert result.exit_code == 1 and "教材「nope」がありません" in result.output and not target.exists()
    result = runner.invoke(args=["export", "scorm", "--curriculum", "hints", "-o", str(target)])
    assert result.exit_code == 1 and "SCORM に書き出せるのは" in result.output


def test_export_gift_then_import_gift(runner, tmp_path):
    """`export gift --quiz` then `import gift --quiz` gives back the quiz's YAML; an existing file is not overwritten."""
    gift = tmp_path / "q.gift"
    result = runner.invoke(args=["export", "gift", "--module", "t-alpha", "-o", str(gift)])
    assert result.exit_code == 0, result.output
    out = tmp_path / "t-alpha.yaml"
    result = runner.invoke(args=["import", "gift", str(gift), "--quiz", "quiz-t-alpha", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "quiz-t-alpha" in out.read_text(encoding="utf-8")
    result = runner.invoke(args=["import", "gift", str(gift), "--quiz", "quiz-t-alpha", "-o", str(out)])
    assert result.exit_code == 1 and "--force" in result.output


def test_import_gift_reports_lines(runner, tmp_path):
    """What cannot be mapped is printed as FILE:line: message; nothing importable is an error."""
    gift = tmp_path / "n.gift"
    gift.write_text("::n::2+2? {#4}\n\n::q::選べ {=はい ~いいえ#ちがう ####解説}\n", encoding="utf-8")
    result = runner.invoke(args=["import", "gift", str(gift), "--quiz", "quiz-x"])
    assert result.exit_code == 0
    assert f"{gift}:1: 数値問題は" in result.output and f"{gift}:3: 出典がありません" in result.output
    gift.write_text("::n::2+2? {#4}\n", encoding="utf-8")
    result = runner.invoke(args=["import", "gift", str(gift), "--quiz", "quiz-x"])
    assert result.exit_code == 1 and "取り込める問題がなかった" in result.output


def test_export_moodlexml_command(runner, tmp_path):
    """`elearn export moodlexml --curriculum initial` writes well-formed XML with the curriculum's questions."""
    target = tmp_path / "q.xml"
    result = runner.invoke(args=["export", "moodlexml", "--curriculum", "initial", "-o", str(target)])
    assert result.exit_code == 0, result.output
    root = ET.parse(target).getroot()
    assert {q.get("type") for q in root.iter("question")} >= {"category", "multichoice"}


@pytest.mark.parametrize("role", [Role.LEARNER, Role.ORGANISER, Role.MODERATOR])
def test_download_page_is_for_admins_only(client, auth, make_user, role):
    """Learners, organisers and moderators get 403 on the page and the downloads."""
    auth.login(make_user(role).email)
    for url in ("/admin/exports", "/admin/exports/scorm?curriculum=initial", "/admin/exports/quizzes?format=gift"):
        assert client.get(url).status_code == 403


def test_admin_downloads(client, auth, make_user, content):
    """An admin finds the page from user administration and downloads a package, GIFT and Moodle XML."""
    auth.login(make_user(Role.ADMIN).email)
    assert "/admin/exports" in client.get("/admin/users").text
    page = client.get("/admin/exports")
    assert page.status_code == 200 and "SCORM 1.2 パッケージ" in page.text and "正解がパッケージに含まれます" in page.text
    assert 'value="t-beta"' in page.text  # the imported modules, one package each if wanted
    response = client.get("/admin/exports/scorm?curriculum=initial&module=t-beta&report=completed")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert 'filename="elearn-t-beta-scorm12.zip"' in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert '"report": "completed"' in archive.read("t-beta/index.html").decode()
    gift = client.get("/admin/exports/quizzes?curriculum=initial&format=gift")
    assert gift.status_code == 200 and gift.mimetype == "text/plain"
    assert parse_gift(gift.data.decode(), "quiz-t-alpha").quiz["questions"]
    xml = client.get("/admin/exports/quizzes?format=moodlexml")
    assert xml.status_code == 200 and ET.fromstring(xml.data).tag == "quiz"


@pytest.mark.parametrize("url, message", [
    ("/admin/exports/scorm?curriculum=hints", "SCORM に書き出せるのは"),
    ("/admin/exports/scorm?curriculum=initial&module=zzz", "教材「zzz」がありません"),
    ("/admin/exports/scorm?curriculum=initial&report=%3Cb%3E", "report は"),
    ("/admin/exports/quizzes?format=pdf", "形式は GIFT か Moodle XML"),
    ("/admin/exports/quizzes?format=gift&curriculum=%3Cscript%3E", "課程を一覧から選んでください"),
])
def test_bad_parameters_are_explained_not_500(client, auth, make_user, url, message):
    """Tampered parameters come back as the page with a Japanese reason (400), escaped."""
    auth.login(make_user(Role.ADMIN).email)
    response = client.get(url)
    assert response.status_code == 400 and message in response.text
    assert "<script>" not in response.text and "<b>" not in response.text
