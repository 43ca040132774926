/**
 * The page side of bench/webgl-engine.ts, bundled by esbuild as the global `webglBench`: it
 * uses the page's `tf` (tf.min.js) and `tfLinsolve` (the library's browser bundle) and imports
 * types only, so it measures exactly the shipped bundle.
 *
 * CG per iteration on 2-D Poisson m² (b = ones, `fixedIterations`, so no readback in the
 * loop; a timed solve is linearSolve + one readback of x, divided by the iterations) three ways
 * in the same page, round-robin: the tf-ops loop (`useWebglEngine(false)`), the library's WebGL
 * engine (on), and a fused-program floor: a CG iteration written directly as the fewest
 * programs we know how to write for this problem — a matrix-free 5-point stencil for A·p
 * (no index textures), two-pass dots, and three vector updates reading α and β from the dot
 * textures — driven with no library in between. Dense LU on a random well-conditioned matrix:
 * `linearSolve(A, b, {method: 'lu'})` + one readback, tf ops vs the hybrid.
 */
import type * as Tf from '@tensorflow/tfjs';
import type * as Ls from '../../src';

type TfModule = typeof Tf;
type LsModule = typeof Ls;

export interface WebglBenchConfig {
  grids: number[];
  iterations: number;
  /** BiCGStab's fixed iterations (two products each: half of CG's keeps the time alike). */
  bicgstabIterations: number;
  runs: number;
  luSizes: number[];
  luRuns: number;
  /** tf-ops LU is measured only up to this n (per-column LU at n = 500 takes minutes). */
  tfOpsLuMax: number;
  /** Batched small systems [B, n]: the per-column tf-ops path against the hybrid. */
  batched: [number, number][];
}

/** ms of `count` queued calls of f, then one readback, per call. */
function perCall(tf: TfModule, f: () => Tf.Tensor, count = 20): number {
  tf.tidy(() => f()).dataSync();
  const t0 = performance.now();
  const outs: Tf.Tensor[] = [];
  for (let i = 0; i < count; i++) outs.push(f());
  outs[outs.length - 1].dataSync();
  const ms = (performance.now() - t0) / count;
  tf.dispose(outs);
  return ms;
}

/** Component costs (ms per call) on Poisson m²: the library's product A·p on and off, the floor's stencil. */
export function probeInPage(m: number): Record<string, number> {
  const g = globalThis as unknown as {tf: TfModule; tfLinsolve: LsModule};
  const {tf, tfLinsolve: ls} = g;
  const n = m * m;
  const A = ls.poisson2dOperator(m);
  const p = tf.randomNormal([n, 1]);
  const out: Record<string, number> = {};
  const prev = ls.useWebglEngine(true);
  out.productEngine = perCall(tf, () => A.apply(p));
  out.dotTfOps = perCall(tf, () => tf.sum(tf.mul(p, p)));
  ls.useWebglEngine(false);
  out.productTfOps = perCall(tf, () => A.apply(p));
  ls.useWebglEngine(prev);
  out.add = perCall(tf, () => tf.add(p, p));
  tf.dispose([p, A.values]);
  A.dispose();
  return out;
}

export interface CgRow {m: number; n: number; engine: 'tf ops' | 'webgl engine' | 'fused floor'; msPerIteration: number[]; median: number}
export interface BicgstabRow {m: number; n: number; engine: 'tf ops' | 'webgl engine'; msPerIteration: number[]; median: number}
export interface LuRow {batch: number; n: number; engine: 'tf ops' | 'hybrid'; ms: number[]; median: number; relativeResidual: number; status: string}
export interface WebglBenchResult {
  cg: CgRow[];
  bicgstab: BicgstabRow[];
  lu: LuRow[];
  info: Record<string, unknown>;
  log: string[];
}

interface Runner {compileAndRun(p: object, inputs: Tf.Tensor[]): Tf.TensorInfo}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The fused floor: CG on the 5-point Poisson stencil in 8 programs per iteration. */
function fusedFloor(tf: TfModule, m: number) {
  const n = m * m;
  const runner = tf.backend() as unknown as Runner;
  const run = (program: object, inputs: Tf.Tensor[]) => tf.engine().makeTensorFromTensorInfo(runner.compileAndRun(program, inputs));
  const chunk = Math.max(8, 2 ** Math.ceil(Math.log2(Math.sqrt(n))));
  const chunks = Math.ceil(n / chunk);
  const stencil = {variableNames: ['P'], outputShape: [n], userCode: `
    void main() {
      int i = getOutputCoords();
      int r = i / ${m}; int c = i - r * ${m};
      float v = 4.0 * getP(i);
      if (r > 0) v -= getP(i - ${m});
      if (r < ${m - 1}) v -= getP(i + ${m});
      if (c > 0) v -= getP(i - 1);
      if (c < ${m - 1}) v -= getP(i + 1);
      setOutput(v);
    }`};
  const dot1 = {variableNames: ['U', 'V'], outputShape: [chunks], userCode: `
    void main() {
      int s = getOutputCoords() * ${chunk};
      float acc = 0.0;
      for (int t = 0; t < ${chunk}; t++) { int i = s + t; if (i >= ${n}) break; acc += getU(i) * getV(i); }
      setOutput(acc);
    }`};
  const dot2 = {variableNames: ['P'], outputShape: [1], userCode: `
    void main() { float acc = 0.0; for (int t = 0; t < ${chunks}; t++) acc += getP(t); setOutput(acc); }`};
  const axpy = (sign: string) => ({variableNames: ['U', 'V', 'RZ', 'PAP'], outputShape: [n], userCode: `
    void main() { int i = getOutputCoords(); float pap = getPAP(0);
      float a = pap == 0.0 ? 0.0 : getRZ(0) / pap; setOutput(getU(i) ${sign} a * getV(i)); }`});
  const direction = {variableNames: ['R', 'P', 'RZN', 'RZ'], outputShape: [n], userCode: `
    void main() { int i = getOutputCoords(); float rz = getRZ(0);
      float b = rz == 0.0 ? 0.0 : getRZN(0) / rz; setOutput(getR(i) + b * getP(i)); }`};
  const dot = (u: Tf.Tensor, v: Tf.Tensor) => tf.tidy(() => run(dot2, [run(dot1, [u, v])]));
  return (iterations: number): Tf.Tensor => {
    let x = tf.zeros([n]);
    let r = tf.ones([n]);
    let p = tf.clone(r);
    let rz = dot(r, r);
    for (let k = 0; k < iterations; k++) {
      const next = tf.tidy(() => {
        const ap = run(stencil, [p]);
        const pap = dot(p, ap);
        const nx = run(axpy('+'), [x, p, rz, pap]);
        const nr = run(axpy('-'), [r, ap, rz, pap]);
        const nrz = dot(nr, nr);
        return {x: nx, r: nr, p: run(direction, [nr, p, nrz, rz]), rz: nrz};
      });
      tf.dispose([x, r, p, rz]);
      ({x, r, p, rz} = next);
    }
    tf.dispose([r, p, rz]);
    return x;
  };
}

function timeIt(f: () => Tf.Tensor): number {
  const t0 = performance.now();
  const x = f();
  x.dataSync();
  const ms = performance.now() - t0;
  x.dispose();
  return ms;
}

function cgCases(tf: TfModule, ls: LsModule, config: WebglBenchConfig, log: (s: string) => void): CgRow[] {
  const rows: CgRow[] = [];
  for (const m of config.grids) {
    const n = m * m;
    const A = ls.poisson2dOperator(m);
    const b = tf.ones([n, 1]);
    const options = {method: 'cg' as const, fixedIterations: true, maxIterations: config.iterations};
    const solveWith = (engine: boolean) => () => {
      const previous = ls.useWebglEngine(engine);
      try { return ls.solve(A, b, options); } finally { ls.useWebglEngine(previous); }
    };
    const floor = fusedFloor(tf, m);
    const engines: [CgRow['engine'], () => Tf.Tensor][] = [
      ['tf ops', solveWith(false)], ['webgl engine', solveWith(true)], ['fused floor', () => floor(config.iterations)],
    ];
    const times = engines.map(() => [] as number[]);
    engines.forEach(([, f]) => timeIt(f));   // warm-up: shader compilation, lazy layouts
    for (let run = 0; run < config.runs; run++) {
      engines.forEach(([, f], i) => times[i].push(timeIt(f) / config.iterations));
    }
    engines.forEach(([engine], i) => {
      rows.push({m, n, engine, msPerIteration: times[i], median: median(times[i])});
      log(`cg m=${m} ${engine}: ${median(times[i]).toFixed(2)} ms/iter (${times[i].map(t => t.toFixed(2)).join(', ')})`);
    });
    b.dispose();
    tf.dispose(A.values);
    A.dispose();
  }
  return rows;
}

/**
 * BiCGStab per iteration on the convection–diffusion matrix of the gallery (Pe 50, m²; the
 * same 5-point pattern as Poisson, nonsymmetric values), fixed iterations, tf ops vs engine.
 */
function bicgstabCases(tf: TfModule, ls: LsModule, config: WebglBenchConfig, log: (s: string) => void): BicgstabRow[] {
  const rows: BicgstabRow[] = [];
  for (const m of config.grids) {
    const n = m * m;
    const coo = ls.convectionDiffusion2d({m, peclet: 50, seed: 1});
    const indices = Array.from({length: coo.values.length}, (_, e) => [coo.indices[2 * e], coo.indices[2 * e + 1]]);
    const values = tf.tensor1d(coo.values);
    const A = ls.sparse({indices, values, shape: [n, n]});
    const b = tf.ones([n, 1]);
    const options = {method: 'bicgstab' as const, fixedIterations: true, maxIterations: config.bicgstabIterations};
    const solveWith = (engine: boolean) => () => {
      const previous = ls.useWebglEngine(engine);
      try { return ls.solve(A, b, options); } finally { ls.useWebglEngine(previous); }
    };
    const engines: [BicgstabRow['engine'], () => Tf.Tensor][] = [['tf ops', solveWith(false)], ['webgl engine', solveWith(true)]];
    const times = engines.map(() => [] as number[]);
    engines.forEach(([, f]) => timeIt(f));
    for (let run = 0; run < config.runs; run++) {
      engines.forEach(([, f], i) => times[i].push(timeIt(f) / config.bicgstabIterations));
    }
    engines.forEach(([engine], i) => {
      rows.push({m, n, engine, msPerIteration: times[i], median: median(times[i])});
      log(`bicgstab m=${m} ${engine}: ${median(times[i]).toFixed(2)} ms/iter (${times[i].map(t => t.toFixed(2)).join(', ')})`);
    });
    tf.dispose([b, values]);
    A.dispose();
  }
  return rows;
}

/** A random matrix that needs pivoting (small diagonal), well conditioned: 0.1·I + Gaussian/√n. */
function luMatrix(tf: TfModule, n: number): Tf.Tensor {
  return tf.tidy(() => tf.add(tf.mul(tf.randomNormal([n, n], 0, 1, 'float32', 7), 1 / Math.sqrt(n)), tf.mul(tf.eye(n), 2)));
}

function luCases(tf: TfModule, ls: LsModule, config: WebglBenchConfig, log: (s: string) => void): LuRow[] {
  const rows: LuRow[] = [];
  const systems: [number, number][] = [...config.luSizes.map(n => [1, n] as [number, number]), ...config.batched];
  for (const [batch, n] of systems) {
    const a = batch === 1 ? luMatrix(tf, n) : tf.tidy(() => tf.stack(Array.from({length: batch}, () => luMatrix(tf, n))));
    const b = tf.ones(batch === 1 ? [n, 1] : [batch, n, 1]);
    const engines: LuRow['engine'][] = n <= config.tfOpsLuMax || batch > 1 ? ['tf ops', 'hybrid'] : ['hybrid'];
    for (const engine of engines) {
      const ms: number[] = [];
      let last = {relativeResidual: NaN, status: ''};
      const previous = ls.useWebglEngine(engine === 'hybrid');
      try {
        const runs = engine === 'tf ops' && batch === 1 ? 1 : config.luRuns;
        for (let k = 0; k <= runs; k++) {   // k = 0: warm-up
          const t0 = performance.now();
          const result = ls.linearSolve(ls.dense(a), b, {method: 'lu'});
          result.x.dataSync();
          if (k > 0 || runs === 1) ms.push(performance.now() - t0);
          last = {relativeResidual: result.relativeResidual, status: result.status};
          result.x.dispose();
          if (engine === 'tf ops' && k === 0 && runs === 1) break;
        }
      } finally {
        ls.useWebglEngine(previous);
      }
      rows.push({batch, n, engine, ms, median: median(ms), ...last});
      log(`lu B=${batch} n=${n} ${engine}: ${median(ms).toFixed(0)} ms (${ms.map(t => t.toFixed(0)).join(', ')}), ${last.status}, residual ${last.relativeResidual.toExponential(1)}`);
    }
    tf.dispose([a, b]);
  }
  return rows;
}

/** One case of the bench, so that the host runs each in its own evaluation (and survives a crashed page). */
export type BenchCase = {kind: 'cg' | 'bicgstab'; m: number} | {kind: 'lu'; batch: number; n: number};

/** The cases `config` asks for, in the order they run. */
export function benchCases(config: WebglBenchConfig): BenchCase[] {
  return [
    ...config.grids.map(m => ({kind: 'cg' as const, m})),
    ...config.grids.map(m => ({kind: 'bicgstab' as const, m})),
    ...config.luSizes.map(n => ({kind: 'lu' as const, batch: 1, n})),
    ...config.batched.map(([batch, n]) => ({kind: 'lu' as const, batch, n})),
  ];
}

/** Runs one case in the page (webgl must be set up by the caller); leakedTensors counts this case's. */
export function runInPage(config: WebglBenchConfig, only: BenchCase): WebglBenchResult {
  const g = globalThis as unknown as {tf: TfModule; tfLinsolve: LsModule};
  const {tf, tfLinsolve: ls} = g;
  const lines: string[] = [];
  const log = (s: string) => { lines.push(s); };
  const before = tf.memory().numTensors;
  const one = only.kind === 'lu' ? {...config, grids: [], luSizes: only.batch === 1 ? [only.n] : [], batched: only.batch === 1 ? [] :
    [[only.batch, only.n] as [number, number]]} : {...config, grids: [only.m], luSizes: [], batched: []};
  const cg = only.kind === 'cg' ? cgCases(tf, ls, one, log) : [];
  const bicgstab = only.kind === 'bicgstab' ? bicgstabCases(tf, ls, one, log) : [];
  const lu = only.kind === 'lu' ? luCases(tf, ls, one, log) : [];
  return {cg, bicgstab, lu, info: {leakedTensors: tf.memory().numTensors - before}, log: lines};
}
