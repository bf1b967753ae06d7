"""Entry point of `python -m chaoslab`."""

import sys

from chaoslab.cli import main

sys.exit(main())
