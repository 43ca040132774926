/**
 * Access to the webgl backend's custom-program runner, found by duck-typing `tf.backend()`
 * (the backend's module ships in the browser bundle only; importing it here would break Node),
 * and the switch that turns the library's WebGL programs on and off.
 */
import * as tf from '@tensorflow/tfjs-core';
import {backendName} from '../registry';

/** A custom program as tfjs-backend-webgl compiles it (its `GPGPUProgram`, the parts used here). */
export interface WebglProgram {
  variableNames: string[];
  outputShape: number[];
  userCode: string;
}

/** What the webgl backend offers for custom programs (not part of tfjs-core's typed API). */
interface ProgramRunner {
  compileAndRun(program: WebglProgram, inputs: tf.TensorInfo[], outputDtype?: tf.DataType): tf.TensorInfo;
}

let engineOn = true;

/**
 * Turns the library's custom WebGL programs on or off (on by default), returning the previous
 * setting: the one-pass ELL sparse product, the fused CG iterations and the hybrid
 * dense LU and Cholesky. Off restores the tf-ops kernels on webgl, the reference the programs
 * are tested against, for comparisons in tests and benchmarks. No effect on other backends.
 *
 * ```ts
 * const previous = ls.useWebglEngine(false);   // time the tf-ops loop on webgl
 * ls.solve(A, b, {method: 'cg'});
 * ls.useWebglEngine(previous);
 * ```
 */
export function useWebglEngine(on: boolean): boolean {
  const previous = engineOn;
  engineOn = on;
  return previous;
}

/** Whether `useWebglEngine` left the WebGL programs on. */
export function webglEngineEnabled(): boolean {
  return engineOn;
}

/** The active backend as a program runner, when it is webgl, exposes one and the engine is on. */
export function programRunner(): ProgramRunner | null {
  if (!engineOn || backendName() !== 'webgl') return null;
  const backend = tf.backend() as unknown as Partial<ProgramRunner>;
  return typeof backend.compileAndRun === 'function' ? backend as ProgramRunner : null;
}

/** Runs `program` on the webgl backend and returns its output as a tensor (float32 unless told). */
export function runProgram(program: WebglProgram, inputs: tf.Tensor[], dtype: tf.DataType = 'float32'): tf.Tensor {
  const runner = programRunner();
  if (runner == null) throw new Error('tfjs-linsolve: a WebGL program needs the webgl backend');
  return tf.engine().makeTensorFromTensorInfo(runner.compileAndRun(program, inputs, dtype));
}
