"""The two clients take one set of arguments, and a retry policy and a retry count cannot disagree silently."""

from __future__ import annotations

import inspect

import pytest

import gp_widgets as gp
from gp_widgets.api.errors import InvalidInputError
from gp_widgets.api.polling import DurationModel
from gp_widgets.api.retry import RetryPolicy

URL = "http://127.0.0.1:9/api/v0"


def test_the_sync_and_async_clients_take_the_same_arguments() -> None:
    sync, aio = (list(inspect.signature(c.__init__).parameters.values()) for c in (gp.Client, gp.AsyncClient))
    assert [(p.name, p.kind, p.default) for p in sync] == [(p.name, p.kind, p.default) for p in aio]


def test_the_sync_client_hands_its_durations_to_its_async_twin() -> None:
    durations = DurationModel()
    client = gp.Client(api_key="k", base_url=URL, durations=durations)
    try:
        assert client.aio.durations is durations
    finally:
        client.close()


def test_max_retries_alone_or_a_policy_alone_sets_the_count() -> None:
    assert gp.AsyncClient(api_key="k", base_url=URL, max_retries=2).retry.max_retries == 2
    policy = RetryPolicy(max_retries=7)
    aio = gp.AsyncClient(api_key="k", base_url=URL, retry=policy)
    assert aio.retry is policy and aio.settings.max_retries == 7
    assert aio.with_options().settings.max_retries == 7
    assert gp.AsyncClient(api_key="k", base_url=URL, max_retries=7, retry=policy).retry is policy  # they agree


@pytest.mark.parametrize("cls", [gp.Client, gp.AsyncClient])
def test_a_retry_count_that_disagrees_with_the_policy_is_refused(cls: type) -> None:
    with pytest.raises(InvalidInputError, match="max_retries=1 disagrees with the retry policy's max_retries=7"):
        cls(api_key="k", base_url=URL, max_retries=1, retry=RetryPolicy(max_retries=7))
