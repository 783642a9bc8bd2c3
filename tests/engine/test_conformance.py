"""Live responses against /api/v0/openapi.json (schemathesis), malformed floods, concurrency."""

from __future__ import annotations

import concurrent.futures
import random

import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


def test_live_responses_conform_to_the_served_schema(engine, face_doc):
    schema = schemathesis.openapi.from_url(engine.url("/openapi.json"))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 5
    key = engine.config.api_keys[0]
    strategies = []
    for op in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategies.append(op.as_strategy(generation_mode=mode))
            if "{documentid}" in op.path:  # also hit a real document, not only random ids
                strategies.append(op.as_strategy(generation_mode=mode, path_parameters={"documentid": face_doc["id"]}))
    session = requests.Session()

    @settings(max_examples=150, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(st.sampled_from(strategies).flatmap(lambda s: s), st.booleans())
    def check(case, authorized):
        headers = {"Authorization": key} if authorized else None
        response = case.call_and_validate(base_url=engine.base_url, session=session, headers=headers, checks=CHECKS)
        assert response.status_code < 500
        if response.status_code >= 400:
            assert set(response.json()) == {"code"}

    check()


def test_a_thousand_malformed_requests_then_a_good_one(engine, face_doc):
    rng = random.Random(1234)
    s = engine.session
    gallery = engine.url("/teams/me/gallery")
    doc = face_doc["id"]
    junk = [b"", b"{", b"null", b"[1,2]", b'{"move": []}', bytes(rng.randrange(256) for _ in range(64)),
            b'{"move": "smile", "param": "NaN"}', b"\xff\xfe", b'{"move": "smile", "param": 1e309}']
    makers = [
        lambda: s.put(f"{gallery}/{doc}/faces/{rng.choice(['x', '-1', '99', 'default', '0'])}",
                      data=rng.choice(junk), headers={"Content-Type": rng.choice(["application/json", "text/plain"])}),
        lambda: s.post(gallery, data=rng.choice(junk),
                       headers={"Content-Type": rng.choice(["multipart/form-data", "multipart/form-data; boundary=",
                                                            "multipart/form-data; boundary=x", "application/json"])}),
        lambda: s.post(gallery, files={"object": (rng.choice(["", "a.png"]), rng.choice(junk))}),
        lambda: s.get(f"{gallery}/{''.join(rng.choice('abc%./_-~') for _ in range(rng.randrange(1, 80)))}"),
        lambda: s.request(rng.choice(["PATCH", "DELETE", "OPTIONS", "POST"]), f"{gallery}/{doc}"),
        lambda: requests.get(f"{gallery}/{doc}", headers={"Authorization": rng.choice(["", "Bearer", "x" * 300])}),
        lambda: s.get(engine.url(rng.choice(["/", "/teams", "/teams/you/gallery", "/_engine"]))),
    ]
    for _ in range(1000):
        r = rng.choice(makers)()
        assert 400 <= r.status_code < 500, (r.request.method, r.request.url, r.status_code)
        assert r.headers["content-type"].startswith("application/json")
        assert set(r.json()) == {"code"}
    assert engine.get(doc)["data"]["faces"] == face_doc["data"]["faces"]


def test_four_clients_fifty_concurrent_requests_each(engine, face_doc, tiny_png):
    doc = face_doc["id"]

    def client(n: int) -> list[int]:
        with requests.Session() as s:
            s.headers["Authorization"] = engine.config.api_keys[0]
            with concurrent.futures.ThreadPoolExecutor(10) as pool:
                futures = []
                for i in range(50):
                    kind = i % 5
                    if kind == 0:
                        futures.append(pool.submit(s.post, engine.url("/teams/me/gallery"),
                                                   files={"object": ("t.png", tiny_png)}))
                    elif kind == 1:
                        futures.append(pool.submit(s.put, engine.url(f"/teams/me/gallery/{doc}/faces/0"),
                                                   json={"move": "smile", "param": round(0.1 * (n * 50 + i) % 9, 2)}))
                    else:
                        futures.append(pool.submit(s.get, engine.url(f"/teams/me/gallery/{doc}")))
                return [f.result().status_code for f in futures]

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        statuses = [code for codes in pool.map(client, range(4)) for code in codes]
    assert len(statuses) == 200 and set(statuses) == {200}
