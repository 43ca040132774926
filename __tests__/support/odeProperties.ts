/**
 * ODE checks shared by Node and the WebGL page: dopri5 against the float64 matrix exponential,
 * and the physics layer's gradients (checkpointed = direct) with its output shape.
 */
import * as tf from '@tensorflow/tfjs';
import * as ls from '../../src';
import {Check} from './properties';
import {matrix, randomVector} from '../../testing/reference';
import {expm, lincomb} from './expm';

function fail(message: string): never {
  throw new Error(message);
}

export function odeChecks(): Check[] {
  return [
    {
      name: 'dopri5 on y\' = My matches the float64 matrix exponential',
      run: () => {
        const n = 3;
        const r = randomVector(n * n, 21);
        const M64 = matrix(n, (i, j) => 0.8 * r[i * n + j] - (i === j ? 0.4 : 0));
        const y0 = Array.from(randomVector(n, 22));
        const E = expm(lincomb([[M64, 1]]));
        const want = y0.map((_, i) => y0.reduce((s, v, j) => s + E.data[i * n + j] * v, 0));
        const got = tf.tidy(() => {
          const M = tf.tensor2d(Array.from(M64.data), [n, n]);
          const y = ls.odeint((t, y) => tf.matMul(y, M, false, true), tf.tensor2d([y0]), [0, 1], {rtol: 1e-6, atol: 1e-8});
          return Array.from(y.dataSync()).slice(n);
        });
        const err = Math.max(...got.map((v, i) => Math.abs(v - want[i]))) / Math.max(...want.map(Math.abs));
        if (!(err < 2e-5)) fail(`relative error ${err} ≥ 2e-5`);
      },
    },
    {
      name: 'physicsNeuralODE: output [batch, T, n]; checkpointed gradients equal direct ones',
      run: () => {
        const x = tf.tensor2d([[1, 0], [0.5, -0.5]]);
        const config = {times: [0, 0.5, 1], hiddenUnits: 6, method: 'rk4' as const, stepSize: 0.25};
        const direct = ls.layers.physicsNeuralODE(config);
        const checkpointed = ls.layers.physicsNeuralODE({...config, adjoint: {checkpoints: 2}});
        try {
          const shape = tf.tidy(() => (direct.apply(x) as tf.Tensor).shape);
          if (shape.join() !== '2,3,2') fail(`shape [${shape}]`);
          (checkpointed.apply(x) as tf.Tensor).dispose();
          checkpointed.setWeights(direct.getWeights());
          const grads = [direct, checkpointed].map(layer => {
            const vars = layer.trainableWeights.map(w => (w as unknown as {read(): tf.Variable}).read());
            const {value, grads: g} = tf.variableGrads(() => tf.sum(tf.square(layer.apply(x) as tf.Tensor)) as tf.Scalar, vars);
            value.dispose();
            return vars.map(v => { const a = Array.from(g[v.name].dataSync()); g[v.name].dispose(); return a; });
          });
          grads[0].forEach((g, i) => {
            const scale = Math.max(...g.map(Math.abs)) + 1e-6;
            const err = Math.max(...g.map((v, j) => Math.abs(v - grads[1][i][j]))) / scale;
            if (!(err < 1e-4)) fail(`weight ${i}: checkpointed vs direct relative difference ${err}`);
            if (!g.every(Number.isFinite)) fail(`weight ${i}: non-finite gradient`);
          });
        } finally {
          direct.dispose();
          checkpointed.dispose();
          x.dispose();
        }
      },
    },
  ];
}
