"""The fixed statistical settings, in a module that imports nothing: the CLI shows them in its help
without loading numpy or pandas (building the parser runs for every command, ``--help`` included)."""

from __future__ import annotations

ALPHA = 0.05
N_BOOT = 2000
SEED = 20251202  # the date of the call; any fixed number would do
POWER = 0.8  # the conventional target power
DISCORDANCE = (0.1, 0.2, 0.3, 0.4)  # plausible shares of items on which two models disagree
