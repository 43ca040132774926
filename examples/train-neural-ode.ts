/**
 * Recovering the spring stiffnesses of a damped mass–spring chain from its trajectories, by
 * gradient descent through `ls.odeint`.
 *
 * THE SYSTEM. m = 4 unit masses in a line, m + 1 springs (the outer two tie the chain to walls),
 * light damping: M ẍ + C ẋ + K x = 0 with M = I, C = cI, and K the stiffness matrix of the
 * chain, K_ii = k_i + k_{i+1}, K_{i,i+1} = K_{i+1,i} = −k_{i+1}. As a first-order system in
 * y = [x, v]:   ẋ = v,   v̇ = −K x − c v.
 *
 * THE INVERSE PROBLEM. The stiffnesses k_true are unknown. We observe x at 11 times over [0, 5]
 * for 6 initial displacements (one batch [6, 2m]) and fit k = exp(θ) (positive whatever Adam
 * does) from a uniform guess by minimising the mean squared trajectory error. The state is
 * integrated with dopri5 (rtol 1e-4); gradients come from the continuous adjoint
 * (`adjoint: 'adjoint', params: [k]`: params are the tensors f reads, here k = exp(θ), whose
 * gradient tfjs then carries on to θ), whose memory does not grow with the number of steps.
 *
 * OUTPUT. Per epoch: a progress bar, the loss, the stiffness error and the steps the integrator
 * took; TensorBoard scalars under a temporary log directory (`tensorboard --logdir <dir>`); and
 * at the end an SVG of true vs learned (initial and final) trajectories of every mass, written
 * next to the logs.
 *
 * Run: `npx ts-node --transpile-only examples/train-neural-ode.ts` (tfjs-node; EPOCHS=… to change).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-node';
import * as ls from '../src';

const masses = 4;
const damping = 0.1;
const kTrue = [1.0, 2.2, 0.6, 1.6, 1.2];
const times = Array.from({length: 11}, (_, i) => (5 * i) / 10);
const epochs = Number(process.env.EPOCHS ?? 30);
/** Gradient mode: ADJOINT=adjoint | checkpoints | direct (default adjoint). */
const adjoint: ls.OdeAdjoint = process.env.ADJOINT === 'direct' ? 'direct'
  : process.env.ADJOINT === 'checkpoints' ? {checkpoints: 8} : 'adjoint';

/** ẏ for y = [x, v] rows, given the spring constants k [m + 1]. */
function chain(k: tf.Tensor1D): ls.OdeFunction {
  return (t, y) => tf.tidy(() => {
    const x = tf.slice(y, [0, 0], [-1, masses]);
    const v = tf.slice(y, [0, masses], [-1, masses]);
    // Spring i connects mass i−1 and mass i (walls at both ends): its extension and force.
    const padded = tf.pad(x, [[0, 0], [1, 1]]);
    const extension = tf.sub(tf.slice(padded, [0, 1], [-1, masses + 1]), tf.slice(padded, [0, 0], [-1, masses + 1]));
    const force = tf.mul(extension, k);                    // [batch, m + 1], tension of each spring
    const accel = tf.sub(tf.sub(tf.slice(force, [0, 1], [-1, masses]), tf.slice(force, [0, 0], [-1, masses])),
      tf.mul(v, damping));
    return tf.concat([v, accel], 1);
  });
}

function initialStates(): tf.Tensor2D {
  const rows: number[][] = [];
  for (let b = 0; b < 6; b++) {
    const x = Array.from({length: masses}, (_, i) => Math.sin((b + 1) * (i + 1) * 0.9) * 0.8);
    rows.push([...x, ...Array(masses).fill(0)]);
  }
  return tf.tensor2d(rows);
}

function bar(fraction: number, width = 24): string {
  const full = Math.round(fraction * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
}

/** An SVG with one panel per mass: true (black), initial guess (grey, dashed), learned (red). */
function svg(trueX: number[][][], initialX: number[][][], learnedX: number[][][]): string {
  const w = 260;
  const h = 140;
  const panels: string[] = [];
  const line = (series: number[], color: string, dash: string, ox: number, oy: number) => {
    const pts = series.map((v, i) => `${(ox + 20 + (i / (series.length - 1)) * (w - 30)).toFixed(1)},${(oy + h / 2 - v * 50).toFixed(1)}`);
    return `<polyline fill="none" stroke="${color}" stroke-width="1.5" ${dash} points="${pts.join(' ')}"/>`;
  };
  for (let i = 0; i < masses; i++) {
    const ox = (i % 2) * w;
    const oy = Math.floor(i / 2) * h;
    const column = (data: number[][][]) => data.map(row => row[0][i]);   // sample 0, mass i, over time
    panels.push(`<text x="${ox + 24}" y="${oy + 14}" font-size="11">mass ${i + 1}: x(t), sample 1</text>`,
      `<line x1="${ox + 20}" y1="${oy + h / 2}" x2="${ox + w - 10}" y2="${oy + h / 2}" stroke="#ddd"/>`,
      line(column(initialX), '#999', 'stroke-dasharray="4 3"', ox, oy),
      line(column(trueX), '#000', '', ox, oy),
      line(column(learnedX), '#d22', 'stroke-dasharray="2 2"', ox, oy));
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * w}" height="${2 * h + 20}" font-family="sans-serif">` +
    `<rect width="100%" height="100%" fill="white"/>${panels.join('')}` +
    `<text x="20" y="${2 * h + 14}" font-size="11">black: true · grey dashed: initial guess · red dotted: learned</text></svg>`;
}

async function main(): Promise<void> {
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'neural-ode-'));
  const writer = tf.node.summaryFileWriter(logDir);
  const y0 = initialStates();
  const kTrueTensor = tf.tensor1d(kTrue);
  const observed = ls.odeint(chain(kTrueTensor), y0, times, {rtol: 1e-6, atol: 1e-8});
  const theta = tf.variable(tf.zeros([masses + 1]));       // k = exp(θ) = 1 everywhere at the start
  const initial = ls.odeint(chain(tf.exp(theta) as tf.Tensor1D), y0, times, {rtol: 1e-5});
  const optimizer = tf.train.adam(0.15);
  console.log(`Fitting ${masses + 1} spring constants of a ${masses}-mass chain; TensorBoard logs in ${logDir}`);
  const start = Date.now();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    let steps = 0;
    const loss = optimizer.minimize(() => {
      const k = tf.exp(theta) as tf.Tensor1D;
      const run = ls.odeintWithInfo(chain(k), y0, times, {rtol: 1e-4, atol: 1e-6, adjoint, params: [k]});
      steps = run.steps;
      const x = tf.slice(run.y, [0, 0, 0], [-1, -1, masses]);
      const xObs = tf.slice(observed, [0, 0, 0], [-1, -1, masses]);
      return tf.mean(tf.square(tf.sub(x, xObs))) as tf.Scalar;
    }, true, [theta]) as tf.Scalar;
    const lossValue = loss.dataSync()[0];
    loss.dispose();
    const kNow = tf.exp(theta);
    const k = Array.from(kNow.dataSync());
    kNow.dispose();
    const kError = Math.sqrt(k.reduce((s, v, i) => s + (v - kTrue[i]) ** 2, 0) / kTrue.reduce((s, v) => s + v * v, 0));
    writer.scalar('loss', lossValue, epoch);
    writer.scalar('stiffness_relative_error', kError, epoch);
    writer.scalar('integrator_steps', steps, epoch);
    process.stdout.write(`${bar(epoch / epochs)} epoch ${String(epoch).padStart(3)}/${epochs}  loss ${lossValue.toExponential(3)}  ` +
      `‖k − k_true‖/‖k_true‖ ${(100 * kError).toFixed(2)}%  steps ${steps}  tensors ${tf.memory().numTensors}\n`);
  }
  writer.flush();
  const kLearned = tf.exp(theta) as tf.Tensor1D;
  const learned = ls.odeint(chain(kLearned), y0, times, {rtol: 1e-5});
  console.log(`true k    ${kTrue.map(v => v.toFixed(3)).join('  ')}`);
  console.log(`learned k ${Array.from(kLearned.dataSync()).map(v => v.toFixed(3)).join('  ')}`);
  const file = path.join(logDir, 'trajectories.svg');
  fs.writeFileSync(file, svg(observed.arraySync() as number[][][], initial.arraySync() as number[][][], learned.arraySync() as number[][][]));
  console.log(`${epochs} epochs in ${((Date.now() - start) / 1000).toFixed(1)} s; plot: ${file}`);
}

main().catch(error => { console.error(error); process.exit(1); });
