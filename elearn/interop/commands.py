"""``elearn export scorm|gift|moodlexml`` and ``elearn import gift``: read the content folder, write files."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..content import load_catalog
from .common import ExportError, select_quizzes
from .gift import export_gift, parse_gift
from .moodlexml import export_moodlexml
from .scorm import REPORTS, build_package

export_cli = AppGroup("export", help="教材・クイズを他のシステム向けに書き出す（SCORM 1.2・GIFT・Moodle XML）")
import_cli = AppGroup("import", help="他のシステムの問題ファイルをクイズの YAML にする")

_dir = click.option("--dir", "directory", type=click.Path(file_okay=False), help="教材フォルダ（既定: ELEARN_CONTENT_DIR）")


def _catalog(directory: str | None):
    catalog = load_catalog(Path(directory or current_app.config["CONTENT_DIR"]))
    if catalog.problems:
        for problem in catalog.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException("教材に問題があるため書き出せません。`elearn content check` で確認してください。")
    return catalog


def _write(data: bytes, output: str | None) -> None:
    if output in (None, "-"):
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        Path(output).write_bytes(data)
        click.echo(f"書き出しました: {output}（{len(data):,} バイト）", err=True)


@export_cli.command("scorm")
@click.option("--curriculum", required=True, help="課程（initial / followup）")
@click.option("--module", default=None, help="この教材だけを1つのパッケージにする")
@click.option("--report", type=click.Choice(REPORTS), default="passed", show_default=True,
              help="合格時に報告する状態（completed: 合格で completed、不合格で incomplete）")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="書き出す .zip")
@_dir
def export_scorm(curriculum, module, report, output, directory) -> None:
    """A SCORM 1.2 package: one SCO per module of the curriculum, in order (or one module)."""
    try:
        package = build_package(_catalog(directory), curriculum, module, report)
    except ExportError as exc:
        raise click.ClickException(str(exc)) from exc
    _write(package.data, output)


def _quiz_options(command):
    for option in reversed([
        click.option("--curriculum", default=None, help="この課程のクイズ（initial / followup / hints / cases）"),
        click.option("--quiz", default=None, help="このクイズだけ（例: quiz-initial-01）"),
        click.option("--module", default=None, help="この教材・場面・事例のクイズだけ"),
        click.option("-o", "--output", default=None, type=click.Path(dir_okay=False), help="書き出すファイル（既定: 標準出力）"),
        _dir,
    ]):
        command = option(command)
    return command


def _selected(directory, curriculum, quiz, module):
    try:
        return select_quizzes(_catalog(directory), curriculum, quiz, module)
    except ExportError as exc:
        raise click.ClickException(str(exc)) from exc


@export_cli.command("gift")
@_quiz_options
def export_gift_command(curriculum, quiz, module, output, directory) -> None:
    """Quizzes as GIFT (UTF-8): every quiz, one curriculum's, or one."""
    _write(export_gift(_selected(directory, curriculum, quiz, module)).encode("utf-8"), output)


@export_cli.command("moodlexml")
@_quiz_options
def export_moodlexml_command(curriculum, quiz, module, output, directory) -> None:
    """Quizzes as Moodle XML (UTF-8): every quiz, one curriculum's, or one."""
    _write(export_moodlexml(_selected(directory, curriculum, quiz, module)), output)


@import_cli.command("gift")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--quiz", "quiz_id", required=True, help="作るクイズの id（例: quiz-initial-01）")
@click.option("--module", default=None, help="クイズの教材 id（既定: elearn が書き出したファイルの記録、なければ id の quiz- を除いたもの）")
@click.option("--pass-mark", type=click.IntRange(1, 100), default=None, help="合格ライン（%、既定: ファイルの記録、なければ 80）")
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False), help="書き出す YAML（既定: 標準出力）")
@click.option("--force", is_flag=True, help="既にある YAML を上書きする")
def import_gift(file, quiz_id, module, pass_mark, output, force) -> None:
    """A GIFT file as our quiz YAML; prints ``FILE:line: …`` for everything that does not carry over."""
    try:
        text = Path(file).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{file} を UTF-8 として読めません。UTF-8 で保存してください。") from exc
    result = parse_gift(text, quiz_id, module, pass_mark)
    for notice in result.notices:
        click.echo(f"{file}:{notice.line}: {notice.message}", err=True)
    if not result.quiz["questions"]:
        raise click.ClickException("取り込める問題がなかったため、YAML を書き出しませんでした。")
    if output and output != "-" and Path(output).exists() and not force:
        raise click.ClickException(f"{output} は既にあります（上書きするには --force）。")
    _write(result.yaml().encode("utf-8"), output)
    click.echo(f"{len(result.quiz['questions'])} 問を読み取りました（取り込めなかったこと {len(result.notices)} 件）。"
               "quizzes/ に置いて `elearn content check` で確認してください。", err=True)
