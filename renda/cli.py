"""Flask commands: content loading, database backup, demo data, staff accounts, the search index."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import sys
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_migrate.cli import db as migrate_cli
from sqlalchemy import func, select, update
from sqlalchemy.engine import make_url

from .cache import DataVersion
from .db import checkpoint_sqlite, db, utcnow
from .deputies.models import Deputy, DeputyGroup
from .notify.alerts import enqueue_overdue
from .notify.outbox import Settings, deliver, enqueue_reminders
from .opinions.retention import anonymise
from .search.index import request_rebuild
from .search.models import SearchEntry
from .staff.models import MIN_PASSWORD_LENGTH, Role, StaffUser

content_cli = AppGroup("content", help="导入内容文件夹（content/）。")
demo_cli = AppGroup("demo", help="演示数据。")
staff_cli = AppGroup("staff", help="工作人员账号。")
opinions_cli = AppGroup("opinions", help="群众意见。")
notify_cli = AppGroup("notify", help="通知（短信、电子邮件）。")


@notify_cli.command("send")
@click.option("--loop", is_flag=True, help="不停地发送（作为服务运行），每隔 --interval 秒查看一次")
@click.option("--interval", type=click.IntRange(1, 3600), default=30, show_default=True)
@click.option("--batch", type=click.IntRange(1, 10000), default=100, show_default=True, help="每次最多发送几条")
def notify_send(loop: bool, interval: int, batch: int) -> None:
    """Enqueue the reminders and the staff's overdue notices now due, then send what the outbox holds that is
    due, with retries; with --loop, again and again. Run from a timer (e.g. every minute) or as a service."""
    settings = Settings.of(current_app.config)
    if not settings.channels:
        click.echo("没有配置 SMTP_URL 和 MAIL_FROM，也没有配置 SMS_GATEWAY_URL：通知留在待发送队列中。", err=True)
    while True:
        now = utcnow()
        reminders = enqueue_reminders(settings, now)
        overdue = enqueue_overdue(settings, now)
        sent, failed = deliver(settings, utcnow(), batch)
        if sent or failed or reminders or overdue or not loop:
            click.echo(f"新增提醒 {reminders} 条，超期通知 {overdue} 条，"
                       f"发送成功 {sent} 条，失败 {failed} 次（稍后重试）。")
        db.session.remove()
        if not loop:
            return
        time.sleep(interval)


search_cli = AppGroup("search", help="全站搜索。")


@search_cli.command("reindex")
def search_reindex() -> None:
    """Make the whole search index again from the public rows; cached pages are answered afresh after it."""
    request_rebuild(db.session)
    db.session.execute(update(DataVersion).values(version=DataVersion.version + 1))
    db.session.commit()
    count = db.session.scalar(select(func.count()).select_from(SearchEntry))
    click.echo(f"搜索索引已重建：{count} 条。")


@opinions_cli.command("anonymise")
@click.option("--closed-before", "days", type=click.IntRange(0, None), default=180, show_default=True,
              help="处理办结（或答复后再无进展）超过这么多天的意见")
def opinions_anonymise(days: int) -> None:
    """Remove name and phone from opinions finished more than DAYS ago, and the name and every phone number from
    their text, notes and audit details; on SQLite no old copy stays in the database files."""
    count = anonymise(utcnow() - dt.timedelta(days=days))
    click.echo(f"已删除 {count} 条意见中的姓名和电话号码。")
    if checkpoint_sqlite() is False:
        click.echo("数据库正被其他连接读取，预写日志（-wal 文件）中可能仍有旧副本。请稍后再运行一次本命令。", err=True)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("密码", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.ClickException(f"密码至少 {MIN_PASSWORD_LENGTH} 个字符。")
    return password


def _staff_user(username: str) -> StaffUser:
    user = db.session.scalars(select(StaffUser).where(func.lower(StaffUser.username) == username.lower())).first()
    if user is None:
        raise click.ClickException(f"没有用户名为 {username} 的账号。")
    return user


@staff_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "editor", "liaison", "deputy"]), required=True)
@click.option("--group", "group_slug", help="联络员所属代表小组的 slug")
@click.option("--deputy", "deputy_slug", help="代表账号对应的代表的 slug")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取密码")
def staff_create(username: str, role: str, group_slug: str | None, deputy_slug: str | None,
                 password_stdin: bool) -> None:
    """Create a staff account (a deputy's account: for one deputy, who reports their own duties)."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,50}", username):
        raise click.ClickException("用户名只能使用字母、数字、下划线、点和连字符，最多 50 个字符。")
    if db.session.scalars(select(StaffUser).where(func.lower(StaffUser.username) == username.lower())).first():
        raise click.ClickException(f"用户名 {username} 已被使用。")
    group = None
    if role == "liaison":
        if not group_slug:
            raise click.ClickException("联络员必须用 --group 指定代表小组。")
        group = db.session.scalars(select(DeputyGroup).where(DeputyGroup.slug == group_slug)).first()
        if group is None:
            raise click.ClickException(f"没有 slug 为 {group_slug} 的代表小组。")
    elif group_slug:
        raise click.ClickException("只有联络员属于代表小组；其他角色不要指定 --group。")
    deputy = None
    if role == "deputy":
        if not deputy_slug:
            raise click.ClickException("代表账号必须用 --deputy 指定对应的代表。")
        deputy = db.session.scalars(select(Deputy).where(Deputy.slug == deputy_slug)).first()
        if deputy is None:
            raise click.ClickException(f"没有 slug 为 {deputy_slug} 的代表。")
        holder = db.session.scalars(select(StaffUser.username).where(StaffUser.deputy_id == deputy.id)).first()
        if holder is not None:
            raise click.ClickException(f"代表 {deputy.name} 已有账号 {holder}，每位代表只能有一个账号。")
    elif deputy_slug:
        raise click.ClickException("只有代表账号对应代表；其他角色不要指定 --deputy。")
    user = StaffUser(username=username, role=Role(role), group=group, deputy=deputy)
    user.set_password(_read_password(password_stdin))
    db.session.add(user)
    db.session.commit()
    click.echo(f"已创建账号 {username}（{user.role.label}）。")


@staff_cli.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取密码")
def staff_set_password(username: str, password_stdin: bool) -> None:
    """Set a new password; the account's open sessions end."""
    user = _staff_user(username)
    user.set_password(_read_password(password_stdin))
    db.session.commit()
    click.echo(f"已为 {user.username} 设置新密码。")


@staff_cli.command("deactivate")
@click.argument("username")
def staff_deactivate(username: str) -> None:
    """Deactivate an account: it can no longer sign in, and its open sessions end."""
    user = _staff_user(username)
    user.active = False
    db.session.commit()
    click.echo(f"已停用账号 {user.username}。")


@content_cli.command("load")
@click.option("--path", "path", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="内容文件夹，默认为 $CONTENT_DIR")
@click.option("--if-empty", is_flag=True, help="只在数据库还没有数据时导入（make run 用它，以免覆盖工作人员的修改）")
def content_load(path: Path | None, if_empty: bool) -> None:
    """Load a content folder in one transaction; on any error nothing is loaded."""
    from .content.load import load_content, summary
    from .content.rows import ContentError
    from .district.queries import district_profile

    root = path or Path(current_app.config["CONTENT_DIR"])
    if if_empty and district_profile() is not None:
        click.echo("数据库已有数据，跳过导入。")
        return
    try:
        loaded = load_content(root)
    except ContentError as e:
        raise click.ClickException(str(e)) from None
    click.echo(("已导入" if loaded.changed else "没有变化") + f"：{summary(loaded)}")


@demo_cli.command("generate")
@click.option("--scale", type=click.IntRange(1, 1000), default=1, show_default=True)
@click.option("--path", "path", type=click.Path(file_okay=False, path_type=Path), required=True)
def demo_generate(scale: int, path: Path) -> None:
    """Write a demo content folder `scale` times the size of the demo district."""
    from .demo.generate import write_demo

    write_demo(path, scale=scale)
    click.echo(f"已生成演示数据（{scale} 倍）：{path}")


@demo_cli.command("opinions")
def demo_opinions() -> None:
    """Add the demo's residents' opinions (online, from receptions, letters, calls and visits; some raised into
    suggestions) when the database has none; running it again adds nothing."""
    from .demo.opinions import add_demo_opinions
    from .district.queries import district_profile

    profile = district_profile()
    if profile is None or not profile.fictional:
        click.echo("不是演示地区（district.yaml 没有 fictional: true，或还没有导入内容），未添加演示用群众意见。")
        return
    added = add_demo_opinions()
    click.echo(f"已添加 {added} 条演示用群众意见。" if added else "数据库已有群众意见，未添加。")


# `flask db` is Flask-Migrate's group; backup joins it there.
@migrate_cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def db_backup(path: Path) -> None:
    """A consistent copy of a running SQLite database (SQLite's online backup)."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite" or not url.database:
        raise click.ClickException("db backup 只适用于 SQLite 数据库；PostgreSQL 请使用 pg_dump（见 README）。")
    if path.exists():
        raise click.ClickException(f"{path} 已存在，不会覆盖。")
    source = sqlite3.connect(f"file:{url.database}?mode=ro", uri=True)
    target = sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    click.echo(f"已备份到 {path}")


def init_app(app: Flask) -> None:
    app.cli.add_command(content_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(staff_cli)
    app.cli.add_command(opinions_cli)
    app.cli.add_command(notify_cli)
    app.cli.add_command(search_cli)
