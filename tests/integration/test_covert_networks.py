"""Published findings on real covert networks, reproduced by the network core.

CAVIAR (Morselli 2009): N1, the principal trafficker, is the most central actor of the whole
investigation, and of most of its eleven phases (all but phases 9 and 11, when seizures had
reshaped the network and N3, N12 and N41 took over the top degree or betweenness); from phase 6
N12, the broker who rose late, is the key player in three phases out of six. LONDON_GANG
(Grund & Densley 2015): the gang's subgroups are found the same way from every seed, and the
gang's senior members (Ranking 1 is the top) are its central ones.
"""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from peelian.network import build, centrality, communities, key_players, read_matrix

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def folder(shared_data):
    path = shared_data / "criminal_networks"
    if not (path / "caviar_phases" / "phase1.csv").exists():
        pytest.skip(f"the covert network data is not under {path}")
    return path


def _ranks(folder, name: str) -> pd.DataFrame:
    table, _ = centrality(build(*read_matrix(folder / name, "intelligence")))
    return table[["degree", "betweenness"]].rank(ascending=False, method="min")


def test_n1_is_the_most_central_actor_of_caviar(folder):
    ranks = _ranks(folder, "ucinet_covert_matrices/morselli_caviar.csv")
    assert ranks.loc["1"].tolist() == [1, 1]
    phases = [_ranks(folder, f"caviar_phases/phase{phase}.csv").loc["1"] for phase in range(1, 12)]
    top = [phase for phase, rank in enumerate(phases, 1) if rank["degree"] == 1]
    assert top == [1, 2, 3, 4, 5, 6, 7, 8, 10]
    assert all(rank["degree"] <= 3 and rank["betweenness"] <= 3 for rank in phases)


def test_n1_is_the_first_key_player_until_n12_rises_as_a_broker(folder):
    firsts = []
    for phase in range(1, 12):
        graph = build(*read_matrix(folder / f"caviar_phases/phase{phase}.csv", "intelligence"))
        firsts.append(key_players(graph, 1).steps[1])
    assert [step.removed for step in firsts] == ["1", "1", "1", "1", "1", "12", "1", "12", "12", "1", "41"]
    assert all(step.fragmentation > 0.5 for step in firsts[:5])  # removing N1 early splits the network


def test_london_gang_communities_are_stable_and_its_seniors_central(folder):
    matrices = folder / "ucinet_covert_matrices"
    edges, nodes = read_matrix(matrices / "LONDON_GANG.csv", "co_offending")
    ranking = pd.read_csv(matrices / "LONDON_GANG_ATTR_secu2002.csv").set_index("ID")["Ranking"]
    graph = build(edges, nodes)
    parts = communities(graph, seeds=10)
    assert 4 <= len(parts.sizes()) <= 6
    assert parts.ari > 0.9 and (parts.stability() > 0.9).all()
    table, _ = centrality(graph, parts.membership)
    rho, p = spearmanr(table["degree"], ranking.loc[table.index.astype(int)])
    assert rho < -0.6 and p < 1e-6
    assert key_players(graph, 3).steps[-1].largest_share > 0.9  # no three members hold the gang together
    assert np.isclose(parts.modularity, graph.modularity(parts.membership.tolist(), weights="weight"))
