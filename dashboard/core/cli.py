"""Command-line arguments shared by the management commands."""

from __future__ import annotations

from argparse import ArgumentParser


def filter_value(value: str) -> tuple[str, str]:
    """`FIELD=VALUE` as a pair (argparse reports a ValueError as an invalid value)."""
    name, sep, wanted = value.partition("=")
    if not sep or not name:
        raise ValueError(value)
    return name, wanted


def add_query_arguments(parser: ArgumentParser, *, filter_help: str, search_help: str) -> None:
    """`--sort`, repeatable `--filter FIELD=VALUE` and `--search`, as a table takes them."""
    parser.add_argument("--sort", help="FIELD or -FIELD (descending)")
    parser.add_argument(
        "--filter",
        action="append",
        default=[],
        type=filter_value,
        metavar="FIELD=VALUE",
        help=filter_help,
    )
    parser.add_argument("--search", help=search_help)
