"""The ``elearn`` command: Flask's CLI (run, routes, shell, db …) plus content, user and demo commands."""
from __future__ import annotations

import secrets
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext
from sqlalchemy import select

from .content import load_catalog
from .content.importer import import_catalog
from .extensions import db
from .forms import normalise_email
from .models import Module, Role, User
from .passwords import password_problem
from .urls import content_link_resolver

content_cli = AppGroup("content", help="教材ファイルの検査と取り込み")
user_cli = AppGroup("user", help="アカウントの管理")


def _content_dir(directory: str | None) -> Path:
    return Path(directory or current_app.config["CONTENT_DIR"])


@content_cli.command("check")
@click.option("--dir", "directory", type=click.Path(file_okay=False), help="教材フォルダ（既定: ELEARN_CONTENT_DIR）")
def content_check(directory: str | None) -> None:
    """Validate every content file; print ``path:line: message`` per problem and ``path:line: 警告: …`` per
    warning, then the option-length shares. Exits 1 on problems only; warnings never fail the check."""
    catalog = load_catalog(_content_dir(directory))
    for problem in catalog.problems:
        click.echo(str(problem))
    for warning in catalog.warnings:
        click.echo(str(warning))
    if catalog.length_shares:
        click.echo("選択肢の長さ（正解の選択肢が最も長い・最も短い問題の割合。README「Authoring content」参照）:")
        for share in catalog.length_shares:
            click.echo(f"  {share}")
    if catalog.problems:
        click.echo(f"{len(catalog.problems)} 件の問題があります（{catalog.files} ファイルを検査）。", err=True)
        sys.exit(1)
    warned = f"（警告 {len(catalog.warnings)} 件）" if catalog.warnings else ""
    click.echo(f"OK: {catalog.files} ファイル、教材 {len(catalog.items)} 件、クイズ {len(catalog.quizzes)} 件に"
               f"問題はありません{warned}。")


@content_cli.command("import")
@click.option("--dir", "directory", type=click.Path(file_okay=False), help="教材フォルダ（既定: ELEARN_CONTENT_DIR）")
def content_import(directory: str | None) -> None:
    """Load the content into the database (idempotent; learners' progress is kept)."""
    catalog = load_catalog(_content_dir(directory))
    if catalog.problems:
        for problem in catalog.problems:
            click.echo(str(problem))
        click.echo("問題があるため取り込みませんでした。`elearn content check` で確認してください。", err=True)
        sys.exit(1)
    curricula = {slug: item.curriculum for slug, item in catalog.items.items()}
    curricula.update({m.slug: m.curriculum for m in db.session.scalars(select(Module))
                      if m.slug not in curricula})
    total = len(catalog.items) + len(catalog.quizzes)
    count = 0

    def progress(path: str, status: str) -> None:
        nonlocal count
        count += 1
        click.echo(f"[{min(count, total)}/{total}] {status}: {path}")

    report = import_catalog(catalog, db.session, content_link_resolver(curricula), progress)
    db.session.commit()
    click.echo(f"取り込み完了: {report}")


def create_user(email: str, role: Role, name: str, organisation: str = "", prefecture: str = "",
                password_hash: str | None = None) -> User:
    """Add a user to the session (caller commits)."""
    user = User(email=normalise_email(email), role=role.value, display_name=name,
                organisation=organisation, prefecture=prefecture, password_hash=password_hash)
    db.session.add(user)
    return user


@user_cli.command("create")
@click.option("--email", required=True, help="メールアドレス（ログインID）")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.LEARNER.value, show_default=True)
@click.option("--name", default="", help="表示名（省略時はメールアドレスの@より前）")
@click.option("--organisation", default="", help="所属")
@click.option("--prefecture", default="", help="都道府県")
@click.option("--password", is_flag=True, help="パスワードをここで入力する（省略時は設定用リンクを発行）")
@click.option("--base-url", default=None, help="リンクに使うURL（既定: ELEARN_BASE_URL、なければ http://127.0.0.1:5000）")
def user_create(email, role, name, organisation, prefecture, password, base_url) -> None:
    """Create an account; print a one-time set-password link unless --password is given."""
    from .auth.services import issue_set_password_link
    from .passwords import hash_password

    email = normalise_email(email)
    if db.session.scalar(select(User).where(User.email == email)):
        raise click.ClickException(f"{email} はすでに登録されています。")
    password_hash = None
    if password:
        value = click.prompt("パスワード", hide_input=True, confirmation_prompt=True)
        problem = password_problem(value, email=email, min_length=current_app.config["PASSWORD_MIN_LENGTH"])
        if problem:
            raise click.ClickException(problem)
        password_hash = hash_password(value)
    user = create_user(email, Role(role), name or email.split("@")[0], organisation, prefecture, password_hash)
    db.session.flush()
    message = f"作成しました: {email}（{Role(role).label}）"
    if not password:
        token = issue_set_password_link(user, None)
        base_url = base_url or current_app.config["BASE_URL"] or "http://127.0.0.1:5000"
        message += f"\nパスワード設定用リンク（1回限り）: {base_url.rstrip('/')}/auth/set-password/{token}"
    db.session.commit()
    click.echo(message)


DEMO_ACCOUNTS = [
    ("learner@example.jp", Role.LEARNER, "デモ 受講者", "○○市ひきこもり地域支援センター", "東京都"),
    ("organiser@example.jp", Role.ORGANISER, "デモ 研修担当", "○○県 地域福祉課", "東京都"),
    ("admin@example.jp", Role.ADMIN, "デモ 管理者", "elearn 事務局", "東京都"),
]


DEMO_COHORT = "デモ：新任職員研修（オンデマンド＋集合研修）"


@click.command("demo")
@click.option("--base-url", default="http://127.0.0.1:5000", show_default=True,
              help="ログイン画面のURLに使うアドレス（make run は HOST と PORT から渡します）")
@with_appcontext
def demo(base_url: str) -> None:
    """Create (or reset) the demo accounts and a demo cohort, and print the login details."""
    from .auth.services import set_password

    click.echo(f"デモ用アカウント（ログイン: {base_url.rstrip('/')}/auth/login）")
    users = {}
    for email, role, name, organisation, prefecture in DEMO_ACCOUNTS:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = create_user(email, role, name, organisation, prefecture)
            db.session.flush()
        user.active = True
        password = "demo-" + secrets.token_urlsafe(9)
        set_password(user, password)
        users[role] = user
        click.echo(f"  {role.label:6}  メール: {email}  パスワード: {password}")
    _demo_cohort(users[Role.ORGANISER], users[Role.LEARNER])
    db.session.commit()


def _demo_cohort(organiser: User, learner: User) -> None:
    """A cohort run by the demo organiser with the demo learner enrolled (created once)."""
    from datetime import timedelta

    from .models import Cohort, CohortDay, Enrolment
    from .dates import today as japan_today

    if db.session.scalar(select(Cohort).where(Cohort.name == DEMO_COHORT)):
        return
    today = japan_today()
    cohort = Cohort(name=DEMO_COHORT, curriculum="initial", opens_on=today - timedelta(days=14),
                    closes_on=today + timedelta(days=30), venue="○○県社会福祉会館", capacity=150)
    cohort.days = [CohortDay(day=today + timedelta(days=35))]
    cohort.organisers = [organiser]
    cohort.required_modules = list(db.session.scalars(
        select(Module).where(Module.curriculum == "initial", Module.retired.is_(False))))
    db.session.add(cohort)
    db.session.flush()
    db.session.add(Enrolment(cohort_id=cohort.id, user_id=learner.id))
    click.echo(f"  デモ研修「{DEMO_COHORT}」を作成しました（研修担当が担当、受講者が参加）。")


search_cli = AppGroup("search", help="検索の索引")


@search_cli.command("rebuild")
@with_appcontext
def search_rebuild() -> None:
    """Create the full-text structures where possible (FTS5, or pg_trgm and its GIN index) and rebuild
    the whole index from the content and the board (e.g. after installing pg_trgm)."""
    from .search_index import create_structures, rebuild_board, rebuild_content

    setup = create_structures(db.session.connection())
    content = rebuild_content(db.session)
    board = rebuild_board(db.session)
    db.session.commit()
    how = {"fts5": "SQLite FTS5（trigram）", "pg_trgm": "PostgreSQL pg_trgm（GIN）"}.get(
        setup, "索引なし（LIKE で全件を調べます。README「Search」参照）")
    click.echo(f"検索の索引を作り直しました: 教材 {content}件・ひろば {board}件、方式: {how}")


counts_cli = AppGroup("counts", help="保存している修了数の検査と再計算")


@counts_cli.command("check")
@click.option("--repair", is_flag=True, help="食い違いがあれば進捗から数え直して保存する")
def counts_check(repair: bool) -> None:
    """Compare the stored completion counts with progress; exits 1 on a difference (unless repaired)."""
    from .cohorts.counts import all_cohort_ids, count_problems, refresh_counts

    problems = count_problems()
    for problem in problems:
        click.echo(problem)
    if problems and repair:
        refresh_counts(all_cohort_ids())
        db.session.commit()
        click.echo(f"{len(problems)} 件の食い違いを数え直しました。")
        return
    click.echo(f"修了数の食い違い: {len(problems)} 件")
    if problems:
        sys.exit(1)


def init_app(app: Flask) -> None:
    """Register the project's commands on ``app.cli``."""
    app.cli.add_command(counts_cli)
    app.cli.add_command(content_cli)
    app.cli.add_command(user_cli)
    app.cli.add_command(demo)
    from .mail.cli import mail_cli
    from .organiser.cli import reminders_cli

    app.cli.add_command(mail_cli)
    app.cli.add_command(reminders_cli)
    from .interop.commands import export_cli, import_cli

    app.cli.add_command(export_cli)
    app.cli.add_command(import_cli)
    app.cli.add_command(search_cli)
    from .operations import cli as operations_cli

    operations_cli.init_app(app)


def main() -> None:
    """Entry point of the ``elearn`` console script."""
    from . import InsecureConfigError, create_app

    # Maintenance commands (db, content, user …) need no secret key; serving does.
    serving = len(sys.argv) > 1 and sys.argv[1] == "run"
    factory = create_app if serving else (lambda: create_app({"MAINTENANCE_COMMAND": True}))
    try:
        FlaskGroup(name="elearn", create_app=factory, help="elearn の管理コマンド").main()
    except InsecureConfigError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)


if __name__ == "__main__":  # ``python -m elearn.cli …`` runs this checkout's code (the console script may not)
    main()
