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


def start_precomputing() -> None:
    """Begin computing the ready scenarios not yet in the disk cache, in the background, at
    the dashboard's sizes: the baselines first (the pages' default views), then the rest. A
    visitor who comes before one is done waits for what is left of it, with the progress bar."""
    from skillsim.simulate import scenario

    from .cache import precompute
    from .cli import forced_sizes

    ready = scenario.ready_scenarios()
    ordered = sorted(ready, key=lambda n: not n.endswith("-baseline"))   # stable: baselines, then the rest
    precompute(ordered, *forced_sizes())


def main(argv: list[str]) -> int:
    preload()
    start_precomputing()
    from streamlit.web import cli
    return cli.main(["run", *argv], prog_name="streamlit", standalone_mode=False) or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
