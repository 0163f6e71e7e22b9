"""tools/reference.py: the reference population a mutant is judged equivalent on reaches each
policy's limits (boundary claims from its parameters) and an odd-amount parameter variant."""
import json
from pathlib import Path

from skillsim.policies.claim_schema import CITIES
from tools import reference

from .conftest import BJ, BJ_BASE, SH, SH_BASE

ROOT = Path(__file__).resolve().parent.parent


def _boundaries(pid, base):
    return reference.boundaries(pid, [base])


def test_boundary_claims_sit_on_each_limit_of_the_parameters():
    got = _boundaries(BJ, {**BJ_BASE, "registered_unemployed": False, "employment": "unemployed",
                           "graduate_years": 1.0})
    assert {c["graduate_years"] for c in got} >= {1, 2, 3}                    # graduate_window_years ± 1
    assert {c["application_date"] for c in got} >= {"2026-02-13", "2026-02-14", "2026-02-15"}  # notice_effective
    assert {c["cert_issue_date"] for c in got} >= {"2027-12-31", "2028-01-01"}  # issue_window_end, gaps kept
    # application_window_years: the application one year after the issue day, ± 1 day
    assert {c["application_date"] for c in got if c["cert_issue_date"] == "2026-03-01"} >= {
        "2027-02-28", "2027-03-01", "2027-03-02"}
    assert {c["cert_issuer_city"] for c in got} == set(CITIES)  # every choice (registered jurisdictions too)
    assert len({c["person_id"] for c in got}) == len(got)                     # alone: no cap between them


def test_boundary_claims_come_from_paid_claims_only():
    assert _boundaries(BJ, {**BJ_BASE, "cert_issuer_city": "other"}) == []     # not paid: no seed


def test_odd_variant_makes_amounts_odd_and_rates_fractional():
    odd = reference.odd_overrides(SH)
    assert odd["base_amounts"]["B"]["3"] == 2701 and odd["rate_employed_pct"] == 80.5
    assert all(v % 2 for v in odd["base_amounts"]["A"].values())
    assert reference.odd_overrides(BJ)["special_ability_amounts"] == {"A": 1201, "B": 801}


def test_results_differ_under_the_odd_variant():
    ref = {"claims": {SH: [SH_BASE]}, "odd": {SH: reference.odd_overrides(SH)}}
    res = reference.results(ref)
    base, odd = (json.loads(res[k]["single"][0])["amount_cny"] for k in (SH, SH + reference.ODD))
    assert (base, odd) == (2700, 2715)          # 2701 × 100.5 % = 2714.505: a rounding shows
    assert reference.first_difference(res, res) is None
