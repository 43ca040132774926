"""torch float32 solutions for bench/accuracy.ts's refinement section.

Reads {"cases": [{"id": str, "n": int, "A": [n*n float32, row-major], "b": [n float32]}, ...]}
on stdin and prints {"versions": {...}, "solutions": {id: [n floats]}}: x = torch.linalg.solve(A, b)
with A and b as float32 tensors (LAPACK sgesv: float32 LU with partial pivoting, no refinement),
so the Node side can compute its forward error against the same float64 reference.
"""
import json
import sys

import torch


def main():
    spec = json.load(sys.stdin)
    torch.set_num_threads(1)
    out = {}
    for case in spec["cases"]:
        n = case["n"]
        a = torch.tensor(case["A"], dtype=torch.float32).reshape(n, n)
        b = torch.tensor(case["b"], dtype=torch.float32).reshape(n, 1)
        out[case["id"]] = torch.linalg.solve(a, b).reshape(n).tolist()
    json.dump({"versions": {"torch": torch.__version__}, "solutions": out}, sys.stdout)


main()
