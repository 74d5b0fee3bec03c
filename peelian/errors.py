"""Domain exceptions: each carries a plain-language message a user can act on."""


class PeelianError(Exception):
    """Base class; the CLI prints the message on one line and exits non-zero."""


class ConfigError(PeelianError):
    """The settings are unusable (bad URL, unknown CRS, ...)."""


class DatabaseNotReady(PeelianError):
    """The database is missing migrations or was built for another deployment."""


class SourceFormatError(PeelianError):
    """A whole file cannot be read as the format it claims to be (rows are quarantined instead)."""


class MappingError(PeelianError):
    """A declarative source mapping is invalid."""


class NotFound(PeelianError):
    """A requested record does not exist."""
