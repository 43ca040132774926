"""torch.linalg on the inputs bench/linalg-parity.ts sends (JSON on stdin): values and gradients
of each op in float32 and in float64, as JSON on stdout. The losses are the same weighted sums
the Node side differentiates."""
import json
import sys

import torch


def tensor(spec, dtype):
    return torch.tensor(spec["data"], dtype=dtype).reshape(spec["shape"])


# Ops with one output, weighted by W in the loss: name -> (output name, function of the inputs).
SINGLE = {
    "luSolve": ("x", lambda A, B: torch.linalg.lu_solve(*torch.linalg.lu_factor(A), B)),
    "cholesky": ("lower", lambda A: torch.linalg.cholesky(A)),
    "choleskySolve": ("x", lambda A, B: torch.cholesky_solve(B, torch.linalg.cholesky(A))),
    "triangularSolve": ("x", lambda A, B: torch.linalg.solve_triangular(A, B, upper=False)),
    "inv": ("inv", lambda A: torch.linalg.inv(A)),
    "det": ("det", lambda A: torch.linalg.det(A)),
    "logdet": ("logdet", lambda A: torch.logdet(A)),
}


def run(case, dtype):
    op = case["op"]
    x = {k: tensor(v, dtype).requires_grad_(True) for k, v in case["inputs"].items()}
    w = {k: tensor(v, dtype) for k, v in case["weights"].items()}
    values = {}
    A = x["A"]
    if op in SINGLE:
        name, fn = SINGLE[op]
        out = fn(A, x["B"]) if "B" in x else fn(A)
        values[name] = out
        loss = (w["W"] * out).sum()
    elif op == "lu":
        P, L, U = torch.linalg.lu(A)
        values["lower"], values["upper"] = L, U
        # Ours: row i of P·A is row perm[i] of A, i.e. P_ours = P_torchᵀ.
        values["permutation"] = P.argmax(dim=-2).to(dtype)
        loss = (w["WL"] * L).sum() + (w["WU"] * U).sum()
    elif op == "slogdet":
        sign, logabsdet = torch.linalg.slogdet(A)
        values["sign"], values["logAbsDet"] = sign, logabsdet
        loss = (w["W"] * logabsdet).sum()
    else:
        raise ValueError(op)
    names = sorted(x)
    grads = torch.autograd.grad(loss, [x[k] for k in names])
    flat = lambda t: t.detach().reshape(-1).tolist()
    return {"values": {k: flat(v) for k, v in values.items()},
            "grads": {k: flat(g) for k, g in zip(names, grads)}}


def main():
    spec = json.load(sys.stdin)
    torch.set_num_threads(1)
    out = {"torch": torch.__version__, "cases": []}
    for case in spec["cases"]:
        out["cases"].append({"float32": run(case, torch.float32), "float64": run(case, torch.float64)})
    json.dump(out, sys.stdout)


main()
