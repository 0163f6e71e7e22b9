"""One import name. The repository keeps its top-level folders (the project's design names
them); installed, they are parts of the `skillsim` package, so skillsim owns no generic
top-level names such as `policies`. api/ is `skillsim` itself (the public Python API);
scenarios/ and examples/ ship as package data. Everything else is in pyproject.toml.

Editable installs should use setuptools' strict mode (`-C editable_mode=strict`, as the
Makefile does): a tree of links under build/ that type checkers and editors resolve."""
from setuptools import find_packages, setup

CODE = ("policies", "simulate", "dashboard")
DATA = ("scenarios", "examples")

package_dir = {"skillsim": "api", **{f"skillsim.{d}": d for d in CODE + DATA}}
packages = ["skillsim", *(f"skillsim.{sub}" for sub in find_packages("api")),  # skillsim.testing
            *(f"skillsim.{d}" for d in CODE + DATA),
            *(f"skillsim.{d}.{sub}" for d in CODE for sub in find_packages(d))]

setup(package_dir=package_dir, packages=packages)
