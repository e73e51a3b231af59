"""Several service processes on one store behave as one: three on one PostgreSQL
database, two on one SQLite file. A login on one is valid on the others (and after a
restart), a rate limit counts across them, a token spent on one is spent everywhere,
and no comment is lost or duplicated when readers post to all of them at once."""

from __future__ import annotations

import json
import multiprocessing
import time
from pathlib import Path

import pytest

from generator.core.config import SiteConfig, load_config
from tests.service_support import (
    Client,
    Moderator,
    comment_fields,
    make_site,
    set_password,
    store_of,
)
from tests.test_service_server import ServiceProcess, post_many, start_service

__all__ = ["start_service"]  # the fixture, used by name


@pytest.fixture(params=["sqlite", "postgresql"])
def instances(request: pytest.FixtureRequest) -> int:
    return 2 if request.param == "sqlite" else 3


def site_for(tmp_path: Path, request: pytest.FixtureRequest, service: str) -> SiteConfig:
    store = ""
    if request.node.callspec.params["instances"] == "postgresql":
        store = f"store: {request.getfixturevalue('postgres_url')}"
    return make_site(tmp_path / "site", service=service, comments=store)


def start_all(start_service: object, config: SiteConfig, count: int) -> list[ServiceProcess]:
    return [start_service(config) for _ in range(count)]  # type: ignore[operator]


def test_a_login_on_one_instance_is_valid_on_all_and_survives_a_restart(
    tmp_path: Path, request: pytest.FixtureRequest, instances: int, start_service: object
) -> None:
    config = site_for(tmp_path, request, "")
    set_password(config)
    services = start_all(start_service, config, instances)
    moderator = Moderator(Client(services[0].port))
    assert moderator.login().status == 303
    for service in services:
        page = Client(service.port).get("/moderate", headers={"Cookie": moderator.cookie})
        assert page.status == 200 and 'name="csrf"' in page.text, service.port
    # A restart signs nobody out.
    assert services[0].stop() == 0
    again = start_service(config)  # type: ignore[operator]
    page = Client(again.port).get("/moderate", headers={"Cookie": moderator.cookie})
    assert page.status == 200 and 'name="csrf"' in page.text
    # Logging out on one ends the session on every other.
    other = Moderator(Client(services[-1].port))
    other.cookie = moderator.cookie
    other.page("/moderate")
    assert other.post("/moderate/logout", {}).status == 303
    page = Client(again.port).get("/moderate", headers={"Cookie": moderator.cookie})
    assert page.status == 303 and "/moderate/login" in page.headers["location"]


def test_a_rate_limit_counts_across_instances(
    tmp_path: Path, request: pytest.FixtureRequest, instances: int, start_service: object
) -> None:
    config = site_for(tmp_path, request, "rate_per_minute: 4\nmin_seconds: 0")
    services = start_all(start_service, config, instances)
    statuses = []
    for n in range(6):
        client = Client(services[n % len(services)].port)
        statuses.append(client.post_json(comment_fields(body=f"Comment number {n}.")).status)
    assert statuses == [201, 201, 201, 201, 429, 429]


def test_a_token_spent_on_one_instance_is_spent_on_all(
    tmp_path: Path, request: pytest.FixtureRequest, instances: int, start_service: object
) -> None:
    config = site_for(tmp_path, request, "min_seconds: 0")
    services = start_all(start_service, config, instances)
    token = Client(services[0].port).token()
    ids = []
    for n, service in enumerate(services):
        fields = comment_fields(body=f"The same token, use {n}.")
        fields["token"] = token
        reply = Client(service.port).post_json(fields)
        assert reply.status == 201
        ids.append(reply.json()["id"])
    with store_of(load_config(config.root)) as store:
        held = [store.get(cid).held_because for cid in ids]
    assert held[0] == ""
    assert held[1:] == ["form token used before"] * (instances - 1)


def _round_robin(args: tuple[list[int], int, int]) -> list[tuple[str, int, str]]:
    ports, worker, count = args
    return post_many(ports[worker % len(ports)], worker, count)


@pytest.mark.slow
def test_no_comment_is_lost_when_readers_post_to_every_instance(
    tmp_path: Path, request: pytest.FixtureRequest, instances: int, start_service: object
) -> None:
    config = site_for(
        tmp_path, request, "rate_per_minute: 1000000\nrate_per_hour: 1000000\nmin_seconds: 0"
    )
    set_password(config)
    services = start_all(start_service, config, instances)
    ports = [s.port for s in services]
    workers, per_worker = 6, 60
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        batches = pool.map(_round_robin, [(ports, w, per_worker) for w in range(workers)])
    sent = [item for batch in batches for item in batch]
    refused = [item for item in sent if item[1] not in (201, 303)]
    assert refused == [], refused[:3]
    with store_of(load_config(config.root)) as store:
        rows = store.db.execute("SELECT id, body FROM comments").fetchall()
    bodies = [body for _, body in rows]
    assert len(rows) == workers * per_worker == len(set(bodies))
    assert {body for body, _, _ in sent} == set(bodies)
    # Approve everything on one instance: every instance's feed (one file here) shows it.
    moderator = Moderator(Client(ports[-1]))
    assert moderator.login().status == 303
    ids = [str(cid) for cid, _ in rows]
    for start in range(0, len(ids), 100):
        assert moderator.act("approve", ids[start : start + 100]).status == 303
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        feed = json.loads(config.feed_path.read_text(encoding="utf-8"))
        if len(feed["comments"]) == len(ids):
            break
        time.sleep(0.1)
    assert len(feed["comments"]) == len(ids)
    for service in services:
        assert service.stop() == 0
        assert " 500 " not in service.log()


def test_the_service_rides_out_lost_postgresql_connections(
    tmp_path: Path, postgres_url: str, start_service: object
) -> None:
    """Every connection cut (PostgreSQL restarted, the network dropped): answers are 503
    with "nothing was saved" or 201, never a 500, and the service reconnects by itself."""
    import psycopg

    config = make_site(tmp_path / "site", service="min_seconds: 0\nrate_per_minute: 1000",
                       comments=f"store: {postgres_url}")  # fmt: skip
    service = start_service(config)  # type: ignore[operator]
    client = Client(service.port)
    for n in range(8):  # a connection on most of the server's threads
        assert client.post_json(comment_fields(body=f"Before the cut, {n}.")).status == 201
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid != pg_backend_pid()"
        )
    statuses = [
        client.post_json(comment_fields(body=f"After the cut, {n}.")).status for n in range(20)
    ]
    assert set(statuses) <= {201, 503}, statuses
    assert statuses[-4:] == [201] * 4
    with store_of(load_config(config.root)) as store:
        stored = store.count()
    assert stored == 8 + statuses.count(201)
    assert service.stop() == 0
    assert "internal error" not in service.log()


def test_64_wrong_passwords_at_once_get_no_more_checks_than_the_limit(
    tmp_path: Path, request: pytest.FixtureRequest, instances: int, start_service: object
) -> None:
    """Sent together to every instance: exactly the limit (5 in 15 minutes) are checked
    and refused as wrong; every other one is throttled without a check."""
    from concurrent.futures import ThreadPoolExecutor
    from urllib.parse import urlencode

    from tests.service_support import login_token

    config = site_for(tmp_path, request, "")
    set_password(config)
    services = start_all(start_service, config, instances)
    clients = [Client(s.port) for s in services]
    tokens = [login_token(clients[n % len(clients)].get("/moderate/login")) for n in range(64)]

    def guess(n: int) -> int:
        client = clients[n % len(clients)]
        return client.request(
            "POST", "/moderate/login", urlencode({"csrf": tokens[n], "password": f"guess {n}"}),
            {"Content-Type": "application/x-www-form-urlencoded", "Origin": client.origin},
        ).status  # fmt: skip

    with ThreadPoolExecutor(64) as pool:
        statuses = list(pool.map(guess, range(64)))
    assert statuses.count(403) == 5
    assert statuses.count(429) == 59
