"""What every page shares: readable errors instead of tracebacks, downloads, policy names."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import polars as pl
import streamlit as st

from skillsim.policies import ContractError, ParameterError, PolicyError, UnknownPolicy, get_policy
from skillsim.simulate.report import OutputError
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


def download(frame: pl.DataFrame, name: str, key: str) -> None:
    """A CSV of exactly what the table or chart above shows (UTF-8 with BOM, so Excel reads Chinese)."""
    st.download_button(t("download"), ("\ufeff" + frame.write_csv()).encode("utf-8"), file_name=f"{name}.csv",
                       mime="text/csv", key=key, on_click="ignore")


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
    """The page's title, its one-line intro and its "How to read this page" (glossary.PAGES)."""
    st.header(t(page_key))
    st.caption(t(intro_key))
    if glossary.PAGES.get(page_key, (None, ()))[1]:      # how to read it, and the terms it uses
        glossary.how_to_read(page_key)
