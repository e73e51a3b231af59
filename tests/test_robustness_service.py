"""The comment service over a real server on loopback, under what once gave a 500 or hung
it: lone surrogates and huge numbers in JSON, a full disk (503 with Retry-After, and
/health saying why), and slow clients that trickle their headers."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.core.config import load_config
from generator.service import server as service_server
from tests.disk_faults import Filler, small_disk
from tests.service_support import (
    Client,
    Moderator,
    ServiceServer,
    comment_fields,
    make_site,
    set_password,
    store_of,
)

UNAVAILABLE = (
    "The comment service cannot save anything right now (its storage is unavailable). "
    "Nothing was saved; please try again in a few minutes."
)


@pytest.fixture
def running(tmp_path: Path) -> Iterator[ServiceServer]:
    with ServiceServer(make_site(tmp_path / "site")) as server:
        yield server


def post_raw(client: Client, body: str) -> tuple[int, dict[str, str]]:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    reply = client.request("POST", "/api/comments", body, headers)
    return reply.status, reply.json()


@pytest.mark.parametrize("field", ["post", "parent", "name", "body", "token", "email"])
def test_a_lone_surrogate_in_any_json_field_is_a_400(running: ServiceServer, field: str) -> None:
    fields = comment_fields()
    body = "{" + ", ".join(
        f'"{key}": ' + ('"x\\ud800"' if key == field else f'"{value}"')
        for key, value in fields.items()
    ) + "}"  # fmt: skip

    status, answer = post_raw(running.client(), body)

    assert (status, answer) == (
        400, {"error": f'The field "{field}" holds a lone surrogate escape; send real text.'}
    )  # fmt: skip


@pytest.mark.parametrize(
    ("body", "number"),
    [
        ('{"post": "hello", "n": ' + "7" * 5000 + "}", "777777777777… is too large (5000"),
        ('{"post": [1, ' + "9" * 5000 + "]}", "999999999999… is too large (5000"),
        ('{"post": 1e999}', "1e999 is too large (5"),
    ],
    ids=["huge-int", "huge-in-a-list", "infinite-float"],
)
def test_a_huge_number_anywhere_in_the_json_is_a_400(
    running: ServiceServer, body: str, number: str
) -> None:
    status, answer = post_raw(running.client(), body)
    assert (status, answer) == (
        400,
        {"error": f"The request body is not valid JSON: the number {number} characters); "
                  "numbers here are small."},
    )  # fmt: skip


def test_nan_is_not_json(running: ServiceServer) -> None:
    status, answer = post_raw(running.client(), '{"post": NaN}')
    assert (status, answer) == (
        400, {"error": "The request body is not valid JSON: NaN is not a JSON value."}
    )  # fmt: skip


def test_a_name_that_draws_nothing_is_refused(running: ServiceServer) -> None:
    reply = running.client().post_json(comment_fields(name="\u200b\u2060\u3164"))
    assert (reply.status, reply.json()) == (400, {"errors": {"name": "Please enter your name."}})


# -- a full disk ---------------------------------------------------------------------------


def test_a_full_disk_is_a_503_with_retry_after_and_health_says_so(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk", "4m") as disk:
        config = make_site(disk / "site", service="rate_per_minute: 1000\nrate_per_hour: 1000")
        set_password(config)
        with ServiceServer(config) as server:
            client = server.client()
            moderator = Moderator(client)
            assert moderator.login().status == 303
            first = client.post_json(comment_fields(body="Before the disk filled up."))
            assert first.status == 201
            assert client.get("/health").json()["store"] == "ok"
            filler = Filler(disk)
            filler.fill()

            health = client.get("/health")
            reply = client.post_json(comment_fields(body="While the disk is full."))
            form = client.post_form(comment_fields(body="While the disk is full, by form."))
            approve = moderator.act("approve", [first.json()["id"]])

            assert health.status == 503
            assert health.json()["status"] == "error"
            assert health.json()["store"].startswith("unwritable: the disk is full (")
            assert health.headers["retry-after"] == "60"
            for answer in (reply, form, approve):
                assert answer.status == 503
                assert answer.headers["retry-after"] == "60"
            assert reply.json() == {"error": UNAVAILABLE}
            assert form.text == UNAVAILABLE + "\n"

            filler.free()
            assert client.get("/health").status == 200
            again = client.post_json(comment_fields(body="After some space was freed."))
            assert again.status == 201
        with store_of(load_config(config.root)) as store:
            bodies = sorted(c.body for c in store.list_comments())
        assert bodies == ["After some space was freed.", "Before the disk filled up."]


# -- slow clients ------------------------------------------------------------------------


def test_slow_clients_neither_block_health_nor_stay_connected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service_server, "HEADER_SECONDS", 1.0)
    monkeypatch.setattr(service_server, "REQUEST_SECONDS", 3.0)
    slow: list[socket.socket] = []
    with ServiceServer(make_site(tmp_path / "site")) as server:
        try:
            for _ in range(150):  # more than waitress's default limit of 100 connections
                sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
                sock.sendall(b"G")
                slow.append(sock)
            started = time.monotonic()
            health = server.client().get("/health")
            took = time.monotonic() - started
            assert health.status == 200
            assert took < 2.0, f"/health took {took:.1f} s behind slow clients"
            # One byte a while keeps waitress's idle timeout away; the header deadline does not.
            deadline = time.monotonic() + 6
            closed = 0
            for sock in slow:
                sock.settimeout(max(deadline - time.monotonic(), 0.1))
                try:
                    sock.sendall(b"E")
                    closed += sock.recv(1) == b""
                except (ConnectionError, TimeoutError, OSError):
                    closed += 1
            assert closed == len(slow), f"only {closed} of {len(slow)} slow clients were cut off"
        finally:
            for sock in slow:
                sock.close()


def test_a_slow_body_is_cut_off_after_the_request_deadline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service_server, "HEADER_SECONDS", 1.0)
    monkeypatch.setattr(service_server, "REQUEST_SECONDS", 2.0)
    with ServiceServer(make_site(tmp_path / "site")) as server:
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        try:
            sock.sendall(b"POST /api/comments HTTP/1.1\r\nHost: x\r\nContent-Type: "
                         b"application/json\r\nContent-Length: 1000\r\n\r\n{")  # fmt: skip
            started = time.monotonic()
            answer = b""
            while time.monotonic() - started < 8:
                try:
                    sock.sendall(b" ")
                except OSError:
                    break
                sock.settimeout(0.5)
                try:
                    chunk = sock.recv(100)
                except TimeoutError:
                    continue
                if not chunk:
                    break
                answer += chunk
            assert time.monotonic() - started < 5
            assert answer == b""
        finally:
            sock.close()
