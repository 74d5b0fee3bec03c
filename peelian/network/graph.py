"""From association rows to one undirected, weighted graph of people (or any entities).

Several sources may record the same pair (a co-offence, a shared address, an intelligence report),
so rows are aggregated into one edge per pair: weights add up, confidences combine as independent
evidence (1 - prod(1 - c)), and the edge keeps which kinds of association, when they were first and
last seen, how many records support it, and a capped list of the evidence. Everything is
vectorised, so five million rows over a million people build in seconds, not hours.
"""

from pathlib import Path

import igraph as ig
import numpy as np
import pandas as pd

from peelian.errors import PeelianError

COLUMNS = ("source", "target", "kind", "weight", "confidence", "first_seen", "last_seen")
EVIDENCE_ITEMS = 10  # evidence of at most this many rows is kept per edge: enough to open the records
EVIDENCE_CHARS = 200  # and at most this many characters, so a hub's edges cannot bloat the graph
MAX_KINDS = 64  # one bit each in the aggregation


def build(edges: pd.DataFrame, nodes: pd.DataFrame | None = None) -> ig.Graph:
    """The association graph: vertex attribute ``name`` is the entity id (plus every column of
    ``nodes``; ids in ``nodes`` without edges stay as isolates), and one edge per pair with
    ``weight``, ``confidence``, ``kinds`` (sorted, ';'-joined), ``records``, ``first_seen``,
    ``last_seen`` (UTC datetimes or None) and, when the rows carry it, ``evidence``.

    Rows linking an entity to itself (two records that entity resolution merged) are dropped."""
    frame = _checked(edges)
    known = _checked_nodes(nodes)
    codes, ids = pd.factorize(pd.concat([known, frame["source"], frame["target"]], ignore_index=True))
    n, rows = len(ids), len(frame)
    a, b = codes[len(known) : len(known) + rows], codes[len(known) + rows :]
    pair, keys = pd.factorize(np.minimum(a, b).astype(np.int64) * n + np.maximum(a, b))
    graph = ig.Graph(n=n)
    graph.add_edges(np.column_stack([keys // n, keys % n]))  # twice as fast as passing them to Graph()
    graph.vs["name"] = ids.tolist()
    if nodes is not None:
        attributes = nodes.assign(id=known.to_numpy()).drop_duplicates("id").set_index("id").reindex(ids)
        for column in attributes.columns:
            values = attributes[column].astype(object)
            graph.vs[column] = values.where(values.notna(), None).tolist()
    count = len(keys)
    with np.errstate(divide="ignore"):  # a certain row (confidence 1) makes the edge certain
        doubt = np.bincount(pair, weights=np.log1p(-frame["confidence"].to_numpy(float)), minlength=count)
    graph.es["weight"] = np.bincount(pair, weights=frame["weight"].to_numpy(float), minlength=count).tolist()
    graph.es["confidence"] = (-np.expm1(doubt)).tolist()
    graph.es["kinds"] = _kinds(frame["kind"], pair, count).tolist()
    records = np.bincount(pair, minlength=count)
    graph.es["records"] = records.tolist()
    seen = pd.DataFrame({"first_seen": frame["first_seen"], "last_seen": frame["last_seen"]})
    seen = seen.groupby(pair, sort=True).agg({"first_seen": "min", "last_seen": "max"})
    for column in seen.columns:
        graph.es[column] = _datetimes(seen[column])
    if "evidence" in frame.columns:
        graph.es["evidence"] = _evidence(frame["evidence"], pair, records).tolist()
    return graph


def read_matrix(path: Path, kind: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Edges and nodes from a square adjacency matrix CSV (UCINET and CAVIAR layout: row labels in
    the first column, column labels in the header). Directed counts (a called b 3 times, b called a
    twice) become one undirected weight, their sum (5); a symmetric matrix already holds each tie's
    value twice, so that value is kept once. Every label is a node, isolates included."""
    matrix = pd.read_csv(path, index_col=0, encoding="utf-8-sig")
    labels = matrix.index.astype(str)
    matrix.columns = matrix.columns.astype(str)
    if matrix.shape[0] != matrix.shape[1] or set(labels) != set(matrix.columns):
        raise PeelianError(f"{Path(path).name} is not a square matrix with the same row and column labels")
    values = matrix[labels].to_numpy(float)
    if np.isnan(values).any() or (values < 0).any():
        raise PeelianError(f"{Path(path).name} has empty or negative cells; ties are counts or levels >= 0")
    both = values if np.array_equal(values, values.T) else values + values.T
    i, j = np.triu_indices(len(labels), 1)
    tie = both[i, j] > 0
    never = pd.Series(pd.NaT, index=range(int(tie.sum())), dtype="datetime64[ns, UTC]")
    edges = pd.DataFrame(
        {
            "source": labels[i[tie]],
            "target": labels[j[tie]],
            "kind": kind,
            "weight": both[i, j][tie],
            "confidence": 1.0,
            "first_seen": never,
            "last_seen": never,
        }
    )
    return edges, pd.DataFrame({"id": labels})


def _checked(edges: pd.DataFrame) -> pd.DataFrame:
    """The rows to aggregate, ids as strings and times in UTC, or a plain error saying what is wrong."""
    missing = [column for column in COLUMNS if column not in edges.columns]
    if missing:
        raise PeelianError(f"association edges lack the column(s) {', '.join(missing)}")
    if edges.empty:
        raise PeelianError("there are no association edges to build a network from")
    if edges[["source", "target", "kind"]].isna().any(axis=None):
        raise PeelianError("every association edge needs a source, a target and a kind")
    weight = pd.to_numeric(edges["weight"], errors="coerce")
    bad = int((~((weight > 0) & np.isfinite(weight))).sum())
    if bad:
        raise PeelianError(f"association weights must be positive numbers; {bad:,} are not")
    confidence = pd.to_numeric(edges["confidence"], errors="coerce")
    if not ((confidence > 0) & (confidence <= 1)).all():
        raise PeelianError("association confidences must be above 0 and at most 1")
    frame = pd.DataFrame(
        {
            "source": edges["source"].astype(str),
            "target": edges["target"].astype(str),
            "kind": edges["kind"].astype(str),
            "weight": weight,
            "confidence": confidence,
            "first_seen": pd.to_datetime(edges["first_seen"], utc=True),
            "last_seen": pd.to_datetime(edges["last_seen"], utc=True),
        }
    )
    if "evidence" in edges.columns:
        frame["evidence"] = edges["evidence"]
    itself = frame["source"].to_numpy() == frame["target"].to_numpy()
    if itself.all():
        raise PeelianError("every association edge links an entity to itself; there is no network")
    return frame[~itself] if itself.any() else frame


def _checked_nodes(nodes: pd.DataFrame | None) -> pd.Series:
    if nodes is None:
        return pd.Series([], dtype=object)
    if "id" not in nodes.columns:
        raise PeelianError("the nodes table needs an id column")
    if nodes["id"].isna().any():
        raise PeelianError("every node needs an id")
    return nodes["id"].astype(str)


def _kinds(kind: pd.Series, pair: np.ndarray, count: int) -> np.ndarray:
    """Each pair's kinds as one sorted ';'-joined label: a bit per kind, OR-ed per pair, so the work
    is a few array passes however many rows there are."""
    code, names = pd.factorize(kind, sort=True)
    if len(names) > MAX_KINDS:
        raise PeelianError(f"associations come in {len(names)} kinds; at most {MAX_KINDS} can be told apart")
    masks = np.zeros(count, dtype=np.uint64)
    np.bitwise_or.at(masks, pair, np.left_shift(np.uint64(1), code.astype(np.uint64)))
    which, combos = pd.factorize(masks)
    labels = [";".join(names[bit] for bit in range(len(names)) if int(combo) >> bit & 1) for combo in combos]
    return np.asarray(labels, dtype=object)[which]


def _evidence(evidence: pd.Series, pair: np.ndarray, records: np.ndarray) -> np.ndarray:
    """Each pair's evidence, ';'-joined in row order, from at most ``EVIDENCE_ITEMS`` rows and
    ``EVIDENCE_CHARS`` characters (an ellipsis marks a cut)."""
    text = evidence.astype(str).to_numpy(dtype=object)
    present = (evidence.notna() & (evidence.astype(str) != "")).to_numpy()
    order = np.argsort(pair, kind="stable")
    starts = np.concatenate([[0], np.cumsum(records)[:-1]])
    rank = np.empty(len(pair), dtype=np.int64)
    rank[order] = np.arange(len(pair)) - starts[pair[order]]
    joined = np.full(len(records), "", dtype=object)
    for step in range(min(EVIDENCE_ITEMS, int(records.max()))):
        rows = np.flatnonzero((rank == step) & present)
        target = pair[rows]
        joined[target] = np.where(joined[target] == "", text[rows], joined[target] + ";" + text[rows])
    long = (records > EVIDENCE_ITEMS) | (pd.Series(joined).str.len().to_numpy() > EVIDENCE_CHARS)
    cut = long & (joined != "")
    joined[cut] = [value[: EVIDENCE_CHARS - 1] + "…" for value in joined[cut]]
    return np.where(joined == "", None, joined)


def _datetimes(times: pd.Series) -> list:
    """UTC datetimes for igraph's attributes, None where a row had no date."""
    values = times.dt.to_pydatetime()
    return np.where(times.isna().to_numpy(), None, values).tolist()
