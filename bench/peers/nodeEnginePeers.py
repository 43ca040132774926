"""Peers of bench/node-engine.ts: torch (1 and 2 threads) and SciPy, on the files it wrote.

Reads a JSON spec on stdin, prints one JSON object on stdout: for each case, the fastest of
`runs` timed runs after a warm-up, in ms.

    {"runs": 9,
     "dense": [{"n": 500, "A": "...f32", "b": "...f32", "w": "...f32"}],
     "batched": [{"B": 1024, "n": 16, "A": "...f32", "b": "...f32", "w": "...f32"}],
     "poisson": [{"m": 256, "k": 8, "iterations": 50}]}

torch: float32 `torch.linalg.solve` forward, and forward + backward (`torch.autograd.grad` of
sum(x * w) with respect to A and b), batched or not, and `torch.linalg.lu_factor` alone
(1 thread: LAPACK's getrf, the factorisation both solves run). SciPy: `scipy.sparse.linalg.cg` on the
float32 5-point Poisson matrix (4 on the diagonal, -1 off it, as ls.poisson2d), b = ones,
rtol = atol = 0 and maxiter = iterations, once per right-hand side: ms per iteration for the
block is the sum over its columns.
"""
import json
import sys
import time


def fastest(run, runs):
    run()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        run()
        times.append((time.perf_counter() - t0) * 1e3)
    # The fastest run, as bench/node-engine.ts reports its own (a shared machine only adds time).
    return min(times)


def main():
    spec = json.load(sys.stdin)
    import numpy as np
    out = {"versions": {}, "dense": [], "batched": [], "poisson": []}
    runs = int(spec.get("runs", 9))
    try:
        import torch
        out["versions"]["torch"] = torch.__version__
        for case, key in [(c, "dense") for c in spec["dense"]] + [(c, "batched") for c in spec["batched"]]:
            shape = [case["n"], case["n"]] if key == "dense" else [case["B"], case["n"], case["n"]]
            rhs = [case["n"], 1] if key == "dense" else [case["B"], case["n"], 1]
            A = torch.from_numpy(np.fromfile(case["A"], dtype="<f4").reshape(shape))
            b = torch.from_numpy(np.fromfile(case["b"], dtype="<f4").reshape(rhs))
            w = torch.from_numpy(np.fromfile(case["w"], dtype="<f4").reshape(rhs))

            def forward():
                torch.linalg.solve(A, b)

            def both():
                a = A.clone().requires_grad_(True)
                bb = b.clone().requires_grad_(True)
                x = torch.linalg.solve(a, bb)
                torch.autograd.grad((x * w).sum(), [a, bb])

            def factor():
                torch.linalg.lu_factor(A)

            row = dict(case)
            for threads in (1, 2):
                torch.set_num_threads(threads)
                row[f"forward{threads}"] = fastest(forward, runs)
                row[f"both{threads}"] = fastest(both, runs)
            torch.set_num_threads(1)
            row["factor1"] = fastest(factor, runs)
            out[key].append(row)
    except ImportError as error:
        out["torchMissing"] = str(error)
    try:
        import scipy
        import scipy.sparse as sp
        import scipy.sparse.linalg as spla
        out["versions"]["scipy"] = scipy.__version__
        for case in spec["poisson"]:
            m, k, iterations = case["m"], case["k"], case["iterations"]
            t = sp.diags([-1.0, 2.0, -1.0], [-1, 0, 1], shape=(m, m))
            eye = sp.identity(m)
            A = (sp.kron(t, eye) + sp.kron(eye, t)).astype(np.float32).tocsr()
            b = np.ones(m * m, dtype=np.float32)

            def solve():
                for _ in range(k):
                    spla.cg(A, b, rtol=0, atol=0, maxiter=iterations)

            out["poisson"].append({**case, "msPerIteration": fastest(solve, max(3, runs // 3)) / iterations})
    except ImportError as error:
        out["scipyMissing"] = str(error)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
