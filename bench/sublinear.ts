/**
 * Single entries in sublinear time: time and work of one entry xᵢ at fixed accuracy for
 * n = 10⁴, 10⁵, 10⁶, beside a full Krylov solve of the same system, on tfjs-node.
 *
 * Families (seeded, __tests__/support/sublinearProblems.ts):
 * - dominant: symmetric, mixed signs, about 4 neighbours per row, row and column margin 0.25
 *   (SPD, so the full solve is CG);
 * - PageRank: a random directed graph with 5 out-links per node, α = 0.15. The single-pair
 *   value π_s(t) is entry s of x = α(I − (1−α)P)⁻¹eₜ (row dominant, β_r = α: push, walks,
 *   bidirectional) and entry t of the forward system α(I − (1−α)Pᵀ)⁻¹e_s (column dominant:
 *   `localSolve`). The full solve is GMRES (the system is not symmetric, so CG does not apply; BiCGStab broke down on it).
 *
 * "first" is the first query on a new A and b: it includes reading A's values and b to the host
 * and the O(nnz) dominance pass (cached per tensor); "query" is the median of 3 further queries
 * (other entries) on the same tensors, which is what is independent of n. "work" is the
 * number of stored entries of A read by the query. The reference value is the certified Neumann
 * series (ε = 1e-7, a linear-time computation).
 *
 *     npx ts-node --transpile-only bench/sublinear.ts      # writes bench/results/sublinear.{md,json}
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import * as ls from '../src';
import {Coo, dominantRandom, pageRank} from '../testing/sublinearProblems';
import {randomVector} from '../testing/reference';
import {median, now} from './lib/measure';

require('@tensorflow/tfjs-node');

interface Row {
  family: string;
  n: number;
  nnz: number;
  method: string;
  options: string;
  firstMs: number;
  queryMs: number;
  work: number;
  bound: number;
  boundKind: string;
  error: number;
}

function operator(a: Coo): ls.SparseOperator {
  const flat = new Int32Array(2 * a.rows.length);
  for (let e = 0; e < a.rows.length; e++) {
    flat[2 * e] = a.rows[e];
    flat[2 * e + 1] = a.cols[e];
  }
  const indices = tf.tensor2d(flat, [a.rows.length, 2], 'int32');
  const A = ls.sparse({indices, values: tf.tensor1d(Float32Array.from(a.values)), shape: [a.n, a.n]});
  indices.dispose();
  return A;
}

/** The first query (fresh tensors: includes the one-time reads) and the median of `repeats` more. */
function timeQueries(A: ls.SparseOperator, b: tf.Tensor, entries: number[], options: ls.EstimateOptions,
    reference: (i: number) => number) {
  const fresh = A.withValues(tf.clone(A.values));
  const bFresh = tf.clone(b);
  let t = now();
  const first = ls.estimateEntry(fresh, bFresh, entries[0], options);
  first.value.dataSync();
  const firstMs = now() - t;
  const error = Math.abs(first.value.dataSync()[0] - reference(entries[0]));
  tf.dispose([first.value, fresh.values, bFresh]);
  const times: number[] = [];
  const works: number[] = [];
  for (const i of entries.slice(1)) {
    t = now();
    const r = ls.estimateEntry(A, b, i, options);
    r.value.dataSync();
    times.push(now() - t);
    works.push(r.work);
    r.value.dispose();
  }
  return {firstMs, queryMs: median(times), work: first.work, bound: first.bound, boundKind: first.boundKind, error,
    medianWork: median(works)};
}

function fullSolve(A: ls.SparseOperator, b: tf.Tensor, method: 'cg' | 'gmres', runs: number) {
  const times: number[] = [];
  let iterations = 0;
  for (let r = 0; r < runs; r++) {
    const t = now();
    const out = ls.linearSolve(A, b, {method, rtol: 1e-6, maxIterations: 2000});
    out.x.dataSync();
    times.push(now() - t);
    iterations = out.iterations;
    out.x.dispose();
  }
  return {ms: median(times), iterations};
}

function main(): void {
  const sizes = (process.env.SUBLINEAR_SIZES ?? '1e4,1e5,1e6').split(',').map(Number);
  tf.setBackend('tensorflow');
  const rows: Row[] = [];
  const solves: {family: string; n: number; nnz: number; method: string; ms: number; iterations: number}[] = [];
  const started = now();
  for (const n of sizes) {
    const entries = Array.from({length: 4}, (_, k) => Math.floor(((k + 1) * n) / 5));
    const runs = n >= 1e6 ? 1 : 3;
    // Dominant family.
    {
      const a = dominantRandom(n, 17);
      const A = operator(a);
      const b = tf.tensor1d(Float32Array.from(randomVector(n, 18), Math.fround));
      const refs = new Map(entries.slice(0, 1).map(i => {
        const r = ls.estimateEntry(A, b, i, {method: 'neumann', epsilon: 1e-7, maxWork: 1e10});
        const v = r.value.dataSync()[0];
        r.value.dispose();
        return [i, v];
      }));
      const cases: [string, ls.EstimateOptions][] = [
        ['backwardPush', {method: 'backwardPush', threshold: 1e-4}],
        ['bidirectional', {method: 'bidirectional', epsilon: 2e-2, seed: 1}],
        ['randomWalk', {method: 'randomWalk', epsilon: 5e-2, seed: 1}],
      ];
      // The certificate-driven push (θ halved until ‖s‖₁‖b‖∞/δ ≤ ε) spreads over this expander
      // and grows with n until it covers the graph; shown where it fits the run's time budget.
      if (n <= 1e5) cases.splice(1, 0, ['backwardPush', {method: 'backwardPush', epsilon: 1e-2}]);
      for (const [method, options] of cases) {
        const m = timeQueries(A, b, entries, options, i => refs.get(i) as number);
        rows.push({family: 'dominant', n, nnz: a.rows.length, method, options: describe(options), ...m});
      }
      const cg = fullSolve(A, b, 'cg', runs);
      solves.push({family: 'dominant', n, nnz: a.rows.length, method: 'ls.solve cg (rtol 1e-6)', ...cg});
      tf.dispose([A.values, b]);
      A.dispose();
    }
    // PageRank family.
    {
      const alpha = 0.15;
      const {source, target} = pageRank(n, 9, alpha);
      const T = operator(target);
      const t = 1;
      const bt = tf.tensor1d(Float32Array.from({length: n}, (_, k) => (k === t ? alpha : 0)));
      const refs = new Map(entries.slice(0, 1).map(i => {
        const r = ls.estimateEntry(T, bt, i, {method: 'neumann', epsilon: 1e-9, maxWork: 1e10});
        const v = r.value.dataSync()[0];
        r.value.dispose();
        return [i, v];
      }));
      const cases: [string, ls.EstimateOptions][] = [
        ['backwardPush', {method: 'backwardPush', threshold: 1e-4}],
        ['bidirectional', {method: 'bidirectional', epsilon: 1e-2, seed: 1}],
        ['randomWalk', {method: 'randomWalk', epsilon: 2e-2, seed: 1}],
      ];
      for (const [method, options] of cases) {
        const m = timeQueries(T, bt, entries, options, i => refs.get(i) as number);
        rows.push({family: 'pagerank π_s(t)', n, nnz: target.rows.length, method, options: describe(options), ...m});
      }
      const S = operator(source);
      const tl = now();
      const local = ls.localSolve(S, {indices: [entries[0]], values: [alpha]}, {threshold: 1e-5});
      const localMs = now() - tl;
      tf.dispose([local.x.indices, local.x.values, local.residual.indices, local.residual.values]);
      const tl2 = now();
      const again = ls.localSolve(S, {indices: [entries[1]], values: [alpha]}, {threshold: 1e-5});
      const localQueryMs = now() - tl2;
      tf.dispose([again.x.indices, again.x.values, again.residual.indices, again.residual.values]);
      rows.push({family: 'pagerank π_s (vector)', n, nnz: source.rows.length, method: 'localSolve (forward push)',
        options: 'threshold 1e-5', firstMs: localMs, queryMs: localQueryMs, work: local.work, bound: local.bound,
        boundKind: 'deterministic', error: NaN});
      const bs = tf.tensor1d(Float32Array.from({length: n}, (_, k) => (k === entries[0] ? alpha : 0)));
      const full = fullSolve(S, bs, 'gmres', runs);
      solves.push({family: 'pagerank', n, nnz: source.rows.length, method: 'ls.solve gmres (rtol 1e-6)', ...full});
      tf.dispose([T.values, S.values, bt, bs]);
      T.dispose();
      S.dispose();
    }
    console.log(`n = ${n} done at ${((now() - started) / 1000).toFixed(1)} s`);
  }
  write(rows, solves, (now() - started) / 1000);
}

function describe(o: ls.EstimateOptions): string {
  return Object.entries(o).filter(([k]) => k !== 'method' && k !== 'seed').map(([k, v]) => `${k} ${v}`).join(', ');
}

function write(rows: Row[], solves: {family: string; n: number; nnz: number; method: string; ms: number; iterations: number}[], seconds: number): void {
  const dir = path.join(__dirname, 'results');
  fs.writeFileSync(path.join(dir, 'sublinear.json'), JSON.stringify({date: new Date().toISOString(), backend: 'tensorflow', rows, solves}, null, 1));
  const f = (x: number, d = 2) => (Number.isFinite(x) ? (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1e-2 || x === 0 ? x.toFixed(d) : x.toExponential(1)) : '—');
  const lines = [
    '# Single entries in sublinear time (bench/sublinear.ts, tfjs-node)',
    '',
    `Run ${new Date().toISOString()}, ${seconds.toFixed(0)} s in all, 2 shared cores. "first" includes reading A and b to the host and the O(nnz) dominance pass (once per tensor); "query" is the median of 3 more entries on the same tensors; work = stored entries of A read by the query; error against the certified Neumann value (ε = 1e-7, or 1e-9 for PageRank).`,
    '',
    '| family | n | nnz | method | options | first (ms) | query (ms) | work | bound | kind | \\|error\\| |',
    '|---|---:|---:|---|---|---:|---:|---:|---:|---|---:|',
    ...rows.map(r => `| ${r.family} | ${r.n.toExponential(0)} | ${r.nnz} | ${r.method} | ${r.options} | ${f(r.firstMs, 1)} | ${f(r.queryMs, 1)} | ${r.work} | ${f(r.bound, 3)} | ${r.boundKind} | ${f(r.error, 3)} |`),
    '',
    '## The full solve of the same system',
    '',
    '| family | n | nnz | method | ms | iterations |',
    '|---|---:|---:|---|---:|---:|',
    ...solves.map(s => `| ${s.family} | ${s.n.toExponential(0)} | ${s.nnz} | ${s.method} | ${f(s.ms, 1)} | ${s.iterations} |`),
    '',
  ];
  fs.writeFileSync(path.join(dir, 'sublinear.md'), lines.join('\n'));
  console.log(lines.join('\n'));
}

main();
