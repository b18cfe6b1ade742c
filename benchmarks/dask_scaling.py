"""Whole-database delineation on LUDB: serial against Dask with 1 and 2 workers, in one run.

    python benchmarks/dask_scaling.py --markdown docs/benchmarks.md [--records 200]
"""

import argparse
import datetime
import os
import tempfile
import time

import dask
import distributed

from nk_qrs_lstm.training import datasets
from nk_qrs_lstm.batch import delineate_database
from nk_qrs_lstm.evaluation.benchmark import replace_section


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200, help="first N LUDB records")
    parser.add_argument("--markdown", default=None)
    args = parser.parse_args(argv)
    records = [f"data/{r}" for r in datasets.ludb_records()[: args.records]]
    rows = []
    for label, scheduler, workers in (("serial", None, None), ("Dask LocalCluster", "local", 1),
                                      ("Dask LocalCluster", "local", 2)):
        with tempfile.TemporaryDirectory() as out:
            t = time.perf_counter()
            result = delineate_database(datasets.DEFAULT_LUDB, out, records=records, scheduler=scheduler,
                                        n_workers=workers, table_format="csv", progress=False)
            seconds = time.perf_counter() - t
        rows.append((label, workers, seconds, len(result.failures), len(result.table)))
        print(rows[-1])
    base = rows[0][2]
    lines = ["## Whole databases on Dask", "",
             f"Command: `python benchmarks/dask_scaling.py --records {args.records}` "
             f"({datetime.date.today().isoformat()}; {os.cpu_count()} CPUs; dask {dask.__version__}, distributed "
             f"{distributed.__version__}). `delineate_database` on {len(records)} LUDB records (12 leads each), "
             "writing one annotation file per record and the tidy table; wall time including cluster start.", "",
             "| Scheduler | Workers | Seconds | Speed-up vs serial | Failed records | Table rows |",
             "|---|---:|---:|---:|---:|---:|"]
    for label, workers, seconds, failures, n_rows in rows:
        lines.append(f"| {label} | {workers or '-'} | {seconds:.1f} | {base / seconds:.2f}x | {failures} | {n_rows} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.markdown:
        replace_section(args.markdown, text, start="<!-- dask:start -->", end="<!-- dask:end -->")


if __name__ == "__main__":
    main()
