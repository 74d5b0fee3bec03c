"""Organised crime networks: association graphs from the store, communities, centrality, key players.

The analytics are a functional core on igraph graphs (``build`` makes one from association rows);
``service`` and ``store`` are the shell that reads the store, audits and stores results.
"""

from peelian.network.centrality import betweenness, centrality
from peelian.network.change import Change, compare
from peelian.network.communities import Communities, communities
from peelian.network.draw import picture
from peelian.network.graph import build, read_matrix
from peelian.network.keyplayers import KeyPlayers, fragmentation, key_players

__all__ = [
    "Change",
    "Communities",
    "KeyPlayers",
    "betweenness",
    "build",
    "centrality",
    "communities",
    "compare",
    "fragmentation",
    "key_players",
    "picture",
    "read_matrix",
]
