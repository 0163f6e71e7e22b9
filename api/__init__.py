"""skillsim: Chinese vocational-skills subsidy policies as code, and what they cost.

The installed import name is ``skillsim``; its parts are ``skillsim.policies`` (the
calculators), ``skillsim.simulate`` (scenarios, runs, metrics, the command line) and
``skillsim.dashboard``. This module is the public Python API (docs/api.md).
"""
from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("skillsim")
except PackageNotFoundError:  # run from a source tree without installing
    __version__ = "0+unknown"

__all__ = ["__version__"]
