"""The one exception type for errors a user can cause (bad path, bad file, bad option).

The CLI catches it once and prints its message on one line; anything else is a bug.
"""


class LenetEdgeError(Exception):
    """A user-facing error: its message is one clear line."""
