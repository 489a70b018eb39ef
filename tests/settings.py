"""Node settings for the test suite: a throwaway data directory, unless one is given."""

import os
import tempfile

os.environ.setdefault("CONFEDERAL_DATA_DIR", tempfile.mkdtemp(prefix="confederal-test-"))

from confederal.node.settings import *  # noqa: F403

# Real password hashing is slow on purpose; tests create many accounts.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
