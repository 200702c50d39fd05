"""What the benchmark scripts share."""

import os
import shutil
import subprocess


def simulated_dataset(binary, work, rows):
    """A fresh folder WORK/ROWS holding `ds`, the dataset of `lockstep
    simulate --rows ROWS --seed 7`; returns (folder, dataset)."""
    case = os.path.join(work, str(rows))
    shutil.rmtree(case, ignore_errors=True)
    os.makedirs(case)
    src, ds = os.path.join(case, "s.csv"), os.path.join(case, "ds")
    for args in (["simulate", "--rows", str(rows), "--seed", "7", "--out", src, "--quiet"],
                 ["ingest", src, "--out", ds, "--quiet"]):
        subprocess.run([binary, *args], check=True, stdout=subprocess.DEVNULL)
    os.remove(src)
    return case, ds
