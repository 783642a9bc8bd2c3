"""The project's vocabulary, defined once: task and cell statuses, the param limit, client defaults.

The client, the local engine, the sweeps, the studies and the widgets all import these names: no module compares a
status with a literal of its own (``tests/api/test_vocabulary.py`` checks every comparison in the package) or keeps
a default of its own.
"""

from __future__ import annotations

from enum import Enum

__all__ = [
    "CellStatus",
    "ClientState",
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "DEFAULT_WAIT_TIMEOUT",
    "ENGINE_ID_HEADER",
    "PARAM_LIMIT",
    "POLL_EAGER",
    "POLL_EAGER_UNTIL",
    "POLL_FACTOR",
    "POLL_INITIAL",
    "POLL_JITTER",
    "POLL_MAXIMUM",
    "TaskStatus",
]


ENGINE_ID_HEADER = "GP-Engine-Id"
"""The response header in which a local engine names itself (its data dir's stable id): clients key what they
keep of it by this id, not by its port, which changes with every start."""


class _Vocabulary(str, Enum):
    """A str enum that prints as its value (so f-strings and JSON show ``complete``, not ``X.complete``)."""

    def __str__(self) -> str:
        return str(self.value)


class TaskStatus(_Vocabulary):
    """A variant's task as the API reports it: ``waiting`` → ``inprogress`` → ``complete`` | ``failed``."""

    waiting = "waiting"
    inprogress = "inprogress"
    complete = "complete"
    failed = "failed"


class CellStatus(_Vocabulary):
    """A sweep cell: ``pending`` → ``submitted`` → ``downloading`` → ``complete``, or ``failed`` | ``cancelled``."""

    pending = "pending"
    submitted = "submitted"
    downloading = "downloading"
    complete = "complete"
    failed = "failed"
    cancelled = "cancelled"

    @property
    def final(self) -> bool:
        return self in (CellStatus.complete, CellStatus.failed, CellStatus.cancelled)


class ClientState(_Vocabulary):
    """A client is ``open`` from construction until ``close()``; a closed client refuses every call."""

    open = "open"
    closed = "closed"


PARAM_LIMIT = 10.0
"""A move's ``param`` must be finite with ``|param| <= PARAM_LIMIT`` (the API answers ``invalid_param``)."""

DEFAULT_BASE_URL = "https://app.generative.photos/api/v0"
"""The service (``GP_BASE_URL`` overrides it)."""

DEFAULT_TIMEOUT = 30.0
"""Seconds one HTTP request may take."""

DEFAULT_MAX_RETRIES = 4
"""Retries of a failed request (after the first attempt)."""

DEFAULT_WAIT_TIMEOUT = 300.0
"""Seconds to wait for faces or a task before :class:`~gp_widgets.errors.WaitTimeoutError`."""

POLL_INITIAL, POLL_MAXIMUM, POLL_FACTOR, POLL_JITTER = 0.25, 2.0, 1.5, 0.15
"""Polling schedule: first interval, ceiling, growth per poll, ± relative jitter."""

POLL_EAGER, POLL_EAGER_UNTIL = 0.05, 1.0
"""Before a client has seen any task finish: poll every ``POLL_EAGER`` s for the first ``POLL_EAGER_UNTIL`` s of
a task (a first edit is often that quick, and a person waits on it), then at the polling schedule's own times."""
