"""Benchmark results: one method on one database, saved to and read back from a results folder.

A :class:`BenchmarkResult` is written as ``<database>_<method>.csv`` (the
summary), ``_leads.csv`` (counts per record-lead) and ``.json`` (the run:
records, crashes, timings, command, versions), so that a report can combine
methods run at different times (:func:`cached_results`).
"""

import json
import logging
import os
from dataclasses import dataclass, field

import pandas as pd

logger = logging.getLogger("nk_qrs_lstm")

DEFAULT_RESULTS = os.path.join("benchmarks", "results")


@dataclass
class BenchmarkResult:
    """Scores of one method on one database.

    Attributes
    ----------
    summary : pandas.DataFrame
        :func:`~nk_qrs_lstm.evaluation.metrics.summarise` at ±150 ms plus ``f1_strict``
        (F1 at :data:`~nk_qrs_lstm.defaults.STRICT_TOLERANCE_S`).
    per_lead : pandas.DataFrame
        tp / fp / fn per record-lead and fiducial, at both tolerances.
    crashes : list of dict
        ``record``, ``lead`` and ``error`` of each record-lead that raised.
    seconds : float
        Wall-clock seconds spent inside the method over all record-leads.
    """

    method: str
    database: str
    summary: pd.DataFrame
    per_lead: pd.DataFrame
    crashes: list
    seconds: float
    n_leads: int
    records: list
    meta: dict = field(default_factory=dict)

    @property
    def seconds_per_lead(self):
        """Mean wall-clock seconds per record-lead."""
        return self.seconds / self.n_leads if self.n_leads else float("nan")

    def _stem(self, results_dir):
        return os.path.join(results_dir, f"{self.database}_{self.method}")

    def save(self, results_dir):
        """Write ``<database>_<method>.csv``, ``_leads.csv`` and ``.json`` in ``results_dir``."""
        os.makedirs(results_dir, exist_ok=True)
        stem = self._stem(results_dir)
        self.summary.to_csv(f"{stem}.csv")
        self.per_lead.to_csv(f"{stem}_leads.csv", index=False)
        info = {
            "method": self.method, "database": self.database, "records": list(self.records),
            "n_leads": self.n_leads, "seconds": self.seconds,
            "seconds_per_lead": self.seconds_per_lead, "n_crashes": len(self.crashes),
            "crashes": self.crashes, **self.meta,
        }
        with open(f"{stem}.json", "w") as f:
            json.dump(info, f, indent=1)

    @classmethod
    def load(cls, results_dir, database, method):
        """Read a result written by :meth:`save`."""
        stem = os.path.join(results_dir, f"{database}_{method}")
        with open(f"{stem}.json") as f:
            info = json.load(f)
        summary = pd.read_csv(f"{stem}.csv", index_col=0)
        for col in ("n_ref", "tp", "fp", "fn"):
            summary[col] = summary[col].astype("Int64")
        summary["provided"] = summary["provided"].astype(bool)
        per_lead = pd.read_csv(f"{stem}_leads.csv", dtype={"record": str, "lead": str})
        meta = {k: v for k, v in info.items() if k not in (
            "method", "database", "records", "n_leads", "seconds", "seconds_per_lead",
            "n_crashes", "crashes")}
        return cls(method=info["method"], database=info["database"], summary=summary,
                   per_lead=per_lead, crashes=info["crashes"], seconds=info["seconds"],
                   n_leads=info["n_leads"], records=info["records"], meta=meta)


def cached_results(results_dir, database, records=None):
    """Load every cached result of ``database`` (only those run on ``records``, if given)."""
    out = {}
    if not os.path.isdir(results_dir):
        return out
    prefix = f"{database}_"
    for name in sorted(os.listdir(results_dir)):
        if not (name.startswith(prefix) and name.endswith(".json")):
            continue
        method = name[len(prefix):-len(".json")]
        try:
            result = BenchmarkResult.load(results_dir, database, method)
        except (OSError, ValueError, KeyError, TypeError) as exc:  # not one of ours
            logger.info("skipping %s in %s: %s", name, results_dir, exc)
            continue
        if records is not None and list(result.records) != list(records):
            logger.info("skipping cached %s on %s: run on other records", method, database)
            continue
        out[method] = result
    return out
