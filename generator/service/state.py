"""Everything the service's handlers share, made once by create_app."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from generator.contract.posts_manifest import PostIndex
from generator.core.config import SiteConfig
from generator.core.urls import url_parts
from generator.service.actions import open_store
from generator.service.like_desk import LikeDesk
from generator.service.notify import Notifier
from generator.service.ratelimit import Limit, RateLimiter
from generator.service.reader_pages import ReaderPages
from generator.service.sessions import SessionStore
from generator.service.shared_state import SharedState
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
    path = url_parts(config.comments.endpoint).path.rstrip("/")
    return path if path.startswith("/") else DEFAULT_ENDPOINT


class StorePool:
    """One store connection per server thread (SQLite connections are not shared)."""

    def __init__(
        self, config: SiteConfig, clock: Callable[[], float],
        after_change: Callable[[], None] | None = None,
    ) -> None:  # fmt: skip
        self.config = config
        self.clock = clock
        self.after_change = after_change
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[CommentStore] = []

    def get(self) -> CommentStore:
        store: CommentStore | None = getattr(self._local, "store", None)
        if store is not None and store.db.broken:  # PostgreSQL restarted, the network dropped
            self.discard()
            store = None
        if store is None:
            store = open_store(self.config, clock=self.now)
            store.after_change = self.after_change
            self._local.store = store
            with self._lock:
                self._all.append(store)
        return store

    def discard(self) -> None:
        """Forget this thread's connection (it failed); the next get() opens another."""
        store: CommentStore | None = getattr(self._local, "store", None)
        if store is None:
            return
        self._local.store = None
        with self._lock:
            if store in self._all:
                self._all.remove(store)
        with contextlib.suppress(Exception):
            store.close()

    def shared(self) -> SharedState:
        """This thread's view of the state every instance shares."""
        return self.get().shared

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
    likes: LikeDesk
    search_limits: RateLimiter

    @classmethod
    def create(
        cls, config: SiteConfig, clock: Callable[[], float],
        after_change: Callable[[], None] | None = None,
    ) -> ServiceState:  # fmt: skip
        stores = StorePool(config, clock, after_change)
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
            spent_tokens=SpentTokens(max_age + 3600, stores.shared),
            intake_limits=RateLimiter(
                "intake",
                [Limit(rules.rate_per_minute, 60), Limit(rules.rate_per_hour, 3600)],
                stores.shared,
            ),
            login_limits=RateLimiter("login", LOGIN_FAILURES, stores.shared),
            sessions=SessionStore(rules.session_hours * 3600, stores.shared),
            pages=ReaderPages(config, posts),
            endpoint=endpoint_path(config),
            site_origin=normalise_origin(config.base_url),
            likes=LikeDesk(config, secret, max_age, stores.shared, after_change),
            search_limits=RateLimiter("search", [Limit(30, 60), Limit(600, 3600)], stores.shared),
        )

    def now(self) -> float:
        return self.clock()

    def notifier(self, store: CommentStore) -> Notifier:
        """What tells people about changes, with the links' key from the store's secret."""
        return Notifier.of(self.config, store.secret())
