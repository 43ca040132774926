"""The Python peers of `npm run bench`: torch.linalg.solve and scipy.sparse.linalg.cg.

Reads a JSON spec on stdin (written by bench/peers/python.ts), times each case on the same
matrices the Node side uses (raw little-endian float32/int32 files it wrote) and prints one JSON
object on stdout. Run it from the venv that bench/peers/setup.sh makes:

    bench/.venv/bin/python bench/peers/peers.py < spec.json

Spec:
    {"torchThreads": [2, 1],
     "budget": {"oneRunMs": 10000, "maxRuns": 15, "enoughMs": 1000},
     "dense": [{"n": 500, "A": "…/dense500-A.f32", "S": "…", "b": "…", "w": "…"}, …],
     "denseCases": [{"method": "lu" | "cholesky", "phase": "forward" | "forward+backward"}, …],
     "poisson": [{"m": 256, "n": 65536, "indptr": "…", "indices": "…", "data": "…", "b": "…"}, …],
     "cgModes": [{"kind": "rtol", "rtol": 1e-5}, {"kind": "fixed", "iterations": 100}, …]}

Timing matches the Node side: one warm-up, then up to maxRuns timed runs, stopping once at
least 3 ran for enoughMs or the next would pass oneRunMs; the median is reported.

torch (float32, each case once per torch.set_num_threads(t) for t in torchThreads): 'lu' is
torch.linalg.solve(A, b); 'cholesky' is torch.linalg.cholesky(S) then torch.cholesky_solve.
'forward+backward' makes A (or S) and b require grad and runs torch.autograd.grad of
sum(x * w) with respect to both.

SciPy: scipy.sparse.linalg.cg on a float32 CSR matrix and float32 b = ones, x0 = 0, no
preconditioner, iterations counted with its callback. 'rtol' modes pass rtol and atol = 0 (SciPy
stops when its recursive residual ‖r‖ < rtol·‖b‖); 'fixed' modes pass rtol = atol = 0 and
maxiter = iterations, so exactly that many run. The true residual ‖b − A x‖/‖b‖ of the answer is
computed afterwards in float64.
"""
import json
import platform
import sys
import time


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def measure(run, budget):
    """Warm-up, then timed runs within the budget; returns (info of the last run, timing dict)."""
    t0 = time.perf_counter()
    info = run()
    warmup_ms = (time.perf_counter() - t0) * 1e3
    if warmup_ms > budget["oneRunMs"]:
        return info, {"medianMs": warmup_ms, "runsMs": [warmup_ms], "warmupMs": warmup_ms, "coldOnly": True}
    runs = []
    spent = 0.0
    while len(runs) < budget["maxRuns"]:
        t0 = time.perf_counter()
        info = run()
        ms = (time.perf_counter() - t0) * 1e3
        runs.append(ms)
        spent += ms
        if len(runs) >= 3 and spent >= budget["enoughMs"]:
            break
        if spent + ms > budget["oneRunMs"]:
            break
    s = sorted(runs)
    mid = len(s) // 2
    med = s[mid] if len(s) % 2 == 1 else (s[mid - 1] + s[mid]) / 2
    return info, {"medianMs": med, "runsMs": runs, "warmupMs": warmup_ms, "coldOnly": False}


def dense_cases(spec, np, out, missing):
    try:
        import torch
    except Exception as error:  # noqa: BLE001 - any import failure means: peer missing
        missing.append({"peer": "torch", "reason": f"import torch failed: {error}"})
        return None
    budget = spec["budget"]
    for threads in spec.get("torchThreads", [2]):
        torch.set_num_threads(int(threads))
        dense_cases_with(spec, np, torch, budget, int(threads), out)
    torch.set_num_threads(int(spec.get("torchThreads", [2])[0]))
    return torch.__version__


def dense_cases_with(spec, np, torch, budget, threads, out):
    for d in spec.get("dense", []):
        n = d["n"]
        arrays = {k: np.fromfile(d[k], dtype=np.float32) for k in ("A", "S", "b", "w")}
        A = torch.from_numpy(arrays["A"].reshape(n, n).copy())
        S = torch.from_numpy(arrays["S"].reshape(n, n).copy())
        b = torch.from_numpy(arrays["b"].copy())
        w = torch.from_numpy(arrays["w"].copy())
        for case in spec.get("denseCases", []):
            method, phase = case["method"], case["phase"]
            M = A if method == "lu" else S

            def solve(m, rhs, method=method):
                if method == "lu":
                    return torch.linalg.solve(m, rhs)
                L = torch.linalg.cholesky(m)
                return torch.cholesky_solve(rhs.unsqueeze(-1), L).squeeze(-1)

            if phase == "forward":
                def run(M=M, solve=solve):
                    with torch.no_grad():
                        x = solve(M, b)
                    return {"x": x}
            else:
                def run(M=M, solve=solve):
                    Mg = M.detach().requires_grad_(True)
                    bg = b.detach().requires_grad_(True)
                    x = solve(Mg, bg)
                    dM, db = torch.autograd.grad((x * w).sum(), (Mg, bg))
                    return {"x": x.detach(), "grads": (dM, db)}

            info, timing = measure(run, budget)
            x64 = info["x"].double().numpy()
            M64 = M.double().numpy()
            b64 = b.double().numpy()
            residual = float(np.linalg.norm(b64 - M64 @ x64) / np.linalg.norm(b64))
            peer = "torch.linalg.solve" if method == "lu" else "torch.linalg.cholesky + cholesky_solve"
            out.append({"peer": peer, "family": "dense", "n": n, "method": method, "phase": phase,
                        "threads": threads, "trueRelativeResidual": residual, **timing})
            log(f"  {peer} n={n} {phase}, {threads} thread(s): {timing['medianMs']:.2f} ms")


def cg_cases(spec, np, out, missing):
    try:
        import scipy
        import scipy.sparse
        from scipy.sparse.linalg import cg
    except Exception as error:  # noqa: BLE001
        missing.append({"peer": "scipy", "reason": f"import scipy failed: {error}"})
        return None
    budget = spec["budget"]
    for p in spec.get("poisson", []):
        n = p["n"]
        indptr = np.fromfile(p["indptr"], dtype=np.int32)
        indices = np.fromfile(p["indices"], dtype=np.int32)
        data = np.fromfile(p["data"], dtype=np.float32)
        b = np.fromfile(p["b"], dtype=np.float32)
        A = scipy.sparse.csr_matrix((data, indices, indptr), shape=(n, n))
        A64 = A.astype(np.float64)
        b64 = b.astype(np.float64)
        for mode in spec.get("cgModes", []):
            if mode["kind"] == "rtol":
                kwargs = {"rtol": mode["rtol"], "atol": 0.0, "maxiter": 10 * n}
            else:
                kwargs = {"rtol": 0.0, "atol": 0.0, "maxiter": mode["iterations"]}

            def run(kwargs=kwargs):
                count = [0]

                def callback(_xk):
                    count[0] += 1

                x, info = cg(A, b, callback=callback, **kwargs)
                return {"x": x, "info": info, "iterations": count[0]}

            info, timing = measure(run, budget)
            x = info["x"]
            residual = float(np.linalg.norm(b64 - A64 @ x.astype(np.float64)) / np.linalg.norm(b64))
            its = info["iterations"]
            if mode["kind"] == "fixed":
                stop = "fixed iterations"
            elif info["info"] == 0:
                stop = "converged (recursive residual)"
            else:
                stop = "maxIterations"
            out.append({"peer": "scipy.sparse.linalg.cg", "family": "cg", "m": p["m"], "n": n, "mode": mode,
                        "iterations": its, "msPerIteration": timing["medianMs"] / its if its else None,
                        "stop": stop, "xDtype": str(x.dtype), "trueRelativeResidual": residual, **timing})
            log(f"  scipy cg m={p['m']} {mode}: {timing['medianMs']:.1f} ms, {its} iterations, "
                f"true residual {residual:.1e}")
    return scipy.__version__


def main():
    spec = json.load(sys.stdin)
    out, missing = [], []
    versions = {"python": platform.python_version()}
    try:
        import numpy as np
    except Exception as error:  # noqa: BLE001
        print(json.dumps({"versions": versions, "missing": [
            {"peer": "torch", "reason": f"import numpy failed: {error}"},
            {"peer": "scipy", "reason": f"import numpy failed: {error}"}], "results": []}))
        return
    versions["numpy"] = np.__version__
    torch_version = dense_cases(spec, np, out, missing) if spec.get("dense") else None
    if torch_version:
        versions["torch"] = torch_version
        versions["torchThreads"] = ",".join(str(t) for t in spec.get("torchThreads", [2]))
    scipy_version = cg_cases(spec, np, out, missing) if spec.get("poisson") else None
    if scipy_version:
        versions["scipy"] = scipy_version
    print(json.dumps({"versions": versions, "missing": missing, "results": out}))


if __name__ == "__main__":
    main()
