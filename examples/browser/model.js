/**
 * The numerics of the browser demo: steady diffusion −∇·(κ∇u) = f on the unit square, u = 0 on
 * the boundary, on an M×M grid of cells; κ = exp(θ) per cell; a loss that compares u with the
 * solution u* for a hidden "true" κ*; and its gradient ∂L/∂θ through tfjs-linsolve's implicit
 * adjoint. No DOM here (demo.js draws): plain JavaScript on the globals `tf` (tf.min.js) and
 * `tfLinsolve` (dist/tfjs-linsolve.min.js), so the same file also runs under Node.
 *
 * The discretisation is the one of examples/diffusion-inverse.ts: cell-centred finite volumes,
 * face transmissibility = harmonic mean 2κᵢκⱼ/(κᵢ + κⱼ) between cells, 2κᵢ on a boundary face
 * (half a cell from u = 0), so that row i of A(κ) u = h²f reads Σ_faces T_f (uᵢ − u_neighbour).
 * A is symmetric positive definite: conjugate gradients with a Jacobi preconditioner.
 */
(function (root) {
  'use strict';

  /** Centres (x, y ∈ [0, 1], y down) of the Gaussian sources: one experiment each. */
  var SOURCES = [[0.25, 0.25], [0.75, 0.25], [0.25, 0.75], [0.75, 0.75], [0.5, 0.5]];
  var SOURCE_WIDTH = 0.08;
  /** κ stays in [KAPPA_MIN, KAPPA_MAX] (painting and descent both clip θ), so A stays SPD and well scaled. */
  var KAPPA_MIN = 0.1;
  var KAPPA_MAX = 10;
  var SPD = ['symmetric', 'positiveDefinite'];
  /**
   * rtol 1e-4: the float32 true residual bottoms out near ε·cond(A) (see the Node example).
   * maxIterations 500 bounds a frame (a 0.1/10 checkerboard of κ, the worst a brush can paint,
   * needs about 120); onFailure 'ignore' because a frame that stops short should show its
   * status ('stagnated', 'maxIterations'), not throw.
   */
  var SOLVE_OPTIONS = {method: 'cg', preconditioner: 'jacobi', rtol: 1e-4, maxIterations: 500, onFailure: 'ignore'};

  function gaussian(x, y, cx, cy, width) {
    return Math.exp(-((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (2 * width * width));
  }

  /** The hidden field to recover: background 1, a conductor (κ up to 5) and an insulator (down to 0.2). */
  function trueConductivity(x, y) {
    return 1 + 4 * gaussian(x, y, 0.33, 0.4, 0.1) - 0.8 * gaussian(x, y, 0.68, 0.68, 0.09);
  }

  /**
   * @param {{size?: number, learningRate?: number, smoothness?: number}} [config]
   */
  function DiffusionModel(config) {
    config = config || {};
    var tf = root.tf;
    var ls = root.tfLinsolve;
    if (tf == null) throw new Error('model.js: load tf.min.js first (the global `tf` is missing)');
    if (ls == null) throw new Error('model.js: load tfjs-linsolve.min.js first (the global `tfLinsolve` is missing)');
    this.tf = tf;
    this.ls = ls;
    var M = this.size = config.size || 32;
    this.n = M * M;
    this.sources = SOURCES.slice();
    this.learningRate = config.learningRate || 0.1;
    /** Weight β of Σ(θᵢ − θⱼ)²: a little, so that descent fills in where the data say little. */
    this.smoothness = config.smoothness == null ? 1e-5 : config.smoothness;
    /** The 5-point pattern, fixed once; only the values change (ls.sparse caches its layout by this array). */
    this.indices = stencilPattern(M);
    /** Options of every frame's solve (the target u* is solved once with SOLVE_OPTIONS). */
    this.solveOptions = Object.assign({}, SOLVE_OPTIONS, config.solveOptions);
    this.kappaMin = KAPPA_MIN;
    this.kappaMax = KAPPA_MAX;
    var self = this;
    tf.tidy(function () {
      // κ* at the cell centres, and the right-hand sides h²·f_k as the columns of one [n, K] block.
      var truth = new Float32Array(self.n);
      var columns = SOURCES.map(function () { return new Float32Array(self.n); });
      for (var r = 0; r < M; r++) {
        for (var c = 0; c < M; c++) {
          var i = r * M + c;
          var x = (c + 0.5) / M;
          var y = (r + 0.5) / M;
          truth[i] = trueConductivity(x, y);
          SOURCES.forEach(function (s, k) { columns[k][i] = gaussian(x, y, s[0], s[1], SOURCE_WIDTH) / self.n; });
        }
      }
      self.kappaTrue = tf.keep(tf.tensor2d(truth, [M, M]));
      self.rhs = tf.keep(tf.stack(columns.map(function (col) { return tf.tensor1d(col); }), 1));
      // The data: u* = A(κ*)⁻¹ h²f, one solve with the same library call.
      var target = ls.solve(self.operator(self.kappaTrue), self.rhs, SOLVE_OPTIONS);
      self.uTarget = tf.keep(target);
      self.targetEnergy = tf.keep(tf.sum(tf.square(target)));
    });
    this.theta = tf.variable(tf.zeros([M, M]), true, 'theta');
    this.optimizer = tf.train.adam(this.learningRate);
    /** The previous frame's u: the next forward CG starts from it (warm start). */
    this.previousU = null;
  }

  /** A(κ) on the fixed pattern; `values` are differentiable tf ops of κ. */
  DiffusionModel.prototype.operator = function (kappa) {
    return this.ls.sparse({indices: this.indices, values: stencilValues(this.tf, kappa, this.size),
      shape: [this.n, this.n], tags: SPD});
  };

  /**
   * The loss L(θ) = Σ(u − u*)² / Σu*² + β Σ(θᵢ − θⱼ)² (relative squared misfit, summed over the
   * experiments, plus a small smoothness term). Returns {loss, u, iterations, status}; u is taped.
   */
  DiffusionModel.prototype.lossOf = function (theta) {
    var tf = this.tf;
    var solved = this.ls.linearSolve(this.operator(tf.exp(theta)), this.rhs,
      Object.assign({x0: this.previousU || undefined}, this.solveOptions));
    var misfit = tf.div(tf.sum(tf.square(tf.sub(solved.x, this.uTarget))), this.targetEnergy);
    var loss = this.smoothness > 0 ? tf.add(misfit, tf.mul(this.smoothness, roughness(tf, theta, this.size))) : misfit;
    return {loss: loss, u: solved.x, iterations: solved.iterations, status: solved.status};
  };

  /**
   * Adds Gaussian bumps of ±strength to θ (a brush stroke): the bumps are summed on the CPU (a few
   * dabs × n cells) and uploaded as one tensor, so a long stroke costs one upload and three ops.
   * @param {{x: number, y: number, sign: number}[]} dabs  cell coordinates (0…M, y down); sign +1 raises κ, −1 lowers it
   * @param {number} radius  standard deviation of the bump, in cells
   * @param {number} strength  change of θ = log κ at the centre of one dab
   */
  DiffusionModel.prototype.paint = function (dabs, radius, strength) {
    if (dabs.length === 0) return;
    var M = this.size;
    var change = new Float32Array(this.n);
    var reach = Math.ceil(3 * radius);
    dabs.forEach(function (d) {
      var r0 = Math.max(0, Math.floor(d.y - reach));
      var r1 = Math.min(M - 1, Math.ceil(d.y + reach));
      var c0 = Math.max(0, Math.floor(d.x - reach));
      var c1 = Math.min(M - 1, Math.ceil(d.x + reach));
      for (var r = r0; r <= r1; r++) {
        for (var c = c0; c <= c1; c++) {
          var dx = c + 0.5 - d.x;
          var dy = r + 0.5 - d.y;
          change[r * M + c] += d.sign * strength * Math.exp(-(dx * dx + dy * dy) / (2 * radius * radius));
        }
      }
    });
    var tf = this.tf;
    var self = this;
    tf.tidy(function () {
      self.theta.assign(self.clip(tf.add(self.theta, tf.tensor2d(change, [M, M]))));
    });
  };

  DiffusionModel.prototype.clip = function (theta) {
    return this.tf.clipByValue(theta, Math.log(KAPPA_MIN), Math.log(KAPPA_MAX));
  };

  /** Back to the uniform guess κ = 1 (θ = 0), with a fresh optimiser. */
  DiffusionModel.prototype.reset = function () {
    var tf = this.tf;
    var self = this;
    tf.tidy(function () { self.theta.assign(tf.zerosLike(self.theta)); });
    this.optimizer.dispose();
    this.optimizer = tf.train.adam(this.learningRate);
    if (this.previousU) this.previousU.dispose();
    this.previousU = null;
  };

  /**
   * One frame: solve for u(θ), take L and ∂L/∂θ by tf.grad through ls.linearSolve (forward CG,
   * then one adjoint CG solve Aᵀλ = ∂L/∂u in the backward), optionally one Adam step on θ, and
   * read everything back in ONE packed `await data()`.
   *
   * Resolves to {kappa, u, grad (Float32Arrays of n, row-major), loss, error, iterations,
   * status}; kappa, u and grad are those of the θ this frame solved for (before its step).
   */
  DiffusionModel.prototype.step = async function (descend) {
    var tf = this.tf;
    var self = this;
    var n = this.n;
    var report = {iterations: 0, status: ''};
    var packed = tf.tidy(function () {
      var kept = null;
      var valueAndGrad = tf.valueAndGrad(function (theta) {
        var out = self.lossOf(theta);
        report.iterations = out.iterations;
        report.status = out.status;
        kept = tf.keep(out.u);   // outlives the gradient's scope: the next warm start
        return out.loss;
      });
      var vg = valueAndGrad(self.theta);
      if (self.previousU) self.previousU.dispose();
      self.previousU = kept;
      var kappa = tf.exp(self.theta);
      var error = tf.div(tf.norm(tf.sub(kappa, self.kappaTrue)), tf.norm(self.kappaTrue));
      var result = tf.concat([
        tf.reshape(kappa, [n]),
        tf.sum(kept, 1),           // u for all sources at once (A⁻¹ is linear: Σ of the columns)
        tf.reshape(vg.grad, [n]),
        tf.reshape(vg.value, [1]),
        tf.reshape(error, [1]),
      ]);
      if (descend) {
        self.optimizer.applyGradients({theta: vg.grad});
        self.theta.assign(self.clip(self.theta));
      }
      return result;
    });
    var data = await packed.data();
    packed.dispose();
    return {
      kappa: data.subarray(0, n),
      u: data.subarray(n, 2 * n),
      grad: data.subarray(2 * n, 3 * n),
      loss: data[3 * n],
      error: data[3 * n + 1],
      iterations: report.iterations,
      status: report.status,
    };
  };

  /** The fixed fields (target u* summed over sources, true κ*), read once. */
  DiffusionModel.prototype.fixedFields = async function () {
    var tf = this.tf;
    var self = this;
    var packed = tf.tidy(function () {
      return tf.concat([tf.sum(self.uTarget, 1), tf.reshape(self.kappaTrue, [self.n])]);
    });
    var data = await packed.data();
    packed.dispose();
    return {uTarget: data.subarray(0, this.n), kappaTrue: data.subarray(this.n)};
  };

  /**
   * The 5-point pattern in the order stencilValues produces values: the n diagonal entries, then
   * each interior x-face (i, i+1) and its mirror, then each interior y-face (i, i+M) and its mirror.
   */
  function stencilPattern(M) {
    var diagonal = [];
    var east = [];
    var south = [];
    for (var r = 0; r < M; r++) for (var c = 0; c < M; c++) diagonal.push([r * M + c, r * M + c]);
    for (r = 0; r < M; r++) for (c = 0; c < M - 1; c++) east.push([r * M + c, r * M + c + 1]);
    for (r = 0; r < M - 1; r++) for (c = 0; c < M; c++) south.push([r * M + c, (r + 1) * M + c]);
    var mirror = function (pairs) { return pairs.map(function (p) { return [p[1], p[0]]; }); };
    return diagonal.concat(east, mirror(east), south, mirror(south));
  }

  /** Face transmissibilities along one axis: interior harmonic means, 2κ on the two boundary faces. */
  function faces(tf, kappa, M, axis) {
    var slice = function (start, length) {
      return axis === 1 ? tf.slice(kappa, [0, start], [M, length]) : tf.slice(kappa, [start, 0], [length, M]);
    };
    var a = slice(0, M - 1);
    var b = slice(1, M - 1);
    var interior = tf.div(tf.mul(2, tf.mul(a, b)), tf.add(a, b));
    return tf.concat([tf.mul(2, slice(0, 1)), interior, tf.mul(2, slice(M - 1, 1))], axis);
  }

  /** The values of A(κ) on stencilPattern(M), from slices and concat only (differentiable, no gather). */
  function stencilValues(tf, kappa, M) {
    var tx = faces(tf, kappa, M, 1);   // [M, M+1]
    var ty = faces(tf, kappa, M, 0);   // [M+1, M]
    var diagonal = tf.addN([tf.slice(tx, [0, 0], [M, M]), tf.slice(tx, [0, 1], [M, M]),
      tf.slice(ty, [0, 0], [M, M]), tf.slice(ty, [1, 0], [M, M])]);
    var interiorX = tf.neg(tf.reshape(tf.slice(tx, [0, 1], [M, M - 1]), [-1]));
    var interiorY = tf.neg(tf.reshape(tf.slice(ty, [1, 0], [M - 1, M]), [-1]));
    return tf.concat([tf.reshape(diagonal, [-1]), interiorX, interiorX, interiorY, interiorY]);
  }

  /** Σ(θᵢ − θⱼ)² over neighbouring cells. */
  function roughness(tf, theta, M) {
    var dx = tf.sub(tf.slice(theta, [0, 1], [M, M - 1]), tf.slice(theta, [0, 0], [M, M - 1]));
    var dy = tf.sub(tf.slice(theta, [1, 0], [M - 1, M]), tf.slice(theta, [0, 0], [M - 1, M]));
    return tf.add(tf.sum(tf.square(dx)), tf.sum(tf.square(dy)));
  }

  root.DiffusionModel = DiffusionModel;
})(typeof globalThis !== 'undefined' ? globalThis : this);
