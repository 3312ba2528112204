"""``policy-assistant bench scale``: registers itself on the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

bench_app = typer.Typer(help="Benchmarks that print figures (never pass/fail).", no_args_is_help=True)


@bench_app.command("scale")
def scale_command(
    districts: Annotated[int, typer.Option("--districts", min=1, max=5000, help="Synthetic districts to build.")] = 200,
    index: Annotated[Path, typer.Option("--index", help="The seed index the districts are made from.")] = Path("index"),
    chroma_url: Annotated[Optional[str], typer.Option("--chroma-url", help="Build on a Chroma server instead.")] = None,
    rounds: Annotated[int, typer.Option("--rounds", min=1, max=20, help="Rounds of the six questions.")] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Build N synthetic districts from the seeds and measure build, open, asks, recall, re-ingest."""
    from ..errors import IndexMissing
    from .scale import run_scale

    from ..store import ClauseStore

    if not ClauseStore(index).exists():
        raise IndexMissing(f"No seed index at {index}/: run `policy-assistant ingest` first.")
    out = run_scale(districts, index, chroma_url=chroma_url, rounds=rounds)
    if as_json:
        typer.echo(json.dumps(out))
    else:
        for k, v in out.items():
            typer.echo(f"{k:>20}: {v}")


def register(app: typer.Typer) -> None:
    app.add_typer(bench_app, name="bench")
