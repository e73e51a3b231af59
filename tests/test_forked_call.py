"""pools.ForkedCall: a job in a process forked at once, its answer read later; an error
is raised in the parent, a child that dies gives no answer (the caller does the work),
and a build that fails first leaves no child running."""

from __future__ import annotations

import os
import signal
import time

import pytest

from generator.build.pools import ForkedCall
from generator.core.errors import SiteError


def test_the_answer_comes_from_the_child() -> None:
    parent = os.getpid()
    call = ForkedCall(lambda: (os.getpid() != parent, [1, 2, 3]))
    assert call.result() == (True, [1, 2, 3])


def _fails() -> None:
    raise SiteError.at("broken", "comments.json", 3)


def test_an_error_in_the_child_is_raised_in_the_parent() -> None:
    with pytest.raises(SiteError, match=r"comments\.json:3: broken"):
        ForkedCall(_fails).result()


def test_a_child_that_dies_gives_no_answer() -> None:
    assert ForkedCall(lambda: os.kill(os.getpid(), signal.SIGKILL)).result() is None


def test_stop_ends_a_child_still_at_work() -> None:
    call = ForkedCall(lambda: time.sleep(60))
    started = time.perf_counter()
    call.stop()
    assert time.perf_counter() - started < 10
    assert not call._process.is_alive()


def test_a_site_error_crosses_processes_whole() -> None:
    import pickle

    from generator.core.errors import Problem

    error = SiteError([Problem("one", "a.md", 1), Problem("two", "b.md")])
    again = pickle.loads(pickle.dumps(error))
    assert again.problems == error.problems
    assert str(again) == str(error)
