"""Policy timeline: `skillsim policies --city beijing --date D` lists the policies that govern a certificate
issued on D (PolicyMeta.governs over certificates_from … certificates_until), with their status."""
import datetime as dt
import json

import pytest

from skillsim.policies import get_policy
from skillsim.simulate.cli import main

SA, HS, PT, KG = ("beijing-2019-skills-action", "beijing-2026-high-skill-training",
                  "beijing-2025-project-training-draft", "beijing-2026-key-groups")


def listed(capsys, *args) -> dict[str, dict]:
    assert main(["policies", "--format", "json", *args]) == 0
    return {r["id"]: r for r in json.loads(capsys.readouterr().out)}


@pytest.mark.parametrize("date, ids", [
    # the 2019 plan; a technician certificate of 2019 also qualifies its holder for the 2026 programme
    ("2018-12-31", {HS}),
    ("2019-01-01", {SA, HS}),
    ("2019-06-01", {SA, HS}),
    ("2021-12-31", {SA, HS}),
    ("2022-01-01", {HS}),
    ("2025-03-31", {PT, HS}),
    ("2025-04-01", {PT, HS, KG}),
    ("2026-06-01", {PT, HS, KG}),
    ("2027-01-01", {PT, KG}),
    ("2027-12-31", {PT, KG}),
])
def test_beijing_timeline(capsys, date, ids):
    assert set(listed(capsys, "--city", "beijing", "--date", date)) == ids


def test_nothing_governs_after_2027(capsys):
    assert main(["policies", "--format", "json", "--city", "beijing", "--date", "2028-01-01"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == [] and "no encoded policy governs a certificate issued on 2028-01-01" in err


def test_timeline_rows_show_status_document_and_payee(capsys):
    rows = listed(capsys, "--city", "beijing")
    assert {SA, HS, PT, KG} <= set(rows)
    assert (rows[SA]["status"], rows[SA]["document"], rows[SA]["payee"]) == ("expired", "京政办发〔2019〕18号", "several")
    assert rows[SA]["certificates"] == "2019-01-01 … 2021-12-31"
    assert (rows[HS]["status"], rows[HS]["document"], rows[HS]["payee"]) == ("in force", "京人社就促字〔2026〕9号", "host")
    assert rows[HS]["certificates"] == " … 2026-12-31"
    assert (rows[PT]["status"], rows[PT]["year"]) == ("draft", 2025)
    assert "shanghai-2025-skills-upgrade" not in rows


def test_governs_matches_each_policys_own_window():
    """The metadata window agrees with the dates the calculators themselves check."""
    sa, pt = get_policy(SA), get_policy(PT)
    assert (sa.meta.certificates_from, sa.meta.certificates_until) == (sa.parameters["plan_start"],
                                                                       sa.parameters["plan_end"])
    assert (pt.meta.certificates_from, pt.meta.certificates_until) == (pt.parameters["action_from"],
                                                                       pt.parameters["action_until"])
    hs = get_policy(HS)
    assert hs.meta.certificates_from is None and hs.meta.governs(dt.date(2010, 1, 1))
    assert not hs.meta.governs(dt.date(2027, 1, 1))
