"""`python3 -m mnnq SRC DST CONFIG`: the same as the `mnnquant` command."""

import sys

from .cli import main

sys.exit(main())
