"""Everything the service's handlers share, made once by create_app."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from generator.contract.posts_manifest import PostIndex
from generator.core.config import SiteConfig
from generator.service.actions import open_store
from generator.service.like_desk import LikeDesk
from generator.service.ratelimit import Limit, RateLimiter
from generator.service.reader_pages import ReaderPages
from generator.service.sessions import SessionStore
from generator.service.store import CommentStore
from generator.service.tokens import FormTokens, Signer, SpentTokens, derive_key
from generator.service.web import normalise_origin

MANIFEST = Path(".salon") / "posts.json"
DEFAULT_ENDPOINT = "/api/comments"
# Failed logins allowed from one address: a few typos, never a dictionary.
LOGIN_FAILURES = (Limit(5, 15 * 60), Limit(20, 24 * 3600))
LOGIN_FORM_SECONDS = 2 * 3600  # a login page left open longer must be reloaded


def endpoint_path(config: SiteConfig) -> str:
    """The path part of comments.endpoint, where the intake listens."""
    path = urlsplit(config.comments.endpoint).path.rstrip("/")
    return path if path.startswith("/") else DEFAULT_ENDPOINT


class StorePool:
    """One store connection per server thread (SQLite connections are not shared)."""

    def __init__(self, config: SiteConfig, clock: Callable[[], float]) -> None:
        self.config = config
        self.clock = clock
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[CommentStore] = []

    def get(self) -> CommentStore:
        store: CommentStore | None = getattr(self._local, "store", None)
        if store is None:
            store = open_store(self.config, clock=self.now)
            self._local.store = store
            with self._lock:
                self._all.append(store)
        return store

    def now(self) -> datetime:
        """The service's clock as the store stamps times with it."""
        return datetime.fromtimestamp(self.clock(), UTC)

    def close_all(self) -> None:
        with self._lock:
            for store in self._all:
                store.close()
            self._all.clear()


@dataclass(frozen=True)
class ServiceState:
    config: SiteConfig
    clock: Callable[[], float]
    stores: StorePool
    posts: PostIndex
    form_tokens: FormTokens
    login_tokens: Signer
    spent_tokens: SpentTokens
    intake_limits: RateLimiter
    login_limits: RateLimiter
    sessions: SessionStore
    pages: ReaderPages
    endpoint: str
    site_origin: str | None
    # Taken around "is it a duplicate? then store it", so two copies sent at once
    # cannot both pass the check. SQLite serialises writes anyway; this costs nothing.
    intake_lock: threading.Lock
    likes: LikeDesk
    search_limits: RateLimiter

    @classmethod
    def create(cls, config: SiteConfig, clock: Callable[[], float]) -> ServiceState:
        stores = StorePool(config, clock)
        secret = stores.get().secret()
        posts = PostIndex(config.root / MANIFEST)
        rules = config.comments.service
        max_age = rules.max_form_age_hours * 3600
        return cls(
            config=config,
            clock=clock,
            stores=stores,
            posts=posts,
            form_tokens=FormTokens(derive_key(secret, "form"), rules.min_seconds, max_age),
            login_tokens=Signer(derive_key(secret, "login")),
            spent_tokens=SpentTokens(max_age + 3600),
            intake_limits=RateLimiter(
                [Limit(rules.rate_per_minute, 60), Limit(rules.rate_per_hour, 3600)]
            ),
            login_limits=RateLimiter(LOGIN_FAILURES),
            sessions=SessionStore(rules.session_hours * 3600),
            pages=ReaderPages(config, posts),
            endpoint=endpoint_path(config),
            site_origin=normalise_origin(config.base_url),
            intake_lock=threading.Lock(),
            likes=LikeDesk(config, secret, max_age),
            search_limits=RateLimiter([Limit(30, 60), Limit(600, 3600)]),
        )

    def now(self) -> float:
        return self.clock()
