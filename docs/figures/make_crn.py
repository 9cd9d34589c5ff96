"""Draw docs/figures/crn.png: paired (common random numbers) against independent seeds.

Run by hand: ``.venv/bin/python docs/figures/make_crn.py`` (about a minute). Compares
coastal-airbase with and without the gun gun-n: B − A per replication, when B runs
with A's seed (paired) and with another seed (independent), and the 95% interval of
the mean difference as replications accumulate.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from scipy import stats

import skyscreen
from skyscreen.scenario import example_path
from skyscreen.studies import with_values

N = 400
METRICS = ("n_leaked", "value_damaged_usd", "casualties", "munitions_cost_usd")


def main() -> None:
    a_spec = skyscreen.load_scenario(example_path("coastal-airbase"))
    b_spec = with_values(a_spec, {"sites.0.effectors.gun-n.enabled": False})
    a = skyscreen.simulate(a_spec, replications=N, seed=1, progress=False).summary
    b = skyscreen.simulate(b_spec, replications=N, seed=1, progress=False).summary
    b2 = skyscreen.simulate(b_spec, replications=N, seed=2, progress=False).summary
    fig, axes = plt.subplots(2, 4, figsize=(15, 6.5), layout="constrained")
    for k, metric in enumerate(METRICS):
        paired = (b[metric] - a[metric]).to_numpy(float)
        indep = (b2[metric] - a[metric]).to_numpy(float)
        ratio = indep.var(ddof=1) / paired.var(ddof=1)
        print(f"{metric}: variance ratio independent/paired {ratio:.2f}")
        ax1, ax2 = axes[0, k], axes[1, k]
        bins = np.histogram_bin_edges(np.concatenate([paired, indep]), 30)
        ax1.hist(indep, bins, alpha=0.6, label="independent seeds")
        ax1.hist(paired, bins, alpha=0.6, label="common random numbers")
        ax1.set_xlabel(f"B − A per replication: {metric}", fontsize=8)
        ax1.set_title(f"{metric}: variance ratio {ratio:.1f}", fontsize=9)
        n = np.arange(2, N + 1)
        for d, label in (
            (indep, "independent seeds"),
            (paired, "common random numbers"),
        ):
            m = np.cumsum(d)[1:] / n
            s = np.array([d[:i].std(ddof=1) for i in n])
            half = stats.t.ppf(0.975, n - 1) * s / np.sqrt(n)
            (line,) = ax2.plot(n, m, label=label, lw=1)
            ax2.fill_between(
                n, m - half, m + half, color=line.get_color(), alpha=0.25, lw=0
            )
        final = abs(paired.mean()) + 4 * paired.std(ddof=1) / np.sqrt(30)
        ax2.set_ylim(paired.mean() - final, paired.mean() + final)
        ax2.axhline(0, color="black", lw=0.8)
        ax2.set_xlabel("replications", fontsize=8)
        ax2.set_ylabel("mean B − A, 95% interval", fontsize=8)
    axes[0, 0].legend(fontsize=7)
    axes[1, 0].legend(fontsize=7)
    fig.suptitle(
        "coastal-airbase, the gun gun-n switched off (B) against on (A): B run with A's "
        "seed (common random numbers) or another seed",
        fontsize=10,
    )
    out = Path(__file__).with_name("crn.png")
    fig.savefig(out, dpi=110)
    print(out)


if __name__ == "__main__":
    main()
