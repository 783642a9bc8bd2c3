"""Must-have 2: fuzz every route of the engine (schemathesis against its own OpenAPI, plus raw
hypothesis-built requests): no 5xx, no traceback or HTML in a body, the engine keeps serving,
and no partial or orphan file is left in its data dir."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gp_widgets.local.process import EngineProcess, start_engine

from .conftest import blob_problems, db_rows, engine_stats, record_figures, status_counts

EXAMPLES = 30
SEEN: Counter[str] = Counter()


@pytest.fixture(scope="module")
def fuzz_engine(tmp_path_factory: pytest.TempPathFactory, portrait_small: bytes) -> Iterator[EngineProcess]:
    eng = start_engine(data_dir=tmp_path_factory.mktemp("fuzz-engine"), workers=2)
    # one real document with faces, so that some fuzzed ids and bodies reach deeper code
    s = requests.Session()
    s.headers["Authorization"] = eng.api_key
    r = s.post(eng.base_url + "/teams/me/gallery", files={"object": ("p.jpg", portrait_small)}, timeout=30)
    assert r.status_code == 200
    eng.doc_id = r.json()["id"]  # type: ignore[attr-defined]
    yield eng
    eng.stop()


@pytest.fixture(scope="module")
def fuzz_schema(fuzz_engine: EngineProcess) -> Any:
    return schemathesis.openapi.from_url(fuzz_engine.base_url + "/openapi.json")


OPERATIONS = [
    "GET /teams/me/gallery/{documentid}",
    "GET /teams/me/gallery/{documentid}/pixels/original/bytes",
    "POST /teams/me/gallery",
    "PUT /teams/me/gallery/{documentid}/faces/{faceid}",
]


def test_schema_lists_every_route(fuzz_schema: Any) -> None:
    labels = {op.ok().label for op in fuzz_schema.get_all_operations()}
    assert set(OPERATIONS) <= labels, labels


def assert_clean_answer(response: Any, label: str) -> None:
    status = response.status_code
    text = response.content.decode("utf-8", "replace")
    assert status < 500, f"{label}: {status} {text[:300]}"
    assert "Traceback" not in text and 'File "' not in text, f"{label}: traceback in body"
    ctype = response.headers.get("content-type") or response.headers.get("Content-Type") or ""
    if isinstance(ctype, list):  # schemathesis' Response keeps a list per header
        ctype = ctype[0] if ctype else ""
    assert "text/html" not in ctype and "<html" not in text.lower()[:200], f"{label}: HTML answer"
    if status >= 400:
        assert ctype.startswith("application/json"), f"{label}: {status} with {ctype}"
        import json

        body = json.loads(text)
        assert isinstance(body, dict) and isinstance(body.get("code"), str), f"{label}: {body}"


@pytest.mark.parametrize("mode", ["positive", "negative"])
@pytest.mark.parametrize("label", OPERATIONS)
@pytest.mark.slow
def test_schemathesis_every_operation(label: str, mode: str, fuzz_schema: Any, fuzz_engine: EngineProcess) -> None:
    """schemathesis-generated cases (valid and invalid by the schema), ~30 per operation and mode."""
    from schemathesis.checks import not_a_server_error
    from schemathesis.generation import GenerationMode

    (operation,) = [op.ok() for op in fuzz_schema.get_all_operations() if op.ok().label == label]
    strategy = operation.as_strategy(GenerationMode.POSITIVE if mode == "positive" else GenerationMode.NEGATIVE)
    counter = iter(range(10**6))

    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case: Any) -> None:
        n = next(counter)
        # most cases carry the real key, so that they get past auth into validation
        headers = {"Authorization": fuzz_engine.api_key} if n % 4 else None
        if case.path_parameters and "documentid" in case.path_parameters and n % 3 == 0:
            case.path_parameters["documentid"] = fuzz_engine.doc_id  # type: ignore[attr-defined]
        response = case.call(base_url=fuzz_engine.base_url, headers=headers, timeout=20)
        SEEN[f"{label} {response.status_code}"] += 1
        assert_clean_answer(response, f"{case.method} {case.formatted_path}")
        case.validate_response(response, checks=[not_a_server_error])

    run()


# -- raw requests the schema would never produce ----------------------------------------------

SEGMENT = st.one_of(
    st.text(min_size=0, max_size=80),
    st.sampled_from(["..", "%2e%2e", "%252e%252e", "..%2F..%2Fetc%2Fpasswd", "%00", "default", "-1", "9" * 30,
                     "x" * 300, "%ff%fe", "faces", "pixels", "original", "bytes", "%2F", "\u202e", "😀"]),
)
METHOD = st.sampled_from(["GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS"])
BODY = st.one_of(st.none(), st.binary(max_size=2048),
                 st.builds(lambda m, p: f'{{"move": {m}, "param": {p}}}'.encode(),
                           st.sampled_from(['"smile"', '"age"', "1", "null", '"x"', "[]"]),
                           st.sampled_from(["1e309", "-1e309", "NaN", "Infinity", "1", '"1"', "true", "null",
                                            "10.0000001", "9" * 400, "[1]"])))
CTYPE = st.sampled_from([None, "application/json", "multipart/form-data", "multipart/form-data; boundary=x",
                         "text/plain", "image/png", "application/x-www-form-urlencoded"])


@settings(max_examples=150, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(method=METHOD, segments=st.lists(SEGMENT, min_size=0, max_size=5), body=BODY, ctype=CTYPE,
       authed=st.booleans())
@pytest.mark.slow
def test_raw_requests_on_gallery_paths(fuzz_engine: EngineProcess, method: str, segments: list[str],
                                       body: bytes | None, ctype: str | None, authed: bool) -> None:
    from urllib.parse import quote

    path = "/teams/me/gallery" + "".join("/" + (s if "%" in s else quote(s, safe="")) for s in segments)
    headers = {}
    if authed:
        headers["Authorization"] = fuzz_engine.api_key
    if ctype:
        headers["Content-Type"] = ctype
    with httpx.Client(timeout=20) as http:
        request = http.build_request(method, fuzz_engine.base_url + path, content=body, headers=headers)
        response = http.send(request)
    SEEN[f"raw {response.status_code}"] += 1
    if method == "HEAD":
        assert response.status_code < 500
        return
    assert_clean_answer(response, f"{method} {path}")


def test_engine_still_serves_and_data_dir_is_clean(fuzz_engine: EngineProcess, portrait_small: bytes) -> None:
    s = requests.Session()
    s.headers["Authorization"] = fuzz_engine.api_key
    r = s.post(fuzz_engine.base_url + "/teams/me/gallery", files={"object": ("p.jpg", portrait_small)}, timeout=30)
    assert r.status_code == 200, r.text
    assert s.get(f"{fuzz_engine.base_url}/teams/me/gallery/{r.json()['id']}", timeout=10).status_code == 200
    stats = engine_stats(fuzz_engine)
    by_status = status_counts(stats)
    assert not [s for s in by_status if s >= 500], by_status
    assert blob_problems(fuzz_engine.data_dir) == []
    uploads = db_rows(fuzz_engine.data_dir, "SELECT id FROM items WHERE kind='upload'")
    record_figures("fuzz", requests_answered=sum(by_status.values()),
                   schemathesis_cases=sum(n for k, n in SEEN.items() if not k.startswith("raw")),
                   raw_requests=sum(n for k, n in SEEN.items() if k.startswith("raw")),
                   statuses=dict(sorted(by_status.items())), uploads_stored=len(uploads))
