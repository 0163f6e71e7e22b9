"""The skillsim dashboard: `skillsim dashboard` (or `streamlit run dashboard/app.py`).

The language switch lives here, above the navigation, so every page reads the same
choice from ``st.session_state["lang"]``; each page is a script of its own under views/
(not pages/, which Streamlit would list by itself).
"""
from pathlib import Path

import streamlit as st

from skillsim.dashboard.labels import LANGS, t

PAGES = Path(__file__).resolve().parent / "views"   # not "pages": streamlit would list that folder itself

st.set_page_config(page_title="skillsim", layout="wide")
st.sidebar.radio(t("language"), list(LANGS), format_func=LANGS.get, horizontal=True, key="lang")
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
