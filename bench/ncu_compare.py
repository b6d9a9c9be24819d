#!/usr/bin/env python3
"""Joins the bytes that Hindsight's TrafficCounter counted per kernel (NcuProbe's or `bench device-step
--counted`'s CSV) with what Nsight Compute measured for the same launches, and prints their agreement
and, when measured, each kernel's GPU time.

  ncu --target-processes all --clock-control none --csv --log-file ncu.csv \
      --metrics gpu__time_duration.sum,dram__bytes_read.sum,dram__bytes_write.sum,\
lts__t_sectors_srcunit_tex_op_read.sum,lts__t_sectors_srcunit_tex_op_write.sum java ... --counted counted.csv
  python3 bench/ncu_compare.py counted.csv ncu.csv

Two measured columns per direction:
  L2 req  the bytes the kernel's loads and stores asked of L2 (32-byte sectors from the SMs): the
          kernel's own global-memory traffic, which is what the counters count (each pass over a
          tensor counts, even when the second pass hits L2);
  DRAM    what reached DRAM: below the counters when a tensor is re-read from the 50-60 MB L2
          (a second pass, or a tensor the previous kernel just wrote), and writes can stay in L2
          when the kernel ends, so DRAM writes are a lower bound.
"""
import csv
import sys
from collections import defaultdict

SECTOR = 32


def unit_factor(unit):
    return {"byte": 1, "Kbyte": 1e3, "Mbyte": 1e6, "Gbyte": 1e9, "KB": 1e3, "MB": 1e6, "GB": 1e9, "B": 1,
            "sector": SECTOR, "nsecond": 1e-9, "usecond": 1e-6, "msecond": 1e-3, "second": 1,
            "ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1}.get(unit.strip(), 1)


def ratio(measured, counted):
    return measured / counted if counted else float("nan")


def main():
    counted_path, ncu_path = sys.argv[1], sys.argv[2]
    counted = {}
    with open(counted_path) as f:
        for row in csv.DictReader(f):
            counted[row["kernel"]] = (int(row["launches"]), int(row["countedRead"]), int(row["countedWrite"]))
    measured = defaultdict(lambda: defaultdict(float))
    launches = defaultdict(set)
    with open(ncu_path) as f:
        lines = [l for l in f if l.startswith('"')]
    for row in csv.DictReader(lines):
        name = row["Kernel Name"].split("(")[0].strip()
        metric = row["Metric Name"]
        value = float(row["Metric Value"].replace(",", "")) * unit_factor(row.get("Metric Unit", ""))
        measured[name][metric] += value
        launches[name].add(row["ID"])
    has_l2 = any("lts__t_sectors_srcunit_tex_op_read.sum" in m for m in measured.values())
    has_time = any("gpu__time_duration.sum" in m for m in measured.values())
    print("%-24s %8s %10s %14s %14s %7s %14s %7s %14s %14s %7s %14s %7s" % (
        "kernel", "launches", "time us", "counted read", "L2 req read", "ratio", "DRAM read", "ratio",
        "counted write", "L2 req write", "ratio", "DRAM write", "ratio"))
    worst = 0.0
    totals = defaultdict(float)
    rows = []
    for name, (n, rd, wr) in counted.items():
        if name not in measured:
            # an entry with no launches of its own (hs_mask_stop: the producers' atomic ORs into the STE
            # mask) holds bytes counted after the step from the statistics; ncu charges them to the
            # producing kernels' rows
            why = "no launch of its own" if n == 0 else "not profiled"
            print("%-24s %8d %10s %14d %14s  (counted write %d)" % (name, n, "-", rd, why, wr))
            continue
        m = measured[name]
        t = m.get("gpu__time_duration.sum", float("nan")) * 1e6
        l2r = m.get("lts__t_sectors_srcunit_tex_op_read.sum", float("nan"))
        l2w = m.get("lts__t_sectors_srcunit_tex_op_write.sum", float("nan"))
        dr = m.get("dram__bytes_read.sum", float("nan"))
        dw = m.get("dram__bytes_write.sum", float("nan"))
        sharp = l2r if has_l2 else dr
        if rd >= 64e6:
            worst = max(worst, abs(ratio(sharp, rd) - 1))
        for key, v in (("time", t), ("rd", rd), ("wr", wr), ("l2r", l2r), ("l2w", l2w), ("dr", dr), ("dw", dw)):
            if v == v:
                totals[key] += v
        rows.append((t if has_time else 0, "%-24s %8d %10.1f %14d %14.0f %7.3f %14.0f %7.3f %14d %14.0f %7.3f %14.0f %7.3f" % (
            name, len(launches[name]), t, rd, l2r, ratio(l2r, rd), dr, ratio(dr, rd), wr, l2w, ratio(l2w, wr), dw,
            ratio(dw, wr))))
    for _, line in sorted(rows, key=lambda r: -r[0]) if has_time else rows:
        print(line)
    print("largest read disagreement (%s) on kernels reading >= 64 MB: %.1f%%"
          % ("L2 requests" if has_l2 else "DRAM", 100 * worst))
    counted_all = totals["rd"] + totals["wr"]
    if counted_all:
        if has_l2:
            print("all profiled kernels together: counted %.0f B, L2 requests %.0f B (ratio %.3f; reads %.3f, writes %.3f)"
                  % (counted_all, totals["l2r"] + totals["l2w"], ratio(totals["l2r"] + totals["l2w"], counted_all),
                     ratio(totals["l2r"], totals["rd"]), ratio(totals["l2w"], totals["wr"])))
        print("all profiled kernels together: counted %.0f B, DRAM %.0f B, ratio %.3f"
              % (counted_all, totals["dr"] + totals["dw"], ratio(totals["dr"] + totals["dw"], counted_all)))
    if has_time:
        print("kernel time, all profiled launches: %.3f ms" % (totals["time"] / 1e3))


if __name__ == "__main__":
    main()
