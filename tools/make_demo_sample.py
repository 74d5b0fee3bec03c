"""Rebuild the demo sample shipped in peelian/data/sample from ../shared/data (run by maintainers).

Takes 36 months (2019-01..2021-12) of data.police.uk street-level burglary for three London
boroughs, unchanged apart from the row filter, and those boroughs' 2011 LSOA boundaries.
"""

import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import Transformer

BOROUGHS = ["Camden", "Islington", "Hackney"]
ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "peelian" / "data" / "sample"


def crimes() -> None:
    target = OUT / "police_uk"
    target.mkdir(parents=True, exist_ok=True)
    for month in pd.period_range("2019-01", "2021-12", freq="M"):
        name = f"{month}-metropolitan-street.csv"
        frame = pd.read_csv(
            SHARED / "london_met_burglary_street" / f"{name}.gz", dtype=str, keep_default_na=False
        )
        keep = frame["LSOA name"].str.rsplit(" ", n=1).str[0].isin(BOROUGHS) | (frame["LSOA name"] == "")
        # Rows without a location stay in (a share of them) so the demo shows quarantine at work.
        keep &= (frame["LSOA name"] != "") | (frame.index % 20 == 0)
        with gzip.open(target / f"{name}.gz", "wt", encoding="utf-8", newline="") as out:
            frame[keep].to_csv(out, index=False)


def boundaries() -> None:
    meta, _fids, geometry, values = pyogrio.raw.read(
        SHARED / "london_boundaries" / "london-2011-lsoa-gen20.shp"
    )
    table = dict(zip(meta["fields"], values, strict=True))
    to_wgs84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    features = []
    for i, wkb in enumerate(geometry):
        if table["LAD11NM"][i] not in BOROUGHS:
            continue
        shape = shapely.transform(
            shapely.from_wkb(wkb), lambda xy: np.column_stack(to_wgs84.transform(xy[:, 0], xy[:, 1]))
        )
        features.append({
            "type": "Feature",
            "properties": {k: str(table[k][i]) for k in ("LSOA11CD", "LSOA11NM", "LAD11CD", "LAD11NM")},
            "geometry": json.loads(shapely.to_geojson(shapely.set_precision(shape, 1e-6))),
        })  # fmt: skip
    collection = {"type": "FeatureCollection", "name": "lsoa11", "features": features}
    (OUT / "lsoa11_camden_islington_hackney.geojson").write_text(json.dumps(collection))


if __name__ == "__main__":
    crimes()
    boundaries()
