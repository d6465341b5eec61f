"""``python -m redloop.platform.http [--host --port --recommender]``."""

from .server import main

raise SystemExit(main())
