"""The in-order reading of a policy's population caps, written plainly (one claim at a time).

Each person's claims are taken in order of application (ties: the larger amount as
evaluated alone, then row order); each is decided as ``explain`` decides one claim, its
prior_subsidies being its own plus the person's earlier claims that were paid, each as
``Policy.as_prior`` makes it. ``Policy.population_caps`` must give the same results (its
caps.in_order does this in rounds, fast); a cap by group (per enterprise, per project)
is beyond this reading, so the kit's populations keep such groups small."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from skillsim.policies import claims_frame
from skillsim.policies.engine import collect

if TYPE_CHECKING:
    from skillsim.policies import ParameterSet, Policy

RESULT = ("status", "amount_cny", "deciding_rule")


def _jsonable(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in item.items()}


def in_order_oracle(policy: "Policy", claims: list[dict[str, Any]], p: "ParameterSet") -> list[tuple]:
    """(status, amount_cny, deciding_rule) of each claim, in the claims' order."""
    alone = collect(policy.evaluate(claims_frame(claims), p, detail="amounts"))["amount_cny"].to_list()
    queues: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(claims):
        queues[c["person_id"]].append(i)
    for q in queues.values():
        q.sort(key=lambda i: (claims[i]["application_date"], -alone[i], i))
    paid: dict[str, list[dict[str, Any]]] = defaultdict(list)
    out: list[tuple] = [()] * len(claims)
    for k in range(max(map(len, queues.values()), default=0)):   # every person's k-th claim
        step = [q[k] for q in queues.values() if len(q) > k]
        rows = [{**claims[i], "prior_subsidies": list(claims[i].get("prior_subsidies") or [])
                 + paid[claims[i]["person_id"]]} for i in step]
        ev = collect(policy.evaluate(claims_frame(rows), p, detail="amounts"))
        items = ev.select(policy.as_prior(p).alias("item"))["item"].to_list()
        for i, r, item in zip(step, ev.iter_rows(named=True), items):
            out[i] = tuple(r[f] for f in RESULT)
            if r["status"] == "eligible" and item is not None:
                paid[claims[i]["person_id"]].append(_jsonable(item))
    return out
