"""One router per area; each route declares its ``Access``."""
