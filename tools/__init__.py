"""Developer tools of the repository (not installed with skillsim): `python -m tools.mutate`."""
