// ort-ladder-check.js: run every rung of a ladder in ONNX Runtime on raw float32 input.
// usage: node ort-ladder-check.js LADDER_DIR INPUT.f32 N OUTDIR
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');
(async () => {
  const [dir, input, nText, out] = process.argv.slice(2);
  const n = parseInt(nText, 10);
  const ladder = JSON.parse(fs.readFileSync(path.join(dir, 'ladder.json')));
  const buf = fs.readFileSync(input);
  const x = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
  for (const r of ladder.rungs) {
    const s = await ort.InferenceSession.create(path.join(dir, r.file),
      { intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3 });
    const feeds = {};
    feeds[s.inputNames[0]] = new ort.Tensor('float32', x, [n, 1, 28, 28]);
    const res = await s.run(feeds);
    const y = res[s.outputNames[0]].data;
    fs.writeFileSync(path.join(out, r.name + '.ort.f32'), Buffer.from(y.buffer, y.byteOffset, y.byteLength));
  }
})().catch((e) => { console.error('ort-ladder-check: ' + e.message); process.exit(1); });
