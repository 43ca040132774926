import * as fs from 'fs';
import {CsrHost, buildCsr} from '../src/kernels/host/hostOperators';
import {WasmArena} from '../src/kernels/host/WasmArena';
import {diaStructure, wasmPlan} from '../src/kernels/host/wasmOperators';
import {useWasmKernels, wasmKernels} from '../src/kernels/host/wasmKernels';
import {hostKernelsWasm} from '../src/kernels/host/wasm/hostKernelsWasm';
import {luFactorArrays} from '../src/kernels/cpu/typedArrays';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const {compile, kernelFiles} = require('../scripts/build-wasm.js') as {
  compile(name: string, text: string): Promise<string>;
  kernelFiles(): {name: string; wat: string; ts: string}[];
};

/** A small deterministic stream in [-1, 1). */
function stream(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}

interface Coo {n: number; rows: Int32Array; cols: Int32Array; values: Float32Array}

/** Entries on `offsets` (j − i), each kept with probability `keep`; plus `duplicates` repeated pairs. */
function banded(n: number, offsets: number[], keep: number, duplicates: number, seed: number): Coo {
  const rand = stream(seed);
  const rows: number[] = [];
  const cols: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    for (const off of offsets) {
      const j = i + off;
      if (j < 0 || j >= n || (rand() + 1) / 2 >= keep) continue;
      rows.push(i); cols.push(j); values.push(Math.fround(rand() * 4));
    }
  }
  for (let e = 0; e < duplicates && rows.length > 0; e++) {
    const at = Math.floor(((rand() + 1) / 2) * rows.length);
    rows.push(rows[at]); cols.push(cols[at]); values.push(Math.fround(rand()));
  }
  return {n, rows: Int32Array.from(rows), cols: Int32Array.from(cols), values: Float32Array.from(values)};
}

/** y = A x and the Σ|a·x| per row, in float64, straight from the COO entries. */
function reference(a: Coo, x: Float32Array): {y: Float64Array; scale: Float64Array} {
  const y = new Float64Array(a.n);
  const scale = new Float64Array(a.n);
  for (let e = 0; e < a.rows.length; e++) {
    const t = a.values[e] * x[a.cols[e]];
    y[a.rows[e]] += t;
    scale[a.rows[e]] += Math.abs(t);
  }
  return {y, scale};
}

const EPS = 2 ** -24;

/** The wasm product of `a` (as `format`) on x: y and the returned xᵀy. */
function wasmProduct(a: Coo, x: Float32Array, format: 'csr' | 'dia'): {y: Float32Array; dot: number; diagonals: number} {
  const op = new CsrHost(a.n, buildCsr(a.n, a.rows, a.cols), a.values);
  const plan = wasmPlan(op, format);
  if (plan == null) throw new Error(`no ${format} plan`);
  expect(plan.format).toBe(format);
  const arena = WasmArena.open(plan.bytes + 2 * WasmArena.bytes(a.n, plan.pad));
  if (arena == null) throw new Error('no arena');
  try {
    const bound = plan.bind(arena);
    const xs = arena.f32(a.n, plan.pad);
    const ys = arena.f32(a.n, plan.pad);
    if (bound == null || xs == null || ys == null) throw new Error('arena too small');
    xs.set(x);
    ys.fill(NaN);
    const dot = (bound.applyDot as NonNullable<typeof bound.applyDot>)(0, xs, 0, ys, 0);
    const y = ys.slice();
    // apply (no dot) writes the same y.
    ys.fill(NaN);
    bound.apply(0, xs, 0, ys, 0, 1);
    expect(Array.from(ys)).toEqual(Array.from(y));
    const dia = diaStructure(a.n, op.csr);
    return {y, dot, diagonals: dia?.offsets.length ?? 0};
  } finally {
    arena.close();
  }
}

// These tests are about the kernels themselves: on even where LINSOLVE_WASM_KERNELS=0 turns
// them off for the solvers' test files.
useWasmKernels(true);
const support = wasmKernels() != null;
const maybe = support ? describe : describe.skip;

describe('WebAssembly kernels: build', () => {
  it('the committed modules are the compiled .wat files (npm run build:wasm)', async () => {
    const files = kernelFiles();
    expect(files.map(f => f.name)).toContain('hostKernels');
    for (const {name, wat, ts} of files) {
      expect(fs.readFileSync(ts, 'utf8')).toBe(await compile(name, fs.readFileSync(wat, 'utf8')));
    }
  });

  it('Node has WebAssembly SIMD, so these tests run the kernels', () => {
    expect(WebAssembly.validate(Uint8Array.from(Buffer.from(hostKernelsWasm, 'base64')))).toBe(true);
    expect(support).toBe(true);
  });

  it('useWasmKernels(false) turns them off', () => {
    const previous = useWasmKernels(false);
    expect(wasmKernels()).toBeNull();
    expect(WasmArena.open(64)).toBeNull();
    useWasmKernels(previous);
    expect(wasmKernels() != null).toBe(support);
  });
});

maybe('WebAssembly kernels against a float64 reference', () => {
  const cases: [string, Coo][] = [
    // n mod 4 = 1, 2, 3, 0 and tiny n, where the SIMD loop has no or one full group.
    ...[1, 2, 3, 5, 6, 7, 8, 13, 37].map(n => [`tridiagonal n = ${n}`, banded(n, [-1, 0, 1], 1, 0, n)] as [string, Coo]),
    ['5-point Poisson-like 9×9 (n = 81), offsets ±1, ±9', banded(81, [-9, -1, 0, 1, 9], 1, 0, 3)],
    // Diagonals at the edges: A[n−1, 0] and A[0, n−1] alone on theirs.
    ['corner diagonals ±(n − 1), n = 23', banded(23, [-22, -1, 0, 1, 22], 1, 0, 4)],
    ['sparse band with holes and empty rows, n = 50', banded(50, [-3, 0, 2], 0.6, 0, 5)],
    ['duplicated COO pairs, n = 30', banded(30, [-2, 0, 1, 5], 1, 25, 6)],
  ];

  it('the cases include empty rows', () => {
    const a = cases.find(([name]) => name.includes('empty rows'))?.[1] as Coo;
    const filled = new Set(a.rows);
    expect(filled.size).toBeLessThan(a.n);
  });

  it.each(cases)('%s: CSR and DIA products match', (_, a) => {
    const rand = stream(a.n + 100);
    const x = Float32Array.from({length: a.n}, () => rand());
    const {y: exact, scale} = reference(a, x);
    for (const format of ['csr', 'dia'] as const) {
      const {y, dot, diagonals} = wasmProduct(a, x, format);
      // CSR sums in float64 and rounds once; DIA rounds each of its ≤ ndiag products and sums.
      const terms = format === 'csr' ? 1 : 2 * diagonals;
      let exactDot = 0;
      for (let i = 0; i < a.n; i++) {
        expect(Math.abs(y[i] - exact[i])).toBeLessThanOrEqual(terms * EPS * Math.max(scale[i], Math.abs(exact[i])) + 1e-30);
        exactDot += x[i] * y[i];
      }
      // xᵀy of the stored y, accumulated in float64.
      expect(Math.abs(dot - exactDot)).toBeLessThanOrEqual(1e-12 * a.n * Math.max(1, Math.abs(exactDot)));
    }
  });

  it('DIA is chosen for few, well-filled diagonals and CSR otherwise', () => {
    const wide = banded(40, Array.from({length: 20}, (_, i) => 2 * i - 19), 1, 0, 8);
    const thin = banded(64, [-1, 0, 1], 0.2, 0, 9);
    const poisson = banded(144, [-12, -1, 0, 1, 12], 1, 0, 10);
    const plan = (a: Coo) => wasmPlan(new CsrHost(a.n, buildCsr(a.n, a.rows, a.cols), a.values));
    expect(plan(wide)?.format).toBe('csr');
    expect(plan(thin)?.format).toBe('csr');
    expect(plan(poisson)?.format).toBe('dia');
    expect(plan(poisson)?.pad).toBe(12);
  });

  it('update and direction: x += αp, r −= αq, rᵀr; p = r + βp (n = 1…11)', () => {
    const kernels = wasmKernels();
    if (kernels == null) throw new Error('no kernels');
    for (let n = 1; n <= 11; n++) {
      const rand = stream(n);
      const data = Array.from({length: 4}, () => Float32Array.from({length: n}, () => rand()));
      const arena = WasmArena.open(5 * WasmArena.bytes(n));
      if (arena == null) throw new Error('no arena');
      try {
        const [x, r, p, q] = data.map(d => {
          const v = arena.f32(n) as Float32Array;
          v.set(d);
          return v;
        });
        // A sentinel after the last vector: the kernels must not write past n.
        const after = arena.f32(4) as Float32Array;
        after.fill(7);
        const alpha = 0.37;
        const beta = -1.25;
        const rr = kernels.update(n, x.byteOffset, r.byteOffset, p.byteOffset, q.byteOffset, alpha);
        let exactRr = 0;
        for (let i = 0; i < n; i++) {
          const xi = Math.fround(data[0][i] + Math.fround(Math.fround(alpha) * data[2][i]));
          const ri = Math.fround(data[1][i] - Math.fround(Math.fround(alpha) * data[3][i]));
          expect(x[i]).toBe(xi);
          expect(r[i]).toBe(ri);
          exactRr += ri * ri;
        }
        expect(Math.abs(rr - exactRr)).toBeLessThanOrEqual(1e-14 * exactRr);
        kernels.direction(n, p.byteOffset, r.byteOffset, beta);
        for (let i = 0; i < n; i++) expect(p[i]).toBe(Math.fround(r[i] + Math.fround(Math.fround(beta) * data[2][i])));
        expect(Array.from(after)).toEqual([7, 7, 7, 7]);
      } finally {
        arena.close();
      }
    }
  });

  it('an arena grows the memory once, up front, and is zeroed; one at a time', () => {
    const kernels = wasmKernels();
    if (kernels == null) throw new Error('no kernels');
    const bytes = 3 * 1024 * 1024;
    const arena = WasmArena.open(bytes);
    if (arena == null) throw new Error('no arena');
    try {
      const buffer = kernels.memory.buffer;
      expect(buffer.byteLength).toBeGreaterThanOrEqual(bytes);
      const v = arena.f32(1000, 10) as Float32Array;
      expect(v.buffer).toBe(buffer);
      expect(new Float32Array(buffer, v.byteOffset - 40, 1020).every(e => e === 0)).toBe(true);
      expect(WasmArena.open(64)).toBeNull();
      expect(arena.f32(bytes / 4)).toBeNull();
    } finally {
      arena.close();
    }
    const again = WasmArena.open(64);
    expect(again).not.toBeNull();
    again?.close();
  });
});

describe('WebAssembly kernels: dense LU', () => {
  /** Row-major batch of n×n matrices: random, one needing pivots, one singular, one with a NaN. */
  function matrices(n: number, seed: number): Float32Array {
    const rand = stream(seed);
    const a = Float32Array.from({length: 4 * n * n}, () => rand());
    const at = (m: number, i: number, j: number) => m * n * n + i * n + j;
    for (let i = 0; i < n; i++) a[at(1, i, i)] = 1e-6 * a[at(1, i, i)];   // tiny diagonal: pivoting decides
    for (let i = 0; i < n; i++) a[at(2, i, n - 1)] = a[at(2, i, 0)] * 2; // columns 0 and n−1 dependent
    a[at(3, n >> 1, n >> 2)] = NaN;
    return a;
  }

  it('equals the JavaScript elimination bit for bit (n = 32…70, pivoting, singular, NaN)', () => {
    for (const n of [32, 33, 47, 64, 70]) {
      const a = matrices(n, n);
      const previous = useWasmKernels(false);
      const js = luFactorArrays(a, 4, n);
      useWasmKernels(true);
      const wasm = luFactorArrays(a, 4, n);
      useWasmKernels(previous);
      const differ = (x: ArrayLike<number>, y: ArrayLike<number>) => Array.from(x).findIndex((v, i) => !Object.is(v, y[i]));
      expect([n, differ(wasm.packed, js.packed)]).toEqual([n, -1]);
      expect([n, differ(wasm.perm, js.perm)]).toEqual([n, -1]);
      expect([n, differ(wasm.pivots, js.pivots)]).toEqual([n, -1]);
    }
  });

  it('P A = L U against float64, with |l| ≤ 1 (n = 33, 64)', () => {
    for (const n of [33, 64]) {
      const a = matrices(n, 100 + n).subarray(0, 2 * n * n);
      const {packed, perm} = luFactorArrays(a, 2, n);
      for (let m = 0; m < 2; m++) {
        const base = m * n * n;
        let worst = 0;
        let scale = 0;
        let largestL = 0;
        for (let i = 0; i < n; i++) {
          for (let k = 0; k < i; k++) largestL = Math.max(largestL, Math.abs(packed[base + i * n + k]));
          for (let j = 0; j < n; j++) {
            let s = 0;
            for (let k = 0; k <= Math.min(i, j); k++) s += (k === i ? 1 : packed[base + i * n + k]) * packed[base + k * n + j];
            const want = a[base + perm[m * n + i] * n + j];
            worst = Math.max(worst, Math.abs(s - want));
            scale = Math.max(scale, Math.abs(want));
          }
        }
        expect(largestL).toBeLessThanOrEqual(1);
        expect(worst / scale).toBeLessThan(8 * n * 1.2e-7);
      }
    }
  });
});
