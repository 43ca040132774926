"""torchdiffeq on the ODE bench's problem: ms per step of rk4 (fixed grid) and dopri5, forward
and forward+backward (direct backprop and odeint_adjoint). Reads the problem as JSON on stdin,
prints JSON. Run by bench/ode.ts with bench/.venv's Python."""
import json
import sys
import time

import torch
import torchdiffeq

spec = json.load(sys.stdin)
torch.set_num_threads(spec["threads"])
W1 = torch.tensor(spec["W1"], dtype=torch.float32, requires_grad=True)
W2 = torch.tensor(spec["W2"], dtype=torch.float32, requires_grad=True)
y0 = torch.tensor(spec["y0"], dtype=torch.float32, requires_grad=True)
t = torch.tensor(spec["times"], dtype=torch.float32)


class F(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.W1 = torch.nn.Parameter(W1.detach().clone())
        self.W2 = torch.nn.Parameter(W2.detach().clone())
        self.evals = 0

    def forward(self, t, y):
        self.evals += 1
        return torch.tanh(y @ self.W1) @ self.W2


def median_ms(fn, repeats):
    fn()
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
    runs.sort()
    return runs[len(runs) // 2]


results = []
for case in spec["cases"]:
    f = F()
    options = dict(method=case["method"], rtol=case.get("rtol", 1e-7), atol=case.get("atol", 1e-9))
    if case["method"] == "rk4":
        options["options"] = dict(step_size=case["stepSize"])
    with torch.no_grad():
        f.evals = 0
        torchdiffeq.odeint(f, y0, t, **options)
        evals = f.evals
    steps = case["steps"] if case["method"] == "rk4" else None
    if steps is None:
        steps = max(1, (evals - 2) // 6)  # dopri5: 6 evaluations per step after the initial ones
    for phase in ["forward", "forward+backward", "forward+backward (adjoint)"]:
        def run():
            y0_ = y0.detach().clone().requires_grad_(phase != "forward")
            if phase == "forward":
                with torch.no_grad():
                    torchdiffeq.odeint(f, y0_, t, **options)
                return
            solver = torchdiffeq.odeint_adjoint if "adjoint" in phase else torchdiffeq.odeint
            y = solver(f, y0_, t, **options)
            y.sum().backward()
        ms = median_ms(run, spec["repeats"])
        results.append(dict(method=case["method"], phase=phase, steps=steps, ms=ms, msPerStep=ms / steps))

print(json.dumps(dict(torch=torch.__version__, torchdiffeq=torchdiffeq.__version__, threads=spec["threads"], results=results)))
