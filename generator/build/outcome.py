"""What a build is asked (BuildOptions), what it answers (BuildResult), and what
`salon serve` keeps of it between builds (BuildMemory)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from generator.build.output_set import WriteReport
from generator.core.errors import Problem

if TYPE_CHECKING:
    from generator.build.anchors import ReservedIds
    from generator.build.engagement import SearchWork
    from generator.build.execute import PageRenderer
    from generator.build.plan import Planner
    from generator.build.site import SiteModel


@dataclass(frozen=True)
class BuildOptions:
    drafts: bool = False
    future: bool = False
    now: datetime | None = None  # fixed in tests; the real time otherwise
    jobs: int | None = None  # worker processes for rendering; None: one per core
    progress: Callable[[str, int, int], None] | None = None  # (stage, done, total)
    search_later: bool = False  # leave the search step to the caller (BuildResult.search)
    output: Path | None = None  # another folder than output/ (`--output`, `serve --drafts`)
    base_url: str | None = None  # another base_url than site.yaml's (`--base-url`)
    strict: bool = False  # every warning is an error: nothing is written while there are any


@dataclass(frozen=True)
class BuildResult:
    report: WriteReport
    posts: int
    pages: int
    drafts_held: int
    future_held: int
    warnings: tuple[Problem, ...]
    seconds: float  # the build's own time, the search step left out
    timings: dict[str, float] = field(default_factory=dict)
    search: SearchWork | None = None  # the search step, when it is needed (run unless later)
    notes: tuple[str, ...] = ()  # worth saying once, not warnings: printed by a full build

    def summary(self) -> str:
        held = []
        if self.drafts_held:
            held.append(f"{self.drafts_held} draft{'s' if self.drafts_held != 1 else ''}")
        if self.future_held:
            held.append(f"{self.future_held} scheduled")
        held_text = f", held back: {' and '.join(held)}" if held else ""
        return (
            f"Built {count_of(self.posts, 'post')} and {count_of(self.pages, 'page')}: "
            f"{self.report.written} files written, {self.report.unchanged} unchanged, "
            f"{self.report.removed} removed{held_text}, "
            f"{len(self.warnings)} warning{'s' if len(self.warnings) != 1 else ''}, "
            f"in {self.seconds:.2f} s{self._search_text()}"
        )

    def _search_text(self) -> str:
        search = self.search
        if search is None or not search.done:
            return ""
        return (
            f"; search index of {count_of(search.records, 'page')} made in {search.seconds:.2f} s"
        )


@dataclass
class BuildMemory:
    """What `salon serve` keeps from its last good build to preview an edit at once."""

    renderer: PageRenderer | None = None
    planner: Planner | None = None
    model: SiteModel | None = None
    rendered_at: datetime | None = None
    reserved_ids: ReservedIds | None = None  # the theme's, which headings give way to


def count_of(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
