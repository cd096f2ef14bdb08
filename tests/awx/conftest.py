"""Makes the helpers next to the AWX tests importable (tests/awx is not a package)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
