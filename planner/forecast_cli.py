"""`python -m planner forecast` and `python -m planner hidden` (registered by planner/cli.py)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `forecast` and `hidden` subcommands (work in progress)."""
    return None
