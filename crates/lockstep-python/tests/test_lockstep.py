"""The Python package against the CLI: the same numbers, tables, files and
messages. Run by .ci/run against the wheel installed in a fresh virtual
environment; LOCKSTEP_BIN names the CLI binary of the same checkout."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import lockstep

ROOT = Path(__file__).resolve().parents[3]
RUSSIAN = ROOT / "examples" / "data" / "russian_coord_tweets.csv"
LOCKSTEP = os.environ.get("LOCKSTEP_BIN", str(ROOT / "target" / "release" / "lockstep"))


def cli(*args, check=True):
    return subprocess.run([LOCKSTEP, *map(str, args)], capture_output=True, text=True, check=check)


@pytest.fixture(scope="session")
def world(tmp_path_factory):
    """A simulated world with a batch-made farm (clusters, campaigns,
    fingerprints and talking points to compare)."""
    path = tmp_path_factory.mktemp("world") / "world.jsonl"
    cli("simulate", "--scenario", "mixed", "--accounts", "2000", "--days", "7", "--seed", "1",
        "--out", path)
    return path


def test_three_lines_give_coortweets_vignette_numbers():
    run = lockstep.detect(RUSSIAN, semantics="coortweet", progress=False)
    s = run.summary
    assert s["detection"]["pairs"] == 3791
    assert (s["network"]["vertices"], s["network"]["edges"]) == (2110, 3721)
    assert s["coordinated"]["edges"] == 60
    assert s["coordinated"]["vertices"] == 94
    assert s["coordinated"]["clusters"] == 34
    assert run.pairs.num_rows == 3791 and run.edges.num_rows == 3721
    assert s["inputs"][0]["sha256"] == "64946193e1d5a7697ffb799d7cbdd5222ab5cb36664d8191e3fd648e9b70d2e4"


def test_a_dataframe_gives_what_its_file_gives():
    from_file = lockstep.detect(RUSSIAN, semantics="coortweet", progress=False)
    df = pd.read_csv(RUSSIAN)
    with_times = df.assign(timestamp_share=pd.to_datetime(df["timestamp_share"], unit="s", utc=True))
    tables = {
        "pandas": df,
        "pandas, datetimes": with_times,
        "polars": pl.read_csv(RUSSIAN),
        "pyarrow": pa.Table.from_pandas(df),
    }
    for kind, table in tables.items():
        run = lockstep.detect(table, semantics="coortweet", progress=False)
        assert run.tables == from_file.tables, kind
        for name in run.tables:
            assert run.table(name).equals(from_file.table(name)), f"{kind}: {name}"
        assert run.summary["inputs"][0]["format"] == "table"


def test_a_mapped_dataframe():
    df = pd.read_csv(RUSSIAN).rename(columns={"account_id": "user", "object_id": "tweet"})
    mapped = lockstep.detect(df, map={"account": "user", "object": "tweet"}, progress=False)
    plain = lockstep.detect(RUSSIAN, progress=False)
    assert mapped.edges.equals(plain.edges)


def test_every_table_is_the_clis(world, tmp_path):
    """In memory, each table equals the CLI's Parquet file of the same run
    (which a Rust test shows to hold its CSV's values), and run.save writes
    the CLI's CSV files byte for byte."""
    flags = ["--fdr", "0.05"]
    out = tmp_path / "cli"
    cli("detect", world, "--out", out, "--output-format", "both", "--quiet", *flags)
    run = lockstep.detect(world, fdr=0.05, progress=False)
    assert len(run.tables) >= 8
    for name in run.tables:
        mine = run.table(name)
        theirs = pq.read_table(out / f"{name}.parquet")
        assert theirs.column_names == mine.column_names, name
        assert theirs.cast(mine.schema).equals(mine), name
    saved = tmp_path / "py"
    written = run.save(saved)
    assert (saved / "summary.json").exists() and len(written) == len(os.listdir(saved))
    for name in run.tables:
        assert (saved / f"{name}.csv").read_bytes() == (out / f"{name}.csv").read_bytes(), name
    for graph in ["network.gexf", "network.graphml"]:
        assert (saved / graph).read_bytes() == (out / graph).read_bytes(), graph


def test_bad_input_raises_the_clis_message(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("object_id,account_id,content_id,timestamp_share\n"
                   "t1,alice,p1,1623881091\nt1,bob,p2,soon\n")
    expected = cli("detect", bad, "--out", tmp_path / "out", "--strict", check=False)
    assert expected.returncode == 2
    message = expected.stderr.splitlines()[0].removeprefix("error: ")
    assert "line 3" in message and "timestamp_share" in message
    with pytest.raises(lockstep.LockstepError) as e:
        lockstep.detect(bad, strict=True, progress=False)
    assert str(e.value).splitlines()[0] == message
    # A table's row i is line i + 2, as in its CSV.
    with pytest.raises(lockstep.LockstepError) as e:
        lockstep.detect(pd.read_csv(bad, dtype=str), strict=True, progress=False)
    assert str(e.value).splitlines()[0] == message.replace(f"`{bad}`", "`DataFrame`")


def test_bad_options_are_the_clis():
    with pytest.raises(ValueError, match="invalid value 'soon' for '--window <SECONDS>'"):
        lockstep.detect(RUSSIAN, window="soon")
    with pytest.raises(ValueError, match="unexpected argument '--no-such-flag'"):
        lockstep.detect(RUSSIAN, no_such_flag=1)
    with pytest.raises(TypeError, match="Run.save"):
        lockstep.detect(RUSSIAN, out="x")


def test_graph_save_report_and_progress(tmp_path):
    seen = []
    run = lockstep.detect(RUSSIAN, semantics="coortweet",
                          progress=lambda kind, a, b, c: seen.append((kind, a)))
    stages = [a for kind, a in seen if kind == "stage"]
    assert stages[0] == "reading" and "detecting" in stages and stages[-1] == "done"
    assert any(kind == "reading" for kind, _ in seen)
    g = run.graph()
    assert (g.number_of_nodes(), g.number_of_edges()) == (94, 60)
    assert all(d["over_threshold"] for _, _, d in g.edges(data=True))
    assert run.graph(coordinated=False).number_of_edges() == 3721
    path = run.report(tmp_path / "report.html")
    assert Path(path).read_text().startswith("<!doctype html>")
    run.save(tmp_path / "run")
    assert Path(run.report()).parent == tmp_path / "run"
    assert "60 coordinated edges" in repr(run)


def test_ctrl_c_stops_a_long_run(tmp_path):
    big = tmp_path / "big.csv"
    cli("simulate", "--rows", "4000000", "--seed", "3", "--out", big)
    script = textwrap.dedent(f"""
        import sys, lockstep
        print("started", flush=True)
        try:
            lockstep.detect({str(big)!r}, progress=False, all_pairs=True)
            print("finished", flush=True)
        except KeyboardInterrupt:
            print("interrupted", flush=True)
    """)
    p = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "started"
    time.sleep(1.0)
    p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=300)
    assert out.strip() == "interrupted"
