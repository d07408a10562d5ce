"""The few errors newsrag raises on purpose; the edges turn them into one-line messages."""


class NewsragError(Exception):
    """Base class: a problem the user can fix, with a message fit to show them."""


class InputError(NewsragError):
    """A file or question we cannot use (empty, binary, too large, unsupported...)."""


class BackendError(NewsragError):
    """A store or model backend is unreachable or answered something unusable."""
