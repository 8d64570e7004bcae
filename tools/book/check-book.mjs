// Opens every page of the book in headless Chromium with the network blocked and fails when a chart has not drawn,
// when a page logs a JavaScript error, or when it requests anything outside the book folder. Saves a screenshot of
// every page. Usage (tools/test-book.sh calls it):
//   node tools/book/check-book.mjs --book DIR --screenshots DIR [--pictures DIR] [--chart-shots DIR] [--chromium PATH]
// With --pictures, also saves the README's chart pictures (PICTURES below) from the pages that have them; with
// --chart-shots, a picture of every chart (page-cellN-K.png), for reviewing them one by one.
// Each failure is one line: FAILED <page> cell <N> chart "<title>": <what is wrong>.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

// Charts shown in the README: the page (chapter file name without its number, so renumbering keeps them), which chart
// on it (0 = first) and the picture's file name.
const PICTURES = [
  { page: 'training-loop', chart: 0, file: 'training-history.png' },
  { page: 'evaluation', chart: 0, file: 'confusion-matrix.png' },
  { page: 'grid-search', chart: 0, file: 'grid-search-heatmap.png' },
  { page: 'wav2vec2-speech-recognition', chart: 1, file: 'log-mel-spectrogram.png' },
];

function parseArgs(argv) {
  const options = { chromium: process.env.CHROMIUM ?? '/usr/bin/chromium' };
  for (let i = 0; i < argv.length; i++) {
    const value = () => { if (i + 1 >= argv.length) throw new Error(`${argv[i]} needs a value`); return argv[++i]; };
    switch (argv[i]) {
      case '--book': options.book = value(); break;
      case '--screenshots': options.screenshots = value(); break;
      case '--pictures': options.pictures = value(); break;
      case '--chart-shots': options.chartShots = value(); break;
      case '--chromium': options.chromium = value(); break;
      default: throw new Error(`unknown argument '${argv[i]}'`);
    }
  }
  if (!options.book || !options.screenshots) throw new Error('usage: check-book.mjs --book DIR --screenshots DIR [--pictures DIR] [--chart-shots DIR] [--chromium PATH]');
  return options;
}

// Runs in the page: for every chart container, which traces drew marks. A trace group of Plotly (g.trace, g.hm) is
// bound to its calcdata, whose first entry names the trace.
function inspectCharts() {
  const marksOf = (group, type) => {
    if (type === 'heatmap') {
      const image = group.querySelector('image');
      if (!image) return 'no heatmap image';
      const box = image.getBBox();
      const href = image.getAttribute('href') || image.getAttribute('xlink:href') || '';
      if (box.width < 2 || box.height < 2) return `heatmap image of ${box.width.toFixed(0)}×${box.height.toFixed(0)} px`;
      if (href.length < 100) return 'heatmap image without pixels';
      return null;
    }
    const drawn = [...group.querySelectorAll('path')].filter(p => {
      const d = p.getAttribute('d') || '';
      if (d.length < 2 || d === 'M0,0Z') return false;
      const box = p.getBBox();
      return box.width > 0 || box.height > 0;
    });
    return drawn.length > 0 ? null : `no ${type === 'bar' ? 'bars' : 'line or points'} drawn`;
  };
  return [...document.querySelectorAll('.workbook-chart')].map((chart, index) => {
    const cell = chart.closest('[data-cell]')?.dataset.cell ?? '?';
    const title = chart.dataset.title || `chart ${index + 1}`;
    if (!chart.classList.contains('js-plotly-plot') || !Array.isArray(chart._fullData))
      return { cell, title, problems: [chart.textContent.trim() ? `not drawn: ${chart.textContent.trim().slice(0, 160)}` : 'not drawn (no plot in the container)'] };
    const groups = new Map();
    for (const group of chart.querySelectorAll('g.trace, g.hm')) {
      const trace = group.__data__?.[0]?.trace;
      if (trace && !groups.has(trace.index)) groups.set(trace.index, group);
    }
    const problems = [];
    chart._fullData.forEach((trace, i) => {
      if (trace.visible !== true) return;
      const name = `trace ${i}${trace.name ? ` "${trace.name}"` : ''} (${trace.type})`;
      const group = groups.get(trace.index);
      if (!group) { problems.push(`${name} drew nothing`); return; }
      const problem = marksOf(group, trace.type);
      if (problem) problems.push(`${name}: ${problem}`);
    });
    if (chart._fullData.length === 0) problems.push('the chart has no traces');
    // A reader needs to know what a chart shows: a title, and a title on every axis a trace uses.
    // The layout as given (plotly fills _fullLayout's empty titles with "Click to enter … title" placeholders).
    const layout = chart.layout || {};
    const text = title => (typeof title === 'string' ? title : title?.text || '').trim();
    if (!text(layout.title)) problems.push('no chart title');
    const axes = new Set();
    for (const trace of chart._fullData) {
      if (trace.visible !== true || trace.xaxis === undefined) continue;
      axes.add(trace.xaxis.replace(/^x/, 'xaxis'));
      axes.add(trace.yaxis.replace(/^y/, 'yaxis'));
    }
    for (const axis of [...axes].sort())
      if (layout[axis]?.visible !== false && !text(layout[axis]?.title)) problems.push(`${axis} has no title`);
    return { cell, title, problems };
  });
}

async function checkPage(context, bookDir, file, screenshotDir, chartShots) {
  const page = await context.newPage();
  const failures = [];
  const bookRoot = pathToFileURL(bookDir).href + '/';
  page.on('pageerror', error => failures.push(`JavaScript error: ${error.message.split('\n')[0]}`));
  page.on('console', message => { if (message.type() === 'error') failures.push(`console error: ${message.text().split('\n')[0]}`); });
  await page.route('**/*', route => {
    const url = route.request().url();
    if (url.startsWith(bookRoot) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    failures.push(`requested ${url.slice(0, 200)} (outside the book folder)`);
    return route.abort('blockedbyclient');
  });
  await page.goto(pathToFileURL(path.join(bookDir, file)).href, { waitUntil: 'load', timeout: 60000 });
  // Charts draw on load; give Plotly a moment for the last ones (nothing waits on the network: it is blocked).
  await page.waitForFunction(() => [...document.querySelectorAll('.workbook-chart')].every(c => c.classList.contains('js-plotly-plot') || c.textContent.trim()),
    null, { timeout: 15000 }).catch(() => {});
  await page.waitForTimeout(300);
  const charts = await page.evaluate(inspectCharts);
  for (const chart of charts)
    for (const problem of chart.problems) failures.push({ cell: chart.cell, chart: chart.title, problem });
  await page.screenshot({ path: path.join(screenshotDir, file.replace(/\.html$/, '.png')), fullPage: true });
  if (chartShots) {
    const containers = page.locator('.workbook-chart');
    for (let i = 0; i < charts.length; i++)
      await containers.nth(i).screenshot({ path: path.join(chartShots, `${file.replace(/\.html$/, '')}-cell${charts[i].cell}-${i + 1}.png`) });
  }
  return { page, charts: charts.length, failures };
}

// README pictures are small: the page is loaded afresh at 900 px, which the responsive charts follow.
async function savePictures(browser, bookDir, file, picturesDir) {
  const pictures = PICTURES.filter(p => file.slice(3).startsWith(p.page));
  if (pictures.length === 0) return;
  const context = await browser.newContext({ viewport: { width: 900, height: 900 }, deviceScaleFactor: 1 });
  try {
    const page = await context.newPage();
    await page.route('**/*', route => route.request().url().startsWith('file:') ? route.continue() : route.abort('blockedbyclient'));
    await page.goto(pathToFileURL(path.join(bookDir, file)).href, { waitUntil: 'load', timeout: 60000 });
    await page.waitForTimeout(500);
    for (const picture of pictures) {
      const chart = page.locator('.workbook-chart').nth(picture.chart);
      await chart.scrollIntoViewIfNeeded();
      await chart.screenshot({ path: path.join(picturesDir, picture.file) });
      console.log(`  picture ${path.join(picturesDir, picture.file)} from ${file}`);
    }
  } finally {
    await context.close();
  }
}

export async function checkBook({ book, screenshots, pictures, chartShots, chromium: executablePath }) {
  const bookDir = fs.realpathSync(book);
  const pages = fs.readdirSync(bookDir).filter(f => f.endsWith('.html')).sort();
  if (!pages.includes('index.html')) throw new Error(`${bookDir} has no index.html: build the book first (tools/build-book.sh)`);
  if (!fs.existsSync(executablePath)) throw new Error(`no Chromium at ${executablePath} (tools/setup.sh installs Debian's chromium)`);
  fs.mkdirSync(screenshots, { recursive: true });
  if (pictures) fs.mkdirSync(pictures, { recursive: true });
  if (chartShots) fs.mkdirSync(chartShots, { recursive: true });
  const browser = await chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', '--proxy-server=127.0.0.1:9', '--proxy-bypass-list=<-loopback>'],
  });
  const lines = [];
  let failed = 0;
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    for (const file of pages) {
      const { page, charts, failures } = await checkPage(context, bookDir, file, screenshots, chartShots);
      if (pictures && failures.length === 0) await savePictures(browser, bookDir, file, pictures);
      await page.close();
      for (const f of failures) {
        failed++;
        lines.push(typeof f === 'string' ? `FAILED ${file}: ${f}` : `FAILED ${file} cell ${f.cell} chart "${f.chart}": ${f.problem}`);
      }
      console.log(`${failures.length === 0 ? 'ok    ' : 'FAILED'} ${file}: ${charts} chart(s)${failures.length ? `, ${failures.length} problem(s)` : ''}`);
    }
  } finally {
    await browser.close();   // Playwright gives the browser a fresh, empty profile and removes it here
  }
  return { pages: pages.length, failed, lines };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const options = parseArgs(process.argv.slice(2));
    const { pages, failed, lines } = await checkBook(options);
    for (const line of lines) console.log(line);
    console.log(failed === 0
      ? `Book check: ${pages} page(s) drew every chart, with no JavaScript error and no request outside the book; screenshots in ${options.screenshots}.`
      : `Book check: ${failed} problem(s) in ${pages} page(s).`);
    process.exit(failed === 0 ? 0 : 1);
  } catch (e) {
    console.error(`check-book: ${e.message}`);
    process.exit(2);
  }
}
