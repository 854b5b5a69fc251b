"""Flask commands: loading content, backing up the database, generating demo data."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy.engine import make_url

from flask_migrate.cli import db as migrate_cli

content_cli = AppGroup("content", help="导入内容文件夹（content/）。")
demo_cli = AppGroup("demo", help="演示数据。")


@content_cli.command("load")
@click.option("--path", "path", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="内容文件夹，默认为 $CONTENT_DIR")
@click.option("--if-empty", is_flag=True, help="只在数据库还没有数据时导入（make run 用它，以免覆盖工作人员的修改）")
def content_load(path: Path | None, if_empty: bool) -> None:
    """Load a content folder in one transaction; on any error nothing is loaded."""
    from .content import ContentError, load_content, summary
    from .district import district_profile

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
    from .demo import write_demo

    write_demo(path, scale=scale)
    click.echo(f"已生成演示数据（{scale} 倍）：{path}")


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
