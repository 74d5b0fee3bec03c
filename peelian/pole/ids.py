"""Stable identifiers and content hashes.

An entity id is a prefix for its kind plus a hash of (source system, natural key): re-ingesting
or rebuilding the store yields the same ids, and bulk loads need no round trip for generated keys.
"""

from collections.abc import Iterable
from hashlib import blake2b

PREFIX = {"event": "ev", "person": "pe", "object": "ob", "location": "lo", "area": "ar"}


def digests(source_system: str, natural_keys: Iterable[str]) -> list[str]:
    head = f"{source_system}\x1f"
    return [blake2b((head + k).encode(), digest_size=12).hexdigest() for k in natural_keys]


def entity_ids(kind: str, source_system: str, natural_keys: Iterable[str]) -> list[str]:
    prefix = PREFIX[kind] + "_"
    return [prefix + d for d in digests(source_system, natural_keys)]


def entity_id(kind: str, source_system: str, natural_key: str) -> str:
    return entity_ids(kind, source_system, [natural_key])[0]


def content_hash(text: str) -> str:
    return blake2b(text.encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()


def content_hashes(texts: Iterable[str]) -> list[str]:
    return [blake2b(t.encode("utf-8", "surrogateescape"), digest_size=16).hexdigest() for t in texts]
