#!/usr/bin/env python3
"""Joins the bytes that Hindsight's TrafficCounter counted per kernel (NcuProbe's CSV) with the DRAM
bytes Nsight Compute measured for the same launches, and prints their agreement.

  ncu --target-processes all --csv --log-file ncu.csv -k regex:'quantize|minmax|gemm_s8|rowsum' \
      --metrics dram__bytes_read.sum,dram__bytes_write.sum,lts__t_bytes.sum java ... NcuProbe --out counted.csv
  python3 bench/ncu_compare.py counted.csv ncu.csv

Writes are reported too, but the 50 MB L2 of an H100 can hold back part of a kernel's writes at the
moment the kernel ends (they reach DRAM later), so reads are the sharp check.
"""
import csv
import sys
from collections import defaultdict


def unit_factor(unit):
    return {"byte": 1, "Kbyte": 1e3, "Mbyte": 1e6, "Gbyte": 1e9, "KB": 1e3, "MB": 1e6, "GB": 1e9,
            "B": 1}.get(unit.strip(), 1)


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
    print("%-24s %8s %14s %14s %8s %14s %14s %8s" % ("kernel", "launches", "counted read", "dram read", "ratio",
                                                    "counted write", "dram write", "ratio"))
    worst = 0.0
    for name, (n, rd, wr) in counted.items():
        if name not in measured:
            print("%-24s %8d %14d %14s" % (name, n, rd, "not profiled"))
            continue
        m = measured[name]
        dr = m.get("dram__bytes_read.sum", float("nan"))
        dw = m.get("dram__bytes_write.sum", float("nan"))
        rr = dr / rd if rd else float("nan")
        wr_ratio = dw / wr if wr else float("nan")
        if rd >= 64e6:
            worst = max(worst, abs(rr - 1))
        print("%-24s %8d %14d %14.0f %8.3f %14d %14.0f %8.3f" % (name, len(launches[name]), rd, dr, rr, wr, dw, wr_ratio))
    print("largest read disagreement on kernels reading >= 64 MB: %.1f%%" % (100 * worst))
    total_counted = sum(rd + wr for name, (n, rd, wr) in counted.items() if name in measured)
    total_dram = sum(m.get("dram__bytes_read.sum", 0) + m.get("dram__bytes_write.sum", 0)
                     for name, m in measured.items() if name in counted)
    if total_counted:
        print("all profiled kernels together: counted %d B, DRAM %.0f B, ratio %.3f"
              % (total_counted, total_dram, total_dram / total_counted))


if __name__ == "__main__":
    main()
