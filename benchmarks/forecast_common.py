"""What the forecasting benchmarks share: running every model through one backtest, the table,
the paired comparison and the RESULT line."""

import resource
import time

from rich.console import Console
from rich.table import Table

from peelian.forecast.backtest import ModelResult, backtest, oracle_hit_rate, ratio_interval
from peelian.forecast.history import History
from peelian.forecast.metrics import COVERAGES

console = Console(width=160)


def run(name: str, history: History, models: list, targets: list[int]) -> dict:
    started = time.perf_counter()
    with console.status(f"{name}: backtesting {len(models)} models over {len(targets)} periods ..."):
        results = backtest(history, models, targets)
    seconds = time.perf_counter() - started
    columns = ("PAI 5%", "PEI 5%", "stable 5%", "log-lik", "s")
    table = Table("model", "kind", *(f"hit {c:.0%}" for c in COVERAGES), *columns,
                  title=f"{name}: {len(targets)} forecasts, {history.grid.n_cells:,} cells")  # fmt: skip
    summaries = [r.summary() for r in results]
    for s in summaries:
        hits = [f"{s['hit_rate'][c]:.1%}" for c in COVERAGES]
        kind = "classic" if s["classic"] else "Peelian"
        scores = (s["pai"][0.05], s["pei"][0.05], s["stability"])
        table.add_row(s["model"], kind, *hits, *(f"{v:.2f}" for v in scores), f"{s['log_likelihood']:,.0f}",
                      f"{s['seconds']:.1f}")  # fmt: skip
    oracle = {c: oracle_hit_rate(results[0], c) for c in COVERAGES}
    table.add_row("oracle (the period's own counts)", "", *(f"{oracle[c]:.1%}" for c in COVERAGES))
    console.print(table)
    best = _best(results, classic=False)
    baseline = _best(results, classic=True)
    out = {"models": summaries, "oracle_hit_rate": oracle, "seconds": round(seconds, 1),
           "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}  # fmt: skip
    if baseline:
        out["best_baseline"] = baseline.name
    if best and baseline:
        ratio, low, high = ratio_interval(best, baseline, 0.05)
        out |= {"best_model": best.name, "ratio": ratio, "ratio_ci": [low, high]}
        console.print(f"best Peelian model {best.name!r} / best baseline {baseline.name!r} at 5%: "
                      f"{ratio:.3f} (95% bootstrap over periods {low:.3f} to {high:.3f})")  # fmt: skip
    return out | {"results": results}


def _best(results: list[ModelResult], classic: bool) -> ModelResult | None:
    pool = [r for r in results if r.classic == classic]
    return max(pool, key=lambda r: r.hit_rate(0.05)) if pool else None


def result_line(out: dict) -> str:
    results = {r.name: r for r in out["results"]}
    best, baseline = out.get("best_model"), out.get("best_baseline")
    hit = results[best].hit_rate(0.05) if best else float("nan")
    base = results[baseline].hit_rate(0.05) if baseline else float("nan")
    ci_low = out.get("ratio_ci", [float("nan")])[0]
    return (f"RESULT best_model={(best or 'none').replace(' ', '_')} hit5={hit:.4f} "
            f"best_baseline={(baseline or 'none').replace(' ', '_')} best_baseline_hit5={base:.4f} "
            f"ratio={out.get('ratio', float('nan')):.3f} ratio_ci_low={ci_low:.3f} "
            f"seconds={out['seconds']:.0f} peak_rss_mb={out['peak_rss_mb']}")  # fmt: skip
