/**
 * The bench's chart, as hand-written SVG (no dependency): one row per (case, peer), one bar per
 * backend, each bar the ratio ours/peer on a log scale drawn from 1× (parity): bars to the left
 * mean tfjs-linsolve is faster than that peer, to the right slower. Targets are red ticks.
 */
import {cgKey, denseKey, modeLabel, Phase} from '../lib/types';
import {ourOf, peerOf, Report} from './markdown';
import {Mode} from '../peers/python';

const COLORS: Record<string, string> = {tensorflow: '#0072B2', wasm: '#E69F00', cpu: '#009E73'};
const ORDER = ['tensorflow', 'wasm', 'cpu'];

interface Row {
  label: string;
  /** Per backend: the ratio, or a reason it is absent. */
  values: {backend: string; ratio?: number; note?: string; cold?: boolean}[];
  target?: number;
}

interface Section {title: string; rows: Row[]}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function sections(report: Report): Section[] {
  const backends = ORDER.filter(b => report.backends.includes(b));
  const time = (key: string, peer: string, perIteration = false): Row['values'] => backends.map(backend => {
    const r = ourOf(report.ours, key, backend);
    const p = peerOf(report.peers, key, peer);
    if (r == null) return {backend, note: 'not run'};
    if (r.skipped) return {backend, note: 'skipped (over budget)'};
    if (p == null || p.skipped) return {backend, note: `${peer} missing`};
    const ours = perIteration ? r.msPerIteration : r.medianMs;
    const theirs = perIteration ? p.msPerIteration : p.medianMs;
    return ours != null && theirs != null && theirs > 0 ? {backend, ratio: ours / theirs, cold: r.coldOnly} :
      {backend, note: 'no number'};
  });
  const out: Section[] = [];
  const sizes = report.config.denseSizes;
  const dense = (method: string, phase: Phase, peers: string[], title: string) => {
    const rows: Row[] = [];
    for (const n of sizes) {
      for (const peer of peers) {
        const key = denseKey(method, n, phase);
        const target = method === 'lu' && phase === 'forward+backward' && n === 500 && peer === 'torch' ? 1.5 : undefined;
        rows.push({label: `n=${n} vs ${peer}${target != null ? ` (target ≤ ${target}×)` : ''}`, values: time(key, peer), target});
      }
    }
    out.push({title, rows});
  };
  dense('lu', 'forward', ['torch', 'MatrixSolve', 'ml-matrix'], 'Dense LU, forward (solve + read x)');
  dense('lu', 'forward+backward', ['torch'], 'Dense LU, forward + backward (gradients w.r.t. A and b)');
  dense('cholesky', 'forward', ['torch', 'ml-matrix'], 'Dense Cholesky, forward');
  dense('cholesky', 'forward+backward', ['torch'], 'Dense Cholesky, forward + backward');
  const cgRows: Row[] = [];
  const big = Math.max(...report.config.poissonGrids);
  for (const m of report.config.poissonGrids) {
    const fixed: Mode = {kind: 'fixed', iterations: report.config.fixedIterations};
    const rtol3: Mode = {kind: 'rtol', rtol: 1e-3};
    for (const peer of ['SciPy', 'JS CSR f32', 'JS CSR f64']) {
      const target = m === big && peer === 'SciPy' ? 2 : undefined;
      cgRows.push({label: `${m}² per iteration vs ${peer}${target != null ? ` (target ≤ ${target}×)` : ''}`,
        values: time(cgKey(m, fixed, 'forward'), peer, true), target});
    }
    for (const peer of ['SciPy', 'JS CSR f32', 'JS CSR f64']) {
      cgRows.push({label: `${m}² time to rtol 1e-3 vs ${peer}`, values: time(cgKey(m, rtol3, 'forward'), peer)});
    }
  }
  out.push({title: `Sparse CG, 2-D Poisson: per iteration (${modeLabel({kind: 'fixed', iterations: report.config.fixedIterations})}), ` +
    'time to rtol 1e-3 (rtol 1e-5 is below float32\'s reach: tables only)', rows: cgRows});
  return out;
}

export function chartSvg(report: Report, subtitle: string): string {
  const secs = sections(report);
  const backends = ORDER.filter(b => report.backends.includes(b));
  const ratios = secs.flatMap(s => s.rows.flatMap(r => r.values.map(v => v.ratio).filter((x): x is number => x != null)));
  const lo = Math.min(-1, Math.floor(Math.log10(Math.min(...ratios, 1))));
  const hi = Math.max(1, Math.ceil(Math.log10(Math.max(...ratios, 1))));
  const width = 1240;
  const left = 330;
  const right = width - 90;
  const barH = 9;
  const rowH = Math.max(backends.length, 1) * barH + 10;
  const top = 100;
  const x = (r: number) => left + (Math.log10(r) - lo) / (hi - lo) * (right - left);
  const parts: string[] = [];
  let y = top;
  for (const s of secs) {
    y += 30;
    parts.push(`<text x="12" y="${y - 8}" class="section">${esc(s.title)}</text>`);
    for (const [i, row] of s.rows.entries()) {
      if (i % 2 === 0) parts.push(`<rect x="8" y="${y}" width="${width - 16}" height="${rowH}" fill="#f4f4f4"/>`);
      parts.push(`<text x="${left - 10}" y="${y + rowH / 2 + 4}" text-anchor="end" class="label">${esc(row.label)}</text>`);
      row.values.forEach((v, k) => {
        const by = y + 5 + k * barH;
        if (v.ratio == null) {
          parts.push(`<text x="${x(1) + 4}" y="${by + barH - 1}" class="note">${esc(`${v.backend}: ${v.note}`)}</text>`);
          return;
        }
        const x0 = Math.min(x(1), x(v.ratio));
        const w = Math.max(1, Math.abs(x(v.ratio) - x(1)));
        parts.push(`<rect x="${x0.toFixed(1)}" y="${by}" width="${w.toFixed(1)}" height="${barH - 1}" fill="${COLORS[v.backend]}">` +
          `<title>${esc(`${row.label}, ${v.backend}: ${v.ratio.toPrecision(3)}×`)}</title></rect>`);
        const tx = v.ratio >= 1 ? x(v.ratio) + 4 : x(v.ratio) - 4;
        const label = v.ratio >= 10 ? v.ratio.toFixed(0) : v.ratio >= 1 ? v.ratio.toFixed(1) : v.ratio.toPrecision(2);
        parts.push(`<text x="${tx.toFixed(1)}" y="${by + barH - 1}" class="value" text-anchor="${v.ratio >= 1 ? 'start' : 'end'}">` +
          `${label}×${v.cold ? ' (one cold run)' : ''}</text>`);
      });
      if (row.target != null) {
        const tx = x(row.target);
        parts.push(`<line x1="${tx}" x2="${tx}" y1="${y + 1}" y2="${y + rowH - 1}" class="target"/>`);
      }
      y += rowH;
    }
  }
  const bottom = y + 10;
  const grid: string[] = [];
  for (let d = lo; d <= hi; d++) {
    const gx = x(10 ** d);
    grid.push(`<line x1="${gx}" x2="${gx}" y1="${top + 10}" y2="${bottom}" class="${d === 0 ? 'parity' : 'grid'}"/>`);
    const label = d === 0 ? '1× (parity)' : d < 0 ? `${10 ** d}×` : `${10 ** d}×`;
    grid.push(`<text x="${gx}" y="${top + 4}" text-anchor="middle" class="axis">${label}</text>`);
    grid.push(`<text x="${gx}" y="${bottom + 16}" text-anchor="middle" class="axis">${label}</text>`);
    for (let k = 2; k < 10 && d < hi; k++) {
      const mx = x(k * 10 ** d);
      grid.push(`<line x1="${mx}" x2="${mx}" y1="${top + 10}" y2="${bottom}" class="minor"/>`);
    }
  }
  const height = bottom + 60;
  const legend = backends.map((b, i) =>
    `<rect x="${left + i * 150}" y="${height - 30}" width="14" height="10" fill="${COLORS[b]}"/>` +
    `<text x="${left + i * 150 + 20}" y="${height - 21}" class="label">${b}</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
<style>
  text { font-family: 'DejaVu Sans', Arial, sans-serif; fill: #222; }
  .title { font-size: 18px; font-weight: bold; }
  .subtitle { font-size: 12px; fill: #555; }
  .section { font-size: 14px; font-weight: bold; }
  .label { font-size: 12px; }
  .value { font-size: 9px; fill: #333; }
  .note { font-size: 9px; fill: #888; font-style: italic; }
  .axis { font-size: 11px; fill: #444; }
  .grid { stroke: #bbb; stroke-width: 1; }
  .minor { stroke: #e2e2e2; stroke-width: 1; }
  .parity { stroke: #000; stroke-width: 1.5; }
  .target { stroke: #d00; stroke-width: 2; stroke-dasharray: 3 2; }
</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="12" y="26" class="title">tfjs-linsolve vs peers: time ratio ours / peer (log scale)</text>
<text x="12" y="46" class="subtitle">Bars start at 1× (parity): to the left tfjs-linsolve is faster than the peer, to the right slower. One bar per tfjs backend against the same peer number. Red dashes: the targets for tfjs-node.</text>
<text x="12" y="64" class="subtitle">${esc(subtitle)}</text>
${grid.join('\n')}
${parts.join('\n')}
${legend}
</svg>
`;
}
