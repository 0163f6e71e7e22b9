"""The process ``skillsim dashboard`` starts: load what every page needs, then run streamlit.

A page's first run on a fresh server would otherwise spend ~2 s importing polars, altair,
the simulator and the policies and reading the registry and the ready scenarios; done here,
before the server answers, the first view of any page only reads its (disk-cached) figures
(dashboard/cache.py).

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


def main(argv: list[str]) -> int:
    preload()
    from streamlit.web import cli
    return cli.main(["run", *argv], prog_name="streamlit", standalone_mode=False) or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
