"""Glossary: what the dashboard's terms mean (dashboard/glossary.py, both languages), and the
tiers and classes each policy declares."""
import streamlit as st

from skillsim.dashboard import glossary, ui
from skillsim.dashboard.labels import t

ui.header("page_glossary", "glossary_intro")
st.dataframe(glossary.table(), hide_index=True, key="glossary_table")
st.markdown(f"**{glossary.term('tier_class')}**")
st.markdown("\n".join(f"- {line}" for line in glossary.tiers_of_the_policies()))
ui.download(glossary.table(), f"skillsim-glossary-{t('language')}", "glossary_download")
