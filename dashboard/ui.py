"""What every page shares: readable errors instead of tracebacks, downloads, policy names."""
from __future__ import annotations

import csv
import io
import json
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import polars as pl
import streamlit as st

from skillsim.policies import ContractError, ParameterError, PolicyError, UnknownPolicy, get_policy
from skillsim.simulate.report import OutputError, skillsim_version
from skillsim.simulate.scenario import ScenarioError

from . import glossary
from .labels import t

# Bad input of any kind: shown as one line, never as a traceback, after a lead-in in the chosen
# language saying what kind of input it was (the line itself as the contract or loader words it).
LEAD_INS = ((ContractError, "err_claim"), (ParameterError, "err_parameter"), (PolicyError, "err_policy"),
            (UnknownPolicy, "err_unknown_policy"), (ScenarioError, "err_scenario"), (OutputError, "err_output"))
EXPECTED = tuple(kind for kind, _ in LEAD_INS)


def one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def error_line(exc: BaseException) -> str:
    """An expected error as its one line, after the lead-in of its kind."""
    key = next(key for kind, key in LEAD_INS if isinstance(exc, kind))
    return t(key, msg=one_line(exc))


@contextmanager
def shown_errors() -> Iterator[None]:
    """Run a block; an expected error becomes an ``st.error`` and the page goes on below it."""
    try:
        yield
    except EXPECTED as exc:
        st.error(error_line(exc))


ABOUT = "_about"     # session state: what the current page shows (ui.header resets it, ui.about adds)


def about(**facts: Any) -> None:
    """Record what the page shows (scenario, seed, size, replications, parameters changed …):
    every download of this run of the page starts with it."""
    st.session_state.setdefault(ABOUT, {}).update(facts)


def csv_bytes(frame: pl.DataFrame, facts: dict[str, Any]) -> bytes:
    """A download: ``# key,value`` lines saying what it shows, then the table as CSV (UTF-8 with
    BOM, so Excel reads Chinese). Readers skip the lines with a comment prefix
    (``pl.read_csv(..., comment_prefix="#")``, pandas ``comment="#"``); Excel shows them above
    the table, the value in the second column."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    for k, v in facts.items():
        w.writerow([f"# {k}", v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str)])
    return ("\ufeff" + out.getvalue() + frame.write_csv()).encode("utf-8")


def download(frame: pl.DataFrame, name: str, key: str) -> None:
    """A CSV of exactly what the table or chart above shows, headed by what it shows (``about``:
    the version, the page, the language and the page's own facts: the runs it reads, the
    scenario, seed, size, replications and parameters changed)."""
    facts = {"skillsim": skillsim_version(), "language": st.session_state.get("lang", "zh"),
             **st.session_state.get(ABOUT, {})}
    st.download_button(t("download"), csv_bytes(frame, facts), file_name=f"{name}.csv",
                       mime="text/csv", key=key, on_click="ignore")


@contextmanager
def progress_bar(what: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar while work runs: ``what``, replications done of all, and the time left
    estimated from those done; gone when the work ends. Yields the runner's ``progress(done, total)``."""
    box = st.empty()
    start = time.perf_counter()
    box.progress(0.0, text=t("progress_start", what=what))

    def update(done: int, total: int, since: float | None = None) -> None:
        # since: when the run began, where it began before this bar (the server's start-up run)
        left = (time.perf_counter() - (since or start)) / done * (total - done) if done else 0.0
        box.progress(done / max(total, 1), text=t("progress", what=what, done=done, total=total, left=f"{left:.0f}"))

    try:
        yield update
    finally:
        box.empty()


def policy_label(pid: str) -> str:
    """The official document number and title, as the document writes them."""
    m = get_policy(pid).meta
    return f"{m.document} {m.title}"


def short_label(pid: str) -> str:
    """The document number and id; the id alone for a policy not registered here (an output
    folder written where a plug-in was installed)."""
    try:
        m = get_policy(pid).meta
    except UnknownPolicy:
        return pid
    return f"{m.document} ({pid})"


def header(page_key: str, intro_key: str) -> None:
    """The page's title and what it does; starts the record of what the page shows."""
    st.session_state[ABOUT] = {"page": page_key.removeprefix("page_")}
    st.header(t(page_key))
    st.caption(t(intro_key))
    if glossary.PAGES.get(page_key, (None, ()))[1]:      # how to read it, and the terms it uses
        glossary.how_to_read(page_key)
