"""Errors users see. Each docstring says who sees it and how.

They are raised anywhere below the edge and turned into an exit code (CLI),
an HTTP status (web) or a Slack message only at the edge.
"""

from __future__ import annotations


class CitewiseError(Exception):
    """Base of every error citewise reports to a person. ``exit_code`` is the CLI's."""

    exit_code = 1


class InputError(CitewiseError):
    """The user's input is unusable: an empty or oversized question, an unreadable
    file, an invalid JSON line, an unreachable URL. CLI: one line, exit 2; HTTP: 400/422."""

    exit_code = 2


class NotFoundError(CitewiseError):
    """An article id that the store does not hold. CLI: exit 2; HTTP: 404."""

    exit_code = 2


class ConfigError(CitewiseError):
    """A setting is invalid or names something not installed. Seen at start-up; exit 2."""

    exit_code = 2


class StoreUnavailableError(CitewiseError):
    """The vector store (embedded or a Chroma server) cannot be reached or opened.
    CLI: exit 3; HTTP: 503."""

    exit_code = 3
