"""Glossary: what the dashboard's terms mean (dashboard/glossary.py, both languages), and the
tiers and classes each policy declares."""
import streamlit as st

from skillsim.dashboard import glossary, ui
from skillsim.dashboard.labels import t

ui.header("page_glossary", "glossary_intro")
# a static table: the definitions wrap and are read whole (a dataframe's cells cut them at the column's width)
st.table(glossary.table().to_pandas().set_index(t("term")))
st.markdown(f"**{glossary.term('tier_class')}**")
st.markdown("\n".join(f"- {line}" for line in glossary.tiers_of_the_policies()))
ui.download(glossary.table(), f"skillsim-glossary-{t('language')}", "glossary_download")
