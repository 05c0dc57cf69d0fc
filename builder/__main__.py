"""`python -m builder` is the same as the `slm-survey` console script."""
from builder.cli import run

run()
