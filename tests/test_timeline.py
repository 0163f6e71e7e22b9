"""Policy timeline: `skillsim policies --city beijing --date D` shows the one policy that governs a
certificate issued on D (simulate/governing.py: among those whose certificate window holds D, not a
draft unless nothing else, then the shortest window, then the latest), with the others that also cover
D in also_covering; without --date, every policy with its windows."""
import datetime as dt
import json

import pytest

from skillsim.policies import get_policy
from skillsim.simulate.cli import main

SA, HS, PT, KG = ("beijing-2019-skills-action", "beijing-2026-high-skill-training",
                  "beijing-2025-project-training-draft", "beijing-2026-key-groups")
SH = "shanghai-2025-skills-upgrade"


def listed(capsys, *args) -> dict[str, dict]:
    assert main(["policies", "--format", "json", *args]) == 0
    return {r["id"]: r for r in json.loads(capsys.readouterr().out)}


@pytest.mark.parametrize("date, governs, also", [
    # HS's window is open below (a technician certificate of any earlier year qualifies for the 2026
    # programme), so it covers every day to 2026-12-31, but a bounded window is more specific
    ("2018-12-31", HS, []),
    ("2019-01-01", SA, [HS]),
    ("2019-06-01", SA, [HS]),
    ("2021-12-31", SA, [HS]),
    ("2022-01-01", HS, []),
    ("2024-12-31", HS, []),
    ("2025-01-01", HS, [PT]),  # the draft governs only where nothing else covers the day
    ("2025-03-31", HS, [PT]),
    ("2025-04-01", KG, [HS, PT]),  # KG's window (to 2027-12-31) is shorter than the draft's
    ("2026-12-31", KG, [HS, PT]),
    ("2027-01-01", KG, [PT]),
    ("2027-12-31", KG, [PT]),
])
def test_beijing_timeline(capsys, date, governs, also):
    rows = listed(capsys, "--city", "beijing", "--date", date)
    assert list(rows) == [governs] and rows[governs]["also_covering"] == also


@pytest.mark.parametrize("date, governs", [("2025-04-30", None), ("2025-05-01", SH), ("2028-04-30", SH),
                                           ("2028-05-01", None)])
def test_shanghai_timeline(capsys, date, governs):
    assert list(listed(capsys, "--city", "shanghai", "--date", date)) == ([governs] if governs else [])


def test_nothing_governs_after_2027(capsys):
    assert main(["policies", "--format", "json", "--city", "beijing", "--date", "2028-01-01"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == [] and "no encoded beijing policy governs a certificate issued on 2028-01-01" in err


def test_timeline_rows_show_status_document_and_payee(capsys):
    rows = listed(capsys, "--city", "beijing")
    assert {SA, HS, PT, KG} <= set(rows)
    assert (rows[SA]["status"], rows[SA]["document"], rows[SA]["payee"]) == ("expired", "京政办发〔2019〕18号", "several")
    assert (rows[SA]["certificates_from"], rows[SA]["certificates_until"]) == ("2019-01-01", "2021-12-31")
    assert (rows[HS]["status"], rows[HS]["document"], rows[HS]["payee"]) == ("in force", "京人社就促字〔2026〕9号", "host")
    assert (rows[HS]["certificates_from"], rows[HS]["certificates_until"]) == (None, "2026-12-31")
    assert (rows[PT]["status"], rows[PT]["year"]) == ("draft", 2025)
    assert SH not in rows


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
