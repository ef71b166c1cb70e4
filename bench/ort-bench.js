// ort-bench.js: one model, ladder (via build/tests/tools/exec-bench) and ONNX
// Runtime alternating on the same input; prints one JSON line of figures.
//   node bench/ort-bench.js MODEL.onnx ITERATIONS THREADS
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const path = require('path');
const readline = require('readline');
const ort = require(path.join(__dirname, 'node_modules', 'onnxruntime-node'));

const [model, itersArg, threadsArg] = process.argv.slice(2);
const iters = parseInt(itersArg || '100', 10), threads = parseInt(threadsArg || '1', 10);
const tool = path.join(__dirname, '..', 'build', 'tests', 'tools', 'exec-bench');

function peakRss() {
  const m = /VmHWM:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return parseInt(m[1], 10) * 1024;
}
function pct(a, p) {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

(async () => {
  const child = spawn(tool, [], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  async function ask(cmd) {
    child.stdin.write(cmd + '\n');
    const { value } = await lines.next();
    if (!value || !value.startsWith('ok')) throw new Error('exec-bench: ' + value);
    return value.split(' ').slice(1);
  }
  const [macs, arena, weights, inName, shape] = await ask(`load ${model} ${threads}`);
  const dims = shape.split('x').map(Number);
  const numel = dims.reduce((a, b) => a * b, 1);
  const x = new Float32Array(numel);
  for (let i = 0; i < numel; i++) x[i] = ((Math.imul(i, 2654435761) >>> 0) % 1000) / 1000;

  const rssBefore = peakRss();
  const sess = await ort.InferenceSession.create(model, {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential',
    // ORT's workers spin after each run by default; spinning would starve ladder's turn.
    extra: { session: { intra_op: { allow_spinning: '0' } } } });
  const feeds = { [inName]: new ort.Tensor('float32', x, dims) };
  const outName = sess.outputNames[0];
  let ortSum = 0;
  async function ortRun() {
    const t0 = process.hrtime.bigint();
    const r = await sess.run(feeds);
    const t1 = process.hrtime.bigint();
    ortSum = 0;
    for (const v of r[outName].data) ortSum += v;
    return Number(t1 - t0) / 1e6;
  }
  const warm = Math.max(5, Math.floor(iters / 10));
  let ladderSum = 0;
  for (let i = 0; i < warm; i++) { await ask('run'); await ortRun(); }
  const tl = [], to = [];
  for (let i = 0; i < iters; i++) {
    const r = await ask('run');
    tl.push(parseFloat(r[0])); ladderSum = parseFloat(r[1]);
    to.push(await ortRun());
  }
  const ladderRss = parseInt((await ask('rss'))[0], 10);
  child.stdin.end();
  const gflop = 2 * Number(macs) / 1e9;
  console.log(JSON.stringify({
    model: path.basename(model, '.onnx'), iters, threads, macs: Number(macs),
    ladder_p50: pct(tl, 0.5), ladder_p99: pct(tl, 0.99), ort_p50: pct(to, 0.5), ort_p99: pct(to, 0.99),
    ladder_gflops: gflop / (pct(tl, 0.5) / 1e3), ort_gflops: gflop / (pct(to, 0.5) / 1e3),
    ladder_arena: Number(arena), ladder_weights: Number(weights), ladder_rss: ladderRss,
    ort_rss: peakRss(), ort_rss_before_session: rssBefore,
    sum_ladder: ladderSum, sum_ort: ortSum }));
})().catch((e) => { console.error('ort-bench: ' + e.message); process.exit(1); });
