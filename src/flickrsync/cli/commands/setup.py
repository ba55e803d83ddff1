"""``flickrsync init``: the first step."""

from __future__ import annotations

import click

from flickrsync.cli.app import cli, global_options, start
from flickrsync.config import write_template


@cli.command()
@global_options
@click.pass_context
def init(ctx: click.Context) -> None:
    """Write a commented template config.ini (never overwrites an existing one)."""
    opts = start(ctx)
    path = opts.config_path
    if write_template(path):
        click.echo(f"wrote {path}")
        click.echo("next: fill in api_key, api_secret and directory, then run `flickrsync auth`")
    else:
        click.echo(f"{path} already exists; left unchanged")
