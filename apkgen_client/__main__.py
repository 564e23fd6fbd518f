"""``python -m apkgen_client`` = ``apkgen``."""

import sys

from apkgen_client.cli import main

sys.exit(main())
