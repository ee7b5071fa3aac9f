"""``python -m vnflag.cli``: the same as the ``vnflag`` command."""

import sys

from . import main

sys.exit(main())
