"""`python -m autosent` is the `autosent` command."""

import sys

from autosent.cli import main

sys.exit(main())
