/**
 * The page: picks the WebGL backend, paints κ with the pointer, runs one frame of model.js per
 * animation frame when something changed (or continuously while "Descend" is on), and draws κ,
 * u, ∂L/∂θ and the target with colour maps. Plain browser JavaScript, no bundler; it needs the
 * globals `tf` (tf.min.js), `tfLinsolve` (dist/tfjs-linsolve.min.js) and `DiffusionModel`
 * (model.js).
 *
 * For tests and the curious: `window.demoReady` resolves with {backend, float32, software,
 * renderer, tfVersion} after the first frame is drawn (and <html data-ready="true"> is set), or
 * rejects with the startup error; `window.demo` has `stats`, `frames(k)` (resolves after k more
 * frames) and `setDescend(on)`.
 */
(function () {
  'use strict';

  var tf = window.tf;
  /** Brush: θ changes by ±BRUSH_STRENGTH at the centre of a dab; dabs every half radius along a stroke. */
  var BRUSH_STRENGTH = 0.25;
  /** Loss values kept for the history plot. */
  var HISTORY = 400;

  // ---------------------------------------------------------------- colour maps

  function lut(stops) {
    var table = new Uint8ClampedArray(256 * 3);
    var rgb = stops.map(function (hex) {
      var v = parseInt(hex.slice(1), 16);
      return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
    });
    for (var i = 0; i < 256; i++) {
      var t = i / 255 * (rgb.length - 1);
      var k = Math.min(rgb.length - 2, Math.floor(t));
      var f = t - k;
      for (var ch = 0; ch < 3; ch++) table[3 * i + ch] = rgb[k][ch] + f * (rgb[k + 1][ch] - rgb[k][ch]);
    }
    return table;
  }
  var VIRIDIS = lut(['#440154', '#472d7b', '#3b528b', '#2c728e', '#21918c', '#28ae80', '#5ec962', '#addc30', '#fde725']);
  var MAGMA = lut(['#000004', '#1c1044', '#4f127b', '#812581', '#b5367a', '#e55064', '#fb8761', '#fec287', '#fcfdbf']);
  /** Diverging, blue (negative) – white (0) – red (positive). */
  var RDBU = lut(['#2166ac', '#4393c3', '#92c5de', '#d1e5f0', '#f7f7f7', '#fddbc7', '#f4a582', '#d6604d', '#b2182b']);

  function drawBar(canvas, table) {
    var ctx = canvas.getContext('2d');
    var img = ctx.createImageData(canvas.width, canvas.height);
    for (var x = 0; x < canvas.width; x++) {
      var i = Math.round(x / (canvas.width - 1) * 255);
      for (var y = 0; y < canvas.height; y++) {
        var p = 4 * (y * canvas.width + x);
        img.data[p] = table[3 * i]; img.data[p + 1] = table[3 * i + 1]; img.data[p + 2] = table[3 * i + 2]; img.data[p + 3] = 255;
      }
    }
    ctx.putImageData(img, 0, 0);
  }

  // ---------------------------------------------------------------- field panels

  /** A canvas showing an M×M field, cell by cell (no smoothing), plus optional overlays. */
  function FieldView(canvas, M) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.M = M;
    this.small = document.createElement('canvas');
    this.small.width = M;
    this.small.height = M;
    this.smallCtx = this.small.getContext('2d');
    this.image = this.smallCtx.createImageData(M, M);
  }

  /** Colours `values` by `table` over [lo, hi] (after `map`, e.g. Math.log) and draws them. */
  FieldView.prototype.draw = function (values, table, lo, hi, map) {
    var data = this.image.data;
    var span = hi - lo || 1;
    for (var i = 0; i < values.length; i++) {
      var v = map ? map(values[i]) : values[i];
      var t = (v - lo) / span;
      var k = 3 * Math.round(255 * (t < 0 ? 0 : t > 1 ? 1 : t));
      data[4 * i] = table[k]; data[4 * i + 1] = table[k + 1]; data[4 * i + 2] = table[k + 2]; data[4 * i + 3] = 255;
    }
    this.smallCtx.putImageData(this.image, 0, 0);
    this.ctx.imageSmoothingEnabled = false;
    this.ctx.drawImage(this.small, 0, 0, this.canvas.width, this.canvas.height);
  };

  /** Marks the sources (x, y ∈ [0, 1], y down). */
  FieldView.prototype.drawSources = function (sources, colour) {
    var ctx = this.ctx;
    var w = this.canvas.width;
    ctx.save();
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = colour;
    sources.forEach(function (s) {
      ctx.beginPath();
      ctx.arc(s[0] * w, s[1] * w, 6, 0, 2 * Math.PI);
      ctx.stroke();
    });
    ctx.restore();
  };

  /** The brush outline at cell coordinates (x, y), radius in cells. */
  FieldView.prototype.drawBrush = function (x, y, radius, sign) {
    var ctx = this.ctx;
    var cell = this.canvas.width / this.M;
    ctx.save();
    ctx.lineWidth = 2;
    ctx.strokeStyle = 'rgba(255, 255, 255, 0.9)';
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    ctx.arc(x * cell, y * cell, radius * cell * 1.5, 0, 2 * Math.PI);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.font = 'bold 16px system-ui, sans-serif';
    ctx.fillStyle = 'rgba(255, 255, 255, 0.95)';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText(sign > 0 ? '+' : '−', x * cell, y * cell);
    ctx.restore();
  };

  // ---------------------------------------------------------------- formatting

  function sci(v) {
    if (!isFinite(v)) return String(v);
    if (v === 0) return '0';
    var e = Math.floor(Math.log10(Math.abs(v)));
    if (e >= -2 && e <= 3) return v.toPrecision(3);
    return (v / Math.pow(10, e)).toFixed(2) + 'e' + e;
  }

  function maxAbs(values) {
    var m = 0;
    for (var i = 0; i < values.length; i++) { var a = Math.abs(values[i]); if (a > m) m = a; }
    return m;
  }

  function $(id) { return document.getElementById(id); }

  // ---------------------------------------------------------------- backend

  /**
   * WebGL, with tfjs's SOFTWARE_WEBGL_ENABLED flag only where the browser offers nothing but a
   * software rasteriser (headless Chromium's SwiftShader): tfjs asks for its context with
   * failIfMajorPerformanceCaveat, which a software WebGL refuses. Falls back to cpu with a note.
   */
  async function chooseBackend() {
    var probe = document.createElement('canvas').getContext('webgl2', {failIfMajorPerformanceCaveat: true});
    var any = probe || document.createElement('canvas').getContext('webgl2');
    var renderer = 'no WebGL2';
    if (any != null) {
      var info = any.getExtension('WEBGL_debug_renderer_info');
      renderer = String(any.getParameter(info != null ? info.UNMASKED_RENDERER_WEBGL : any.RENDERER));
    }
    if (probe == null && any != null) tf.env().set('SOFTWARE_WEBGL_ENABLED', true);
    var software = any != null && (probe == null || /swiftshader|llvmpipe|softpipe|software/i.test(renderer));
    var ok = any != null && await tf.setBackend('webgl');
    if (!ok) await tf.setBackend('cpu');
    await tf.ready();
    var backend = tf.getBackend();
    var float32 = backend === 'webgl' ? tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED') : true;
    return {backend: backend, float32: float32, software: software, renderer: renderer, tfVersion: tf.version.tfjs};
  }

  function showBackend(info) {
    var badge = $('backend');
    var parts = [info.backend];
    if (info.backend === 'webgl') {
      parts.push(info.float32 ? 'float32' : 'float16 textures');
      if (info.software) parts.push(/swiftshader/i.test(info.renderer) ? 'SwiftShader (software)' : 'software rendering');
    } else {
      parts.push('WebGL unavailable: running on the cpu');
    }
    badge.textContent = 'backend: ' + parts.join(' · ');
    badge.title = 'TensorFlow.js ' + info.tfVersion + ' · ' + info.renderer;
    badge.className = 'badge ' + (info.backend === 'webgl' && info.float32 ? 'badge-ok' : 'badge-warn');
  }

  function showError(error) {
    var box = $('error');
    box.hidden = false;
    box.textContent = (error && error.message) || String(error);
  }

  // ---------------------------------------------------------------- the app

  async function start() {
    var info = await chooseBackend();
    showBackend(info);
    var model = new window.DiffusionModel();
    var M = model.size;
    var fixed = await model.fixedFields();
    var uTargetMax = maxAbs(fixed.uTarget);
    document.querySelectorAll('.nnz').forEach(function (el) {
      el.textContent = 'n = ' + model.n + ', ' + model.indices.length + ' nonzeros';
    });
    document.querySelectorAll('.grid-size').forEach(function (el) { el.textContent = M + '×' + M; });

    var views = {
      kappa: new FieldView($('kappa'), M),
      solution: new FieldView($('solution'), M),
      gradient: new FieldView($('gradient'), M),
      target: new FieldView($('target'), M),
    };
    drawBar($('kappa-bar'), VIRIDIS);
    drawBar($('solution-bar'), MAGMA);
    drawBar($('gradient-bar'), RDBU);

    var logMin = Math.log(model.kappaMin);
    var logMax = Math.log(model.kappaMax);
    var state = {
      descending: false,
      dirty: true,
      busy: false,
      dabs: [],
      stroke: null,        // {x, y, sign} while the pointer is down
      hover: null,         // {x, y} in cells while over the κ canvas
      last: null,          // the latest frame's fields
      losses: [],
      frame: 0,
      msAverage: 0,
      waiters: [],
      requested: 0,        // frames(k) asks for frames up to this count even when nothing changed
    };
    var stats = {frame: 0, loss: NaN, error: NaN, iterations: 0, status: '', ms: NaN, numTensors: 0,
      descending: false, uChecksum: 0};

    function drawKappa() {
      if (state.last == null) return;
      views.kappa.draw(state.last.kappa, VIRIDIS, logMin, logMax, Math.log);
      var brushAt = state.stroke || state.hover;
      if (brushAt) views.kappa.drawBrush(brushAt.x, brushAt.y, radius(), brushSign(state.stroke ? state.stroke.sign : null));
    }

    function drawTarget() {
      var peek = $('peek').checked;
      $('target-title').textContent = peek ? 'Hidden κ*' : 'Target u*';
      $('target-note').textContent = peek ? 'what descent should find' : 'the data, from the hidden κ*';
      if (peek) {
        views.target.draw(fixed.kappaTrue, VIRIDIS, logMin, logMax, Math.log);
        drawBar($('target-bar'), VIRIDIS);
        $('target-ticks').innerHTML = '<span>0.1</span><span>1</span><span>10</span>';
      } else {
        var top = state.last ? Math.max(uTargetMax, maxAbs(state.last.u)) : uTargetMax;
        views.target.draw(fixed.uTarget, MAGMA, 0, top);
        views.target.drawSources(model.sources, 'rgba(255, 255, 255, 0.8)');
        drawBar($('target-bar'), MAGMA);
        $('target-ticks').innerHTML = '<span>0</span><span>' + sci(top) + '</span>';
      }
    }

    function drawHistory() {
      var canvas = $('history');
      var ctx = canvas.getContext('2d');
      var w = canvas.width;
      var h = canvas.height;
      ctx.clearRect(0, 0, w, h);
      var logs = state.losses.filter(function (v) { return v > 0 && isFinite(v); }).map(Math.log10);
      if (logs.length < 2) return;
      var lo = Math.min.apply(null, logs);
      var hi = Math.max.apply(null, logs);
      if (hi - lo < 1e-6) { hi += 0.5; lo -= 0.5; }
      ctx.strokeStyle = '#e3e7ee';
      ctx.lineWidth = 1;
      for (var d = Math.ceil(lo); d <= Math.floor(hi); d++) {
        var gy = h - 4 - (d - lo) / (hi - lo) * (h - 8);
        ctx.beginPath(); ctx.moveTo(0, gy); ctx.lineTo(w, gy); ctx.stroke();
      }
      ctx.strokeStyle = '#2f6fde';
      ctx.lineWidth = 2;
      ctx.beginPath();
      logs.forEach(function (v, i) {
        var x = i / Math.max(logs.length - 1, 60) * w;
        var y = h - 4 - (v - lo) / (hi - lo) * (h - 8);
        if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
      });
      ctx.stroke();
    }

    function render(frame) {
      state.last = frame;
      drawKappa();
      var top = Math.max(uTargetMax, maxAbs(frame.u));
      views.solution.draw(frame.u, MAGMA, 0, top);
      views.solution.drawSources(model.sources, 'rgba(255, 255, 255, 0.8)');
      $('solution-max').textContent = sci(top);
      var g = maxAbs(frame.grad) || 1;
      views.gradient.draw(frame.grad, RDBU, -g, g);
      views.gradient.drawSources(model.sources, 'rgba(40, 40, 40, 0.55)');
      $('gradient-min').textContent = sci(-g);
      $('gradient-max').textContent = '+' + sci(g);
      drawTarget();
      drawHistory();
    }

    function radius() { return Number($('radius').value); }
    function brushSign(fromStroke) {
      if (fromStroke != null) return fromStroke;
      var checked = document.querySelector('input[name="brush"]:checked');
      return Number(checked ? checked.value : 1);
    }

    async function runFrame() {
      var t0 = performance.now();
      if (state.stroke) state.dabs.push({x: state.stroke.x, y: state.stroke.y, sign: state.stroke.sign});
      var dabs = state.dabs;
      state.dabs = [];
      model.paint(dabs, radius(), BRUSH_STRENGTH);
      var descend = state.descending;
      state.dirty = descend;   // after a step, one more frame shows the θ it produced
      var frame = await model.step(descend);
      render(frame);
      var ms = performance.now() - t0;
      state.msAverage = state.frame === 0 ? ms : 0.8 * state.msAverage + 0.2 * ms;
      state.frame++;
      state.losses.push(frame.loss);
      if (state.losses.length > HISTORY) state.losses.shift();
      var checksum = 0;
      for (var i = 0; i < frame.u.length; i++) checksum += frame.u[i] * ((i % 7) + 1);
      stats = {frame: state.frame, loss: frame.loss, error: frame.error, iterations: frame.iterations,
        status: frame.status, ms: ms, numTensors: tf.memory().numTensors, descending: descend, uChecksum: checksum};
      $('stat-loss').textContent = sci(frame.loss);
      $('stat-error').textContent = (100 * frame.error).toFixed(1) + '%';
      $('stat-iterations').textContent = frame.iterations + (frame.status === 'converged' ? '' : ' (' + frame.status + ')');
      $('stat-ms').textContent = state.msAverage.toFixed(0);
      $('stat-tensors').textContent = String(stats.numTensors);
      $('stat-frames').textContent = String(state.frame);
      var waiting = state.waiters;
      state.waiters = [];
      waiting.forEach(function (w) { if (state.frame >= w.frame) w.resolve(stats); else state.waiters.push(w); });
    }

    function tick() {
      requestAnimationFrame(tick);
      if (state.busy) return;
      if (!(state.dirty || state.descending || state.stroke || state.dabs.length > 0 || state.frame < state.requested)) return;
      state.busy = true;
      runFrame().catch(function (error) {
        state.descending = false;
        setDescendButton();
        showError(error);
        console.error(error);
        var waiting = state.waiters;
        state.waiters = [];
        waiting.forEach(function (w) { w.reject(error); });
      }).then(function () { state.busy = false; });
    }

    // ---- pointer painting on the κ canvas
    var kappaCanvas = $('kappa');
    function cellAt(event) {
      var rect = kappaCanvas.getBoundingClientRect();
      return {x: (event.clientX - rect.left) / rect.width * M, y: (event.clientY - rect.top) / rect.height * M};
    }
    function addStrokeTo(p) {
      var s = state.stroke;
      var dx = p.x - s.x;
      var dy = p.y - s.y;
      var length = Math.sqrt(dx * dx + dy * dy);
      var spacing = Math.max(0.5, radius() / 2);
      var steps = Math.floor(length / spacing);
      for (var k = 1; k <= steps; k++) {
        state.dabs.push({x: s.x + dx * k * spacing / length, y: s.y + dy * k * spacing / length, sign: s.sign});
      }
      if (steps > 0) {
        s.x += dx * steps * spacing / length;
        s.y += dy * steps * spacing / length;
      }
    }
    kappaCanvas.addEventListener('contextmenu', function (e) { e.preventDefault(); });
    kappaCanvas.addEventListener('pointerdown', function (e) {
      e.preventDefault();
      kappaCanvas.setPointerCapture(e.pointerId);
      var p = cellAt(e);
      var invert = e.button === 2 || e.shiftKey;
      state.stroke = {x: p.x, y: p.y, sign: brushSign(null) * (invert ? -1 : 1)};
      state.dabs.push({x: p.x, y: p.y, sign: state.stroke.sign});
    });
    kappaCanvas.addEventListener('pointermove', function (e) {
      var p = cellAt(e);
      state.hover = p;
      if (state.stroke) addStrokeTo(p);
      else if (!state.busy) drawKappa();   // just the brush outline; the next frame redraws anyway
    });
    function endStroke() { if (state.stroke) { state.stroke = null; state.dirty = true; } }
    kappaCanvas.addEventListener('pointerup', endStroke);
    kappaCanvas.addEventListener('pointercancel', endStroke);
    kappaCanvas.addEventListener('pointerleave', function () { state.hover = null; drawKappa(); });

    // ---- controls
    function setDescendButton() {
      var button = $('descend');
      button.setAttribute('aria-pressed', String(state.descending));
      button.textContent = state.descending ? '❚❚ Pause' : '▶ Descend';
    }
    function setDescend(on) {
      state.descending = Boolean(on);
      state.dirty = true;
      setDescendButton();
    }
    $('descend').addEventListener('click', function () { setDescend(!state.descending); });
    $('reset').addEventListener('click', function () {
      model.reset();
      state.losses = [];
      state.dirty = true;
    });
    $('peek').addEventListener('change', function () { drawTarget(); });
    $('descend').disabled = false;
    $('reset').disabled = false;

    window.demo = {
      model: model,
      get stats() { return stats; },
      /** Runs (at least) k more frames, even if nothing changed; resolves with the stats after the k-th. */
      frames: function (k) {
        var target = state.frame + (k == null ? 1 : k);
        state.requested = Math.max(state.requested, target);
        return new Promise(function (resolve, reject) {
          state.waiters.push({frame: target, resolve: resolve, reject: reject});
        });
      },
      setDescend: setDescend,
    };

    requestAnimationFrame(tick);
    await window.demo.frames(1);
    return info;
  }

  window.demoReady = start().then(function (info) {
    document.documentElement.dataset.ready = 'true';
    return info;
  }, function (error) {
    document.documentElement.dataset.ready = 'error';
    showError(error);
    console.error(error);
    throw error;
  });
  // The rejection is reported above; a caller awaiting demoReady still sees it.
  window.demoReady.catch(function () { /* reported */ });
})();
