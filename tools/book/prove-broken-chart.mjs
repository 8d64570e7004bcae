// Proves the browser check fails when it should, like the failing-cell proofs of the runners: copies a real chapter
// page of a built book three times, breaks each copy in one way, and runs the same check as tools/test-book.sh:
//   1. the first line chart's data replaced by nulls (the chart draws no line and no point),
//   2. a script that throws,
//   3. an image requested from outside the book folder.
// Succeeds (exit 0) only when the check fails on each copy with a line naming the page (and, for the chart, its cell
// and title). Usage: node tools/book/prove-broken-chart.mjs --book DIR
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkBook } from './check-book.mjs';

const book = process.argv[2] === '--book' && process.argv[3] ? process.argv[3] : null;
if (!book) { console.error('usage: prove-broken-chart.mjs --book DIR'); process.exit(2); }
const fail = message => { console.error(`prove-broken-chart: NOT PROVEN: ${message}`); process.exit(1); };

// The first line chart of the book: its page, and where its figure (one line of JSON, as ChartHtml writes it) is.
const FIGURE = /^ {2}var figure = (.*);$/gm;
const isLine = json => JSON.parse(json).data.some(t => t.type === 'scatter' && Array.isArray(t.y) && t.y.length > 1);
let source = null, original = null, target = null;
for (const file of fs.readdirSync(book).filter(f => /^[0-9]{2}-.*\.html$/.test(f)).sort()) {
  const html = fs.readFileSync(path.join(book, file), 'utf8');
  target = [...html.matchAll(FIGURE)].find(m => isLine(m[1]));
  if (target) { source = file; original = html; break; }
}
if (!source) fail(`no page of ${book} has a line chart to break (build the book first: tools/build-book.sh)`);

const proof = fs.mkdtempSync(path.join(os.tmpdir(), 'workbook-broken-book-'));
try {
  for (const file of fs.readdirSync(book)) if (!file.endsWith('.html') || file === 'index.html') fs.copyFileSync(path.join(book, file), path.join(proof, file));
  const figure = JSON.parse(target[1]);
  const trace = figure.data.find(t => t.type === 'scatter' && Array.isArray(t.y) && t.y.length > 1);
  trace.y = trace.y.map(() => null);   // deliberately broken: nothing left to draw
  const noMarks = original.slice(0, target.index) + `  var figure = ${JSON.stringify(figure)};` + original.slice(target.index + target[0].length);
  // The cell and title the check must name: those of the container just before the broken figure.
  const before = original.slice(0, target.index);
  const container = before.lastIndexOf('class="workbook-chart"');
  const brokenCell = [...before.slice(0, container).matchAll(/data-cell="([0-9]+)"/g)].pop()[1];
  const chartNumber = [...before.matchAll(/class="workbook-chart"/g)].length;
  const brokenTitle = before.slice(container).match(/data-title="([^"]*)"/)[1] || `chart ${chartNumber}`;
  const broken = {
    'broken-marks.html': noMarks,
    'broken-script.html': original.replace('</main>', '<script>workbookProofUndefinedFunction();</script>\n</main>'),
    'broken-request.html': original.replace('</main>', '<img alt="" src="http://example.invalid/proof.png">\n</main>'),
  };
  for (const [file, html] of Object.entries(broken)) fs.writeFileSync(path.join(proof, file), html);

  const { failed, lines } = await checkBook({ book: proof, screenshots: path.join(proof, 'screenshots'), chromium: process.env.CHROMIUM ?? '/usr/bin/chromium' });
  for (const line of lines) console.log(`  ${line}`);
  if (failed === 0) fail('the check passed pages that were deliberately broken');
  const expect = (what, predicate) => { if (!lines.some(predicate)) fail(`no failure line for ${what}`); };
  expect(`the chart without marks (broken-marks.html cell ${brokenCell} chart "${brokenTitle}")`,
    l => l.startsWith(`FAILED broken-marks.html cell ${brokenCell} chart "${brokenTitle}": `) && /drew nothing|no line or points drawn/.test(l));
  expect('the JavaScript error (broken-script.html)', l => l.startsWith('FAILED broken-script.html: ') && l.includes('workbookProofUndefinedFunction'));
  expect('the request outside the book (broken-request.html)', l => l.startsWith('FAILED broken-request.html: ') && l.includes('example.invalid'));
  const unexpected = lines.filter(l => !/^FAILED broken-(marks|script|request)\.html/.test(l));
  if (unexpected.length) fail(`the unbroken pages failed too: ${unexpected[0]}`);
  console.log(`prove-broken-chart: OK (the check failed on all three broken copies of ${source}, and only on them)`);
} finally {
  fs.rmSync(proof, { recursive: true, force: true });
}
