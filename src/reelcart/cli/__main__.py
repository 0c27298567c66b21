"""``python -m reelcart.cli``: the same as the ``reelcart`` command."""

import sys

from . import main

sys.exit(main())
