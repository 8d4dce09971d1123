"""`python -m agent_client` and the zipapp's entry point."""

import sys

from agent_client.cli import main

sys.exit(main())
