"""`python -m builder` is the same as the `slm-survey` console script."""
import sys

from builder.cli import main

sys.exit(main())
