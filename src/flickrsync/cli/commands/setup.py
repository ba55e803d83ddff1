"""``flickrsync init``, ``config check`` and ``completion``: setting flickrsync up."""

from __future__ import annotations

import click

from flickrsync.cli.app import COMPLETE_VAR, PROG, check_options, cli, command, start
from flickrsync.cli.render import config_text, emit_json, to_json
from flickrsync.config import check_config, write_template


@command(short_help="Write a template config.ini (never overwrites one).")
@click.pass_context
def init(ctx: click.Context) -> None:
    """Write a commented template config.ini (never overwrites an existing one).

    The home dir is created readable by you only (0700), config.ini too (0600): it holds your
    API secret.
    """
    opts = start(ctx)
    path = opts.config_path
    if write_template(path):
        click.echo(f"wrote {path}")
        click.echo("next: fill in api_key, api_secret and directory, then run `flickrsync auth`")
    else:
        click.echo(f"{path} already exists; left unchanged")
        opts.warn_private([path])


@cli.group(short_help="Check config.ini.")
def config() -> None:
    """config.ini: `flickrsync config check` validates it."""


@command(
    "profiles",
    "all_profiles",
    "directory",
    "database",
    "username",
    group=config,
    short_help="Validate config.ini; show what each profile resolves to.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON document instead of text.")
@click.pass_context
def check(ctx: click.Context, as_json: bool) -> int:
    """Validate config.ini without contacting Flickr: unknown sections and keys, values of the
    wrong type or out of range. Then show, for every profile (or those given with -p), the value
    each key resolves to and where it came from (a line of config.ini, [DEFAULT], the command
    line, or the default). Secrets are never shown. Exits 2 when something is wrong.
    """
    opts = start(ctx)
    report = check_config(opts.home_path, opts.profiles, opts.overrides(), config_file=opts.config_path)
    opts.warn_private([opts.config_path])
    if as_json:
        emit_json("config", {**to_json(report), "ok": report.ok})
    else:
        config_text(report)
    for problem in report.problems:
        click.echo(f"flickrsync: error: {problem}", err=True)
    for profile in report.profiles:
        for problem in profile.problems:
            click.echo(f"flickrsync: error: {problem}", err=True)
    return 0 if report.ok else 2


@command(common=False, short_help="Print a shell completion script (bash, zsh or fish).")
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
@click.pass_context
def completion(ctx: click.Context, shell: str) -> None:
    """Print the script that makes SHELL complete flickrsync's commands and options.

    \b
    bash:  add to ~/.bashrc    eval "$(flickrsync completion bash)"
    zsh:   add to ~/.zshrc     eval "$(flickrsync completion zsh)"
    fish:  flickrsync completion fish > ~/.config/fish/completions/flickrsync.fish
    """
    from click.shell_completion import get_completion_class  # noqa: PLC0415 - only here

    check_options(ctx)
    found = get_completion_class(shell)
    assert found is not None  # one of click's three
    click.echo(found(cli, {}, PROG, COMPLETE_VAR).source())
