/**
 * Local push (Gauss–Southwell relaxation restricted to large residuals), the engine of forward
 * push (Andersen, Chung & Lang, FOCS 2006) and backward / contribution push (Andersen, Borgs,
 * Chayes, Hopcroft, Mirrokni & Teng, WAW 2007), generalised from PageRank to any strictly
 * diagonally dominant matrix (Kwok, Wei & Yang, ITCS 2026).
 *
 * Forward push on A x = b keeps p and ρ = b − A p; pushing u moves ρᵤ/aᵤᵤ into pᵤ and
 * subtracts column u of A times it from ρ. Backward push does the same on Aᵀ q = c, reading row u
 * of A. The invariant (x* = p + A⁻¹ρ) is exact for any order; under strict column (forward) or
 * row (backward) dominance with margin β, each push of u lowers ‖ρ‖₁ by at least β|ρᵤ|, so
 * pushing only while |ρᵤ| > θ·(degᵤ + 1) reads at most ‖b‖₁/(βθ) stored entries in total:
 * independent of n. The frontier is a host queue over CSR arrays, so work is the pushed
 * volume, never a pass over all n nodes.
 */
import {HostSystem} from './HostSystem';
import {SparseVector} from './hostVector';

/** Where a push stands: the estimate, the residual, and what it cost. */
export interface PushState {
  estimate: Map<number, number>;
  residual: Map<number, number>;
  residualOneNorm: number;
  residualInfNorm: number;
  /** Stored entries of A read (each push reads one row or column and its diagonal) plus residual scans. */
  work: number;
  pushes: number;
  threshold: number;
  /** maxWork ran out before `done` held. */
  exhausted: boolean;
}

export interface PushSchedule {
  /** Push once to this θ; null: start at the largest residual and halve θ until `done`. */
  threshold: number | null;
  done: (state: PushState) => boolean;
  maxWork: number;
}

/** Pushes on the rows of A (`'backward'`, for Aᵀq = c) or its columns (`'forward'`, for Ap = b). */
export function push(sys: HostSystem, start: SparseVector, direction: 'forward' | 'backward',
    schedule: PushSchedule): PushState {
  const {layout, values, diag} = sys;
  const [ptr, other, entry] = direction === 'backward' ?
    [layout.rowPtr, layout.rowCol, layout.rowEntry] : [layout.colPtr, layout.colRow, layout.colEntry];
  const weight = (u: number) => ptr[u + 1] - ptr[u] + 1;
  const residual = new Map<number, number>();
  for (let k = 0; k < start.indices.length; k++) residual.set(start.indices[k], start.values[k]);
  const state: PushState = {estimate: new Map(), residual, residualOneNorm: 0, residualInfNorm: 0,
    work: start.indices.length, pushes: 0, threshold: 0, exhausted: false};
  measureResidual(state);
  let theta = schedule.threshold ?? initialThreshold(residual, weight);
  while (!(schedule.threshold == null && (state.residualOneNorm === 0 || schedule.done(state)))) {
    state.threshold = theta;
    const queue: number[] = [];
    const queued = new Set<number>();
    const offer = (u: number, r: number) => {
      if (Math.abs(r) > theta * weight(u) && !queued.has(u)) {
        queued.add(u);
        queue.push(u);
      }
    };
    residual.forEach((r, u) => offer(u, r));
    state.work += residual.size;
    for (let head = 0; head < queue.length; head++) {
      const u = queue[head];
      queued.delete(u);
      const r = residual.get(u) ?? 0;
      if (!(Math.abs(r) > theta * weight(u))) continue;
      const delta = r / diag[u];
      state.estimate.set(u, (state.estimate.get(u) ?? 0) + delta);
      residual.delete(u);
      for (let k = ptr[u]; k < ptr[u + 1]; k++) {
        const v = other[k];
        const next = (residual.get(v) ?? 0) - values[entry[k]] * delta;
        if (next === 0) residual.delete(v);
        else residual.set(v, next);
        offer(v, next);
      }
      state.work += weight(u);
      state.pushes++;
      if (state.work > schedule.maxWork) {
        state.exhausted = true;
        break;
      }
    }
    measureResidual(state);
    if (state.exhausted || schedule.threshold != null) break;
    theta /= 2;
  }
  return state;
}

function initialThreshold(residual: Map<number, number>, weight: (u: number) => number): number {
  let top = 0;
  residual.forEach((r, u) => { top = Math.max(top, Math.abs(r) / weight(u)); });
  return top / 2;
}

function measureResidual(state: PushState): void {
  let one = 0;
  let inf = 0;
  state.residual.forEach(r => {
    one += Math.abs(r);
    inf = Math.max(inf, Math.abs(r));
  });
  state.residualOneNorm = one;
  state.residualInfNorm = inf;
  state.work += state.residual.size;
}
