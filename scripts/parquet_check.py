#!/usr/bin/env python3
"""DuckDB reads a run's Parquet tables natively, with their types, and they
hold what the CSV files hold.

Usage: parquet_check.py LOCKSTEP WORKDIR

Runs `detect --output-format both` on CooRTweet's Russian sample (CooRTweet
semantics, so that every table has rows), then for every table: DuckDB's
`read_parquet` gives the CSV file's columns in order, timestamps as
TIMESTAMP WITH TIME ZONE, and each cell equal to the CSV's (numbers within
the CSV's rounding).
"""

import math
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb


def main() -> None:
    lockstep, work = sys.argv[1], Path(sys.argv[2])
    out = work / "run"
    subprocess.run(
        [lockstep, "detect", "examples/data/russian_coord_tweets.csv", "--semantics",
         "coortweet", "--out", str(out), "--output-format", "both", "--quiet"],
        check=True, stdout=subprocess.DEVNULL)
    con = duckdb.connect()
    checked = 0
    for parquet in sorted(out.glob("*.parquet")):
        csv = parquet.with_suffix(".csv")
        assert csv.exists(), f"{parquet.name} has no CSV twin"
        p = con.execute(f"SELECT * FROM read_parquet('{parquet}')")
        p_types = {d[0]: str(d[1]) for d in p.description}
        p_rows = p.fetchall()
        c = con.execute(f"SELECT * FROM read_csv('{csv}', all_varchar = true, header = true)")
        c_cols = [d[0] for d in c.description]
        c_rows = c.fetchall()
        assert list(p_types) == c_cols, f"{parquet.name}: columns {list(p_types)} != {c_cols}"
        assert len(p_rows) == len(c_rows), f"{parquet.name}: {len(p_rows)} rows != {len(c_rows)}"
        for name, ty in p_types.items():
            if name.endswith("_utc") and name != "day_utc":
                assert ty.startswith("TIMESTAMP"), f"{parquet.name}.{name}: {ty}"
        for i, (pr, cr) in enumerate(zip(p_rows, c_rows)):
            for name, pv, cv in zip(c_cols, pr, cr):
                where = f"{parquet.name} row {i + 1} `{name}`"
                if pv is None or pv == "":
                    # CSV writes a null and an empty text alike.
                    assert cv is None or cv == "", f"{where}: {pv!r} != {cv!r}"
                elif isinstance(pv, bool):
                    assert cv in ("1", "true") if pv else cv in ("0", "false"), f"{where}: {pv} != {cv!r}"
                elif isinstance(pv, float):
                    x = float(cv)
                    # The CSV rounds to 2 or 6 decimals, or 7 significant digits.
                    assert math.isclose(pv, x, rel_tol=1e-6, abs_tol=5e-3), f"{where}: {pv} != {cv!r}"
                elif isinstance(pv, int):
                    assert str(pv) == cv, f"{where}: {pv} != {cv!r}"
                elif hasattr(pv, "isoformat"):
                    # A TIMESTAMP WITH TIME ZONE, or a DATE.
                    iso = cv.replace("Z", "+00:00")
                    if "T" in iso:
                        assert pv == datetime.fromisoformat(iso), f"{where}: {pv} != {cv!r}"
                    else:
                        assert pv.isoformat() == iso, f"{where}: {pv} != {cv!r}"
                else:
                    assert str(pv) == cv, f"{where}: {pv!r} != {cv!r}"
        checked += 1
        print(f"{parquet.name}: {len(p_rows)} rows, {len(p_types)} columns as in {csv.name}")
    assert checked >= 8, f"only {checked} Parquet tables"


if __name__ == "__main__":
    main()
