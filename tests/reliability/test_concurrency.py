"""Must-have 6: 4 clients x 50 concurrent requests (GET, PUT, upload) against one engine, with no
retries allowed: every request is answered, none with a 5xx or "database is locked"."""

from __future__ import annotations

import asyncio
import io
from collections import Counter

from PIL import Image

import gp_widgets as gp

from .conftest import blob_problems, db_rows, engine_stats, record_figures, status_counts


def small_png(i: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (48, 40), (i * 37 % 256, i * 91 % 256, i * 13 % 256)).save(buf, format="PNG")
    return buf.getvalue()


async def test_four_clients_fifty_concurrent_requests_each(engines, tmp_path, portrait_small) -> None:
    data_dir = tmp_path / "engine"
    engine = engines(data_dir=data_dir, workers=2)
    setup = gp.AsyncClient(api_key=engine.api_key, base_url=engine.base_url)
    doc = await setup.wait_for_faces(await setup.upload(portrait_small), timeout=30)
    await setup.aclose()

    # max_retries=0: a 500/503 or a dropped answer would surface instead of being retried away
    clients = [gp.AsyncClient(api_key=engine.api_key, base_url=engine.base_url, max_retries=0, timeout=60)
               for _ in range(4)]

    def requests_of(c: int, client: gp.AsyncClient) -> list:
        out = []
        for i in range(50):
            kind = i % 5
            if kind in (0, 1):
                out.append(("GET", client.get(doc)))
            elif kind in (2, 3):  # clients overlap on purpose: the same edit from several clients
                out.append(("PUT", client.edit(doc, "smile" if i % 2 else "age", round((i % 10) / 5 - 1, 2), 0)))
            else:
                out.append(("POST", client.upload(small_png(c * 50 + i), f"c{c}-{i}.png")))
        return out

    jobs = [job for c, client in enumerate(clients) for job in requests_of(c, client)]
    results = await asyncio.wait_for(asyncio.gather(*(coro for _, coro in jobs), return_exceptions=True), 90)
    failures = [(kind, repr(r)) for (kind, _), r in zip(jobs, results, strict=True) if isinstance(r, BaseException)]
    assert not failures, failures[:5]
    assert all(isinstance(r, gp.GalleryItem) for r in results)
    kinds = Counter(kind for kind, _ in jobs)

    # the same edit gave the same variant id whichever client asked
    puts = [r for (kind, _), r in zip(jobs, results, strict=True) if kind == "PUT"]
    by_request = {}
    for item in puts:
        key = (item.raw["data"]["move"], item.raw["data"]["param"])
        by_request.setdefault(key, set()).add(item.id)
    assert all(len(ids) == 1 for ids in by_request.values())
    # each variant is written after its PUT was answered: the files are checked once every one is done
    made = {item.id: item for item in puts}
    await asyncio.gather(*(clients[0].wait(item, timeout=120) for item in made.values()))

    for client in clients:
        await client.aclose()
    by_status = status_counts(engine_stats(engine))
    assert not [s for s in by_status if s >= 500 or s < 0], by_status
    uploads = db_rows(data_dir, "SELECT COUNT(*) AS n FROM items WHERE kind='upload'")[0]["n"]
    assert uploads == 1 + kinds["POST"]
    assert blob_problems(data_dir) == []
    record_figures("concurrency", requests=len(jobs), answered=len(results) - len(failures),
                   **{k.lower(): v for k, v in kinds.items()}, distinct_variants=len(by_request),
                   engine_statuses=dict(by_status))
