"""`python -m dealerbot` is the same as the `dealerbot` command."""

import sys

from dealerbot.cli import main

sys.exit(main())
