"""`python -m slo`: regenerate the SLO rules (see slo/generate.py)."""

import sys

from slo.generate import main

sys.exit(main())
