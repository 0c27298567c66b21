"""``python -m reelcart.batch``: one job process (the job spec arrives on stdin)."""

import sys

from .child import job_main

sys.exit(job_main())
