"""The skillsim dashboard: `skillsim dashboard` (or `streamlit run dashboard/app.py`).

The language switch lives here, above the navigation, so every page reads the same
choice from ``st.session_state["lang"]``; each page is a script of its own under views/
(not pages/, which Streamlit would list by itself).

Every page keeps its state in the link: the page is the link's path, its widgets are bound to
the query (``bind="query-params"``: only values other than a widget's default appear), so
opening a link reproduces the view, and a page left and come back to is as it was.
"""
from pathlib import Path

import streamlit as st

from skillsim.dashboard.labels import LANGS, TEXT, t

PAGES = Path(__file__).resolve().parent / "views"   # not "pages": streamlit would list that folder itself

st.set_page_config(page_title="skillsim", layout="wide")
# phone width (390 px): a widget's label wraps instead of running off the screen (streamlit keeps
# it on one line); charts reflow by their own width (charts.py), tables scroll in their own box
st.html("<style>@media (max-width: 640px) { [data-testid=stWidgetLabel] [data-testid=stMarkdownContainer],"
        " [data-testid=stWidgetLabel] p { white-space: normal !important; overflow-wrap: anywhere; } }</style>")
# bound to the link (?lang=English): a reload or a shared link keeps the language on every page;
# labelled in both (drawn before the link's language is read, and found by a reader of either)
st.sidebar.radio(" · ".join(TEXT["language"]), list(LANGS), format_func=LANGS.get, horizontal=True, key="lang",
                 bind="query-params")
st.sidebar.caption(t("app_title"))
st.navigation([
    st.Page(PAGES / "tiers.py", title=t("page_tiers"), url_path="tiers", default=True),
    st.Page(PAGES / "compare.py", title=t("page_compare"), url_path="compare"),
    st.Page(PAGES / "explain.py", title=t("page_explain"), url_path="explain"),
    st.Page(PAGES / "reform.py", title=t("page_reform"), url_path="reform"),
    st.Page(PAGES / "cashflow.py", title=t("page_cashflow"), url_path="cashflow"),
    st.Page(PAGES / "sweep.py", title=t("page_sweep"), url_path="sweep"),
    st.Page(PAGES / "glossary.py", title=t("page_glossary"), url_path="glossary"),
]).run()
