"""`partial_cached`: a partial rendered once per build for the same variables.

A listing shows each essay's summary, and an essay is on six listings or so (home,
each tag, its category, its year, its month): at 5,000 essays, 34,000 summaries were
rendered for 5,000 different ones. A theme asks for one to be kept with
``{{ partial_cached("partials/summary.html", entry=entry, listing=true) }}`` instead of
``{% include "partials/summary.html" %}``.

A kept partial sees the site, the environment's globals and the variables it is given,
nothing of the page it is on: what it shows is a function of those only, so it can be
reused on any page. Variables are told apart by value (text, numbers) or by identity
(the site model's objects, which live as long as the build). A partial that reads
anything else (an older theme's, reading `page`) is rendered with the whole page's
variables instead, every time, as `include` would.

What of an entry's rendered Markdown a kept partial read (body_reads.py) counts for
every page that shows it, as if each had rendered it.
"""

from __future__ import annotations

from typing import Any

import jinja2
from markupsafe import Markup

from generator.build import body_reads

GLOBAL = "partial_cached"
_PLAIN = (str, int, float, bool, type(None))


class PartialCache:
    """The `partial_cached` global of one build's environment."""

    def __init__(self, env: jinja2.Environment) -> None:
        self.env = env
        # (template, variables) -> (the HTML, its body reads, the variables kept alive,
        # so that no other object takes the id of one in a key)
        self.made: dict[tuple[Any, ...], tuple[Markup, tuple[body_reads.Read, ...], Any]] = {}
        self.uncached: set[str] = set()  # partials that read more than their variables

    def clear(self) -> None:
        self.made.clear()
        self.uncached.clear()

    @jinja2.pass_context
    def __call__(self, context: jinja2.runtime.Context, name: str, **variables: Any) -> Markup:
        if name in self.uncached:
            return self._whole(context, name, variables)
        # By type and value (1 and True print apart), or by identity.
        key = (name, *sorted((k, type(v).__name__, v if isinstance(v, _PLAIN) else id(v))
                             for k, v in variables.items()))  # fmt: skip
        found = self.made.get(key)
        if found is not None:
            body_reads.replay(found[1])
            return found[0]
        template = self.env.get_template(name)
        own = {"site": context.get("site"), **variables}
        html: Markup | None = None
        outer = body_reads.set_apart()
        try:
            html = Markup(template.render(own))
        except jinja2.UndefinedError:
            pass  # it reads what it was not given
        finally:
            reads = body_reads.rejoin(outer)  # whatever happened: the page's reads go on
        if html is None:
            self.uncached.add(name)
            return self._whole(context, name, variables)
        self.made[key] = (html, reads, variables)
        return html

    def _whole(
        self, context: jinja2.runtime.Context, name: str, variables: dict[str, Any]
    ) -> Markup:
        """As `include` renders it: with every variable of the page."""
        return Markup(self.env.get_template(name).render({**context.get_all(), **variables}))


def install_partial_cache(env: jinja2.Environment) -> None:
    env.globals[GLOBAL] = PartialCache(env)


def clear_partials(env: jinja2.Environment) -> None:
    """Forget what was kept: the next pages may show other objects of the same ids."""
    cache = env.globals.get(GLOBAL)
    if isinstance(cache, PartialCache):
        cache.clear()
