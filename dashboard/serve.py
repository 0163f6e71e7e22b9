"""The process ``skillsim dashboard`` starts: load what every page needs, then run streamlit.

A page's first run on a fresh server would otherwise spend ~2 s importing polars, altair,
the simulator and the policies and reading the registry and the ready scenarios; done here,
before the server answers, the first view of any page only reads its (disk-cached) figures
(dashboard/cache.py). The ready scenarios not yet on disk start computing in the background
at once, so a first visitor on an empty cache waits only for what is left of them.

    python -m skillsim.dashboard.serve APP.py [streamlit run options ...]
"""
from __future__ import annotations

import sys
import threading
from typing import Any


def preload() -> None:
    """Import the pages' modules and read the registry and the ready scenarios once (the
    modules stay loaded; streamlit's own caches fill on the first run)."""
    from skillsim.dashboard import (cache, charts, data, figures, formats, labels,  # noqa: F401
                                    parameter_inputs, person, ui)
    from skillsim.policies import all_policies
    from skillsim.simulate import scenario

    all_policies()
    for name in scenario.ready_scenarios():
        scenario.load(name)
    cache.code_digest()


def expected_claims(scen: Any) -> float:
    """A run's rough cost: each population's people × its certificate take-up (1 where it draws
    its claims otherwise, a task table), × replications."""
    take_up = lambda p: (getattr(p, "a", {}).get("certificate_take_up") or {}).get("value", 1.0)  # noqa: E731
    return scen.replications * sum(p.size * take_up(p) for p in scen.populations)


def precompute_order(names: list[str], size: int | None, replications: int | None) -> list[str]:
    """The baselines first (the pages' default views: Compare, Cash flow, Reform), then the rest
    smallest first by ``expected_claims``, so the large lifetime scenarios come last (at the
    default sizes Shanghai's lifetime run is 41 million, the baselines 0.6–13.7 million)."""
    from skillsim.simulate import scenario

    from .cache import resized
    cost = {n: expected_claims(resized(scenario.load(n), size, replications)) for n in names}
    marked = set(scenario.baselines())
    return sorted(names, key=lambda n: (n not in marked, cost[n], n))


def start_precomputing() -> threading.Thread | None:
    """Begin computing the ready scenarios not yet in the disk cache, in the background, at
    the dashboard's sizes, in ``precompute_order``. A visitor who comes before one is done waits
    for what is left of it, with the progress bar. Off where ``skillsim dashboard
    --no-precompute`` (or SKILLSIM_DASHBOARD_PRECOMPUTE=0) says so: the tests' servers."""
    from skillsim.simulate import scenario

    from .cache import precompute
    from .cli import forced_sizes, precomputing

    if not precomputing():
        return None
    sizes = forced_sizes()
    return precompute(precompute_order(scenario.ready_scenarios(), *sizes), *sizes)


def main(argv: list[str]) -> int:
    preload()
    start_precomputing()
    from streamlit.web import cli
    return cli.main(["run", *argv], prog_name="streamlit", standalone_mode=False) or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
