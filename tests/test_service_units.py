"""The comment service's parts: tokens, rate limits, sessions, spam rules, validation,
the post manifest and origins. No server needed (shared state on a real SQLite store)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from generator.contract.posts_manifest import (
    ManifestError,
    PostIndex,
    PostInfo,
    SiteLook,
    parse_manifest,
    parse_site_look,
    serialise_manifest,
)
from generator.core.config import ServiceConfig
from generator.core.models import CommentStatus
from generator.service.ratelimit import Limit, RateLimiter
from generator.service.sessions import MAX_SESSIONS, Flash, SessionStore
from generator.service.shared_state import SharedState
from generator.service.spam import assess, blocked_words_in, count_links
from generator.service.store import CommentStore
from generator.service.tokens import (
    FormTokens,
    Signer,
    SpentTokens,
    TokenCheck,
    TokenVerdict,
    derive_key,
)
from generator.service.validation import (
    RequestProblem,
    decode_body,
    normalise_website,
    read_submission,
)
from generator.service.web import normalise_origin, rate_key

KEY = derive_key(b"\x01" * 32, "form")
NOW = 1_780_000_000.0

# -- tokens ----------------------------------------------------------------------------------


def test_a_token_is_valid_for_its_post_between_the_limits() -> None:
    tokens = FormTokens(KEY, min_seconds=3, max_age_seconds=3600)
    token = tokens.issue("hello", NOW)
    assert tokens.check(token, "hello", NOW + 3).check is TokenCheck.VALID
    assert tokens.check(token, "hello", NOW + 3600).check is TokenCheck.VALID
    assert tokens.check(token, "hello", NOW + 2.9).check is TokenCheck.TOO_FAST
    assert tokens.check(token, "hello", NOW + 3601).check is TokenCheck.EXPIRED
    assert tokens.check(token, "other", NOW + 5).check is TokenCheck.FORGED
    assert tokens.check("", "hello", NOW).check is TokenCheck.MISSING
    verdict = tokens.check(token, "hello", NOW + 10)
    assert verdict.age == pytest.approx(10, abs=0.001)
    assert verdict.nonce == token.split(".")[1]


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
        lambda t: "1" + t,
        lambda t: t.replace(".", "", 1),
        lambda t: t + ".x",
        lambda t: "zz." + t.split(".", 1)[1],
        lambda t: "<script>",
    ],
)
def test_a_changed_token_is_forged(mangle: object) -> None:
    tokens = FormTokens(KEY, 0, 3600)
    token = tokens.issue("hello", NOW)
    assert tokens.check(mangle(token), "hello", NOW + 5).check is TokenCheck.FORGED  # type: ignore[operator]


def test_a_token_from_the_future_or_another_key_is_forged() -> None:
    tokens = FormTokens(KEY, 0, 3600)
    assert tokens.check(tokens.issue("p", NOW + 120), "p", NOW).check is TokenCheck.FORGED
    assert tokens.check(tokens.issue("p", NOW + 30), "p", NOW).check is TokenCheck.VALID
    other = FormTokens(derive_key(b"\x01" * 32, "login"), 0, 3600)
    assert other.check(tokens.issue("p", NOW), "p", NOW + 1).check is TokenCheck.FORGED


def test_signer_reports_the_age() -> None:
    signer = Signer(KEY)
    verdict = signer.open(signer.issue("login", NOW), "login", NOW + 42)
    assert verdict == TokenVerdict(TokenCheck.VALID, pytest.approx(42, abs=0.001), verdict.nonce)


@pytest.fixture
def shared(tmp_path: Path) -> Iterator[Callable[[], SharedState]]:
    """The shared state of a real store (SQLite here; test_shared_state.py runs both)."""
    with CommentStore.open(tmp_path / "store.sqlite3") as store:
        yield lambda: store.shared


def test_spent_tokens_are_claimed_once_until_they_expire(
    shared: Callable[[], SharedState],
) -> None:
    spent = SpentTokens(ttl_seconds=100, shared=shared)
    assert spent.claim("abc", NOW)
    assert not spent.claim("abc", NOW + 50)
    assert spent.claim("abc", NOW + 101)


def test_spent_tokens_stay_bounded(shared: Callable[[], SharedState]) -> None:
    spent = SpentTokens(ttl_seconds=1, shared=shared)
    for n in range(600):
        spent.claim(f"n{n}", NOW + n)
    (count,) = shared().db.execute("SELECT count(*) FROM spent_tokens").fetchone()
    assert count < 300  # expired nonces are swept as new ones come


# -- rate limits -----------------------------------------------------------------------------


def test_the_limiter_counts_a_sliding_window(shared: Callable[[], SharedState]) -> None:
    limiter = RateLimiter("intake", [Limit(2, 60)], shared)
    assert limiter.hit("a", 0) is None
    assert limiter.hit("a", 10) is None
    assert limiter.hit("a", 20) == 40
    assert limiter.hit("b", 20) is None  # another key, its own count
    assert limiter.hit("a", 59.5) == 1
    assert limiter.hit("a", 60) is None
    assert limiter.hit("a", 61) == 9


def test_the_longest_wait_of_several_limits_wins(shared: Callable[[], SharedState]) -> None:
    limiter = RateLimiter("intake", [Limit(5, 60), Limit(6, 3600)], shared)
    for n in range(6):
        assert limiter.hit("a", n * 61) is None
    assert limiter.retry_after("a", 400) == 3600 - 400


def test_hit_and_reset(shared: Callable[[], SharedState]) -> None:
    limiter = RateLimiter("login", [Limit(1, 900)], shared)
    assert limiter.retry_after("ip", 0) is None
    assert limiter.hit("ip", 0) is None
    assert limiter.retry_after("ip", 1) == 899
    limiter.reset("ip")
    assert limiter.retry_after("ip", 1) is None


def test_idle_keys_are_forgotten(shared: Callable[[], SharedState]) -> None:
    limiter = RateLimiter("intake", [Limit(1, 10)], shared)
    for n in range(2048):
        limiter.hit(f"key{n}", n)
    (count,) = shared().db.execute("SELECT count(*) FROM rate_hits").fetchone()
    assert count < 300


# -- sessions --------------------------------------------------------------------------------


def test_sessions_expire_and_end(shared: Callable[[], SharedState]) -> None:
    sessions = SessionStore(lifetime_seconds=100, shared=shared)
    session_id, session = sessions.create(NOW)
    assert sessions.get(session_id, NOW + 99) == session
    assert sessions.get(session_id, NOW + 100) is None
    assert sessions.get(session_id, NOW) is None  # forgotten once expired
    other_id, _ = sessions.create(NOW)
    sessions.end(other_id)
    assert sessions.get(other_id, NOW) is None
    assert sessions.get("made-up", NOW) is None
    assert sessions.get(None, NOW) is None


def test_flash_is_shown_once(shared: Callable[[], SharedState]) -> None:
    sessions = SessionStore(100, shared)
    session_id, _ = sessions.create(NOW)
    sessions.set_flash(session_id, Flash("Done.", (("a", "pending"),)))
    assert sessions.pop_flash(session_id) == Flash("Done.", (("a", "pending"),))
    assert sessions.pop_flash(session_id) is None


def test_old_sessions_make_way(shared: Callable[[], SharedState]) -> None:
    sessions = SessionStore(100, shared)
    first, _ = sessions.create(NOW)
    for n in range(MAX_SESSIONS):
        sessions.create(NOW + n + 1)
    assert sessions.count(NOW + 50) == MAX_SESSIONS
    assert sessions.get(first, NOW + 50) is None


def test_the_session_table_holds_no_cookie_value(shared: Callable[[], SharedState]) -> None:
    sessions = SessionStore(100, shared)
    session_id, _ = sessions.create(NOW)
    keys = [row[0] for row in shared().db.execute("SELECT key FROM sessions")]
    assert keys and session_id not in keys


# -- spam rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "links"),
    [
        ("no links here", 0),
        ("https://a.example", 1),
        ("[text](https://a.example) and <http://b.example>", 2),
        ("www.example.org and mailto:x@y.example", 2),
        ("HTTPS://A.EXAMPLE ftp://f.example", 2),
        ("an email a@www.example.org is not a link", 0),
    ],
)
def test_count_links(text: str, links: int) -> None:
    assert count_links(text) == links


def test_blocked_words_match_whole_words_case_blind() -> None:
    words = ("casino", "cheap pills", "c1al1s!", " ")
    assert blocked_words_in(["CASINO night"], words) == ["casino"]
    assert blocked_words_in(["occasional"], words) == []
    assert blocked_words_in(["Cheap  pills"], words) == []
    assert blocked_words_in(["buy c1al1s! now"], words) == ["c1al1s!"]


RULES = ServiceConfig(max_links=1, blocked_words=("casino",))
FINE = TokenVerdict(TokenCheck.VALID, 10.0, "n")


def judge(**changes: object) -> tuple[CommentStatus, tuple[str, ...]]:
    facts: dict[str, object] = {"body": "Hello there", "name": "Ann", "email": "", "website": "",
                                "honeypot": "", "token": FINE, "token_reused": False,
                                "known_email": False, "rules": RULES}  # fmt: skip
    facts.update(changes)
    result = assess(**facts)  # type: ignore[arg-type]
    return result.status, result.reasons


def test_assess() -> None:
    assert judge() == (CommentStatus.PENDING, ())
    assert judge(honeypot="x") == (CommentStatus.SPAM, ("honeypot field filled in",))
    no_token = "no form token (JavaScript off, or not sent from the page)"
    assert judge(token=TokenVerdict(TokenCheck.MISSING)) == (CommentStatus.PENDING, (no_token,))
    assert judge(token_reused=True) == (CommentStatus.SPAM, ("form token used before",))
    assert judge(body="https://a.example https://b.example", website="https://casino.example") == (
        CommentStatus.PENDING, ("2 links (more than 1)", 'blocked word "casino"'))  # fmt: skip
    assert judge(honeypot="x", body="casino") == (
        CommentStatus.SPAM, ("honeypot field filled in", 'blocked word "casino"'))  # fmt: skip
    assert judge(known_email=True) == (CommentStatus.PENDING, ())  # off unless configured
    auto = ServiceConfig(auto_approve_known=True)
    assert judge(known_email=True, rules=auto) == (CommentStatus.APPROVED, ())
    assert judge(known_email=True, rules=auto, token=TokenVerdict(TokenCheck.MISSING))[0] is (
        CommentStatus.PENDING)  # fmt: skip


# -- validation ------------------------------------------------------------------------------


def test_decode_a_form() -> None:
    fields = decode_body(
        "application/x-www-form-urlencoded", None,
        b"name=Ann+B&body=caf%C3%A9%0D%0Ax&name=second&extra=1",
    )  # fmt: skip
    assert fields == {"name": "Ann B", "body": "café\r\nx", "extra": "1"}


def test_decode_json_keeps_only_known_text_fields() -> None:
    body = b'{"name": "Ann", "body": "hi", "parent": null, "junk": [1]}'
    assert decode_body("application/json", "UTF-8", body) == {"name": "Ann", "body": "hi"}


@pytest.mark.parametrize(
    ("mimetype", "charset", "data", "status"),
    [
        ("text/plain", None, b"x", 415),
        ("", None, b"x", 415),
        ("application/json", "iso-8859-1", b"{}", 415),
        ("application/json", None, b"\xff", 400),
        ("application/json", None, b'"just a string"', 400),
        ("application/json", None, b'{"body": 5}', 400),
    ],
)
def test_decode_refuses(mimetype: str, charset: str | None, data: bytes, status: int) -> None:
    with pytest.raises(RequestProblem) as caught:
        decode_body(mimetype, charset, data)
    assert caught.value.status == status


def test_read_submission_cleans_the_text() -> None:
    submission, errors = read_submission({
        "post": " hello ", "name": "  Ann\u202e\x00  Lee ", "email": " ann@x.example ",
        "website": "ann.example", "body": "\r\n  Line one\r\nLine two\x07  \n",
        "homepage": "", "token": " t ",
    })  # fmt: skip
    assert errors == {}
    assert submission.post == "hello"
    assert submission.name == "Ann Lee"
    assert submission.email == "ann@x.example"
    assert submission.website == "https://ann.example"
    assert submission.body == "Line one\nLine two"
    assert submission.token == "t"


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("example.org", "https://example.org"),
        ("www.example.org/path?q=1", "https://www.example.org/path?q=1"),
        ("http://example.org", "http://example.org"),
        ("javascript:alert(1)", "javascript:alert(1)"),
        ("not a url", "not a url"),
        ("", ""),
    ],
)
def test_normalise_website(typed: str, kept: str) -> None:
    assert normalise_website(typed) == kept


# -- manifest --------------------------------------------------------------------------------


def test_parse_manifest() -> None:
    posts = parse_manifest(
        '{"version": 1, "posts": {"k": {"title": "T", "url": "/k/", "open": true}}}'
    )
    assert posts == {"k": PostInfo("k", "T", "/k/", True)}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not valid JSON (Expecting property name enclosed in double quotes at line 1)"),
        ('{"version": 2, "posts": {}}', "expected version 1 of the post manifest"),
        ('{"version": 1, "posts": []}', 'expected "posts" to be an object'),
        (
            '{"version": 1, "posts": {"k": {"title": "T"}}}',
            'post "k": expected title, url and open',
        ),
    ],
)
def test_parse_manifest_errors(text: str, message: str) -> None:
    with pytest.raises(ManifestError) as caught:
        parse_manifest(text)
    assert str(caught.value) == message


def test_the_manifest_reads_back_what_it_writes() -> None:
    posts = [PostInfo("ünï", "Tïtle “q”", "/2025/ünï/", True), PostInfo("b", "B", "/b/", False)]
    look = SiteLook((("Home", "/"), ("Über", "/uber/")), "/assets/style.1a2b.css", "/a/s.js")
    data = serialise_manifest(posts, look)
    assert data.startswith(b'{"version":1,"posts":{"\xc3\xbcn\xc3\xaf":{')  # UTF-8, compact
    assert parse_manifest(data.decode()) == {p.key: p for p in posts}
    assert parse_site_look(data.decode()) == look


def test_post_index_reloads_on_change(tmp_path: Path) -> None:
    (tmp_path / ".salon").mkdir()
    path = tmp_path / ".salon" / "posts.json"
    index = PostIndex(path)
    with pytest.raises(ManifestError) as caught:
        index.posts()
    assert str(caught.value) == (
        "the site's list of essays (.salon/posts.json) is missing; run `salon build`"
    )
    assert index.find("k") is None
    path.write_text('{"version": 1, "posts": {"k": {"title": "T", "url": "/k/", "open": true}}}')
    assert index.find("k") == PostInfo("k", "T", "/k/", True)
    path.write_text('{"version": 1, "posts": {"k": {"title": "T2", "url": "/k/", "open": false}}}')
    assert index.find("k") == PostInfo("k", "T2", "/k/", False)


# -- origins and addresses -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://Example.org/path?q", "https://example.org"),
        ("https://example.org:443", "https://example.org"),
        ("http://127.0.0.1:8000/x", "http://127.0.0.1:8000"),
        ("http://[::1]:8001/", "http://[::1]:8001"),
        ("ftp://example.org", None),
        ("null", None),
        ("https://", None),
        ("http://example.org:99999", None),
    ],
)
def test_normalise_origin(url: str, origin: str | None) -> None:
    assert normalise_origin(url) == origin


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        ("", "unknown"),
        ("not-an-ip", "not-an-ip"),
    ],
)
def test_rate_key(address: str, key: str) -> None:
    assert rate_key(address) == key


def test_reader_pages_look_like_the_built_site() -> None:
    from generator.contract.posts_manifest import SiteLook, parse_site_look

    text = (
        '{"version": 1, "posts": {}, "site": {"nav": [{"title": "About", "url": "/about/"}],'
        ' "css_url": "/assets/style.css?v=abc", "js_url": "/assets/salon.js?v=def"}}'
    )
    assert parse_site_look(text) == SiteLook(
        (("About", "/about/"),), "/assets/style.css?v=abc", "/assets/salon.js?v=def"
    )
    assert parse_site_look('{"version": 1, "posts": {}}') == SiteLook()
