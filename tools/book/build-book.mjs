// Builds the workbook's static book from executed notebooks: index.html (chapter table with measured runtimes), one
// page per chapter with its outputs and charts, previous/next links, and one local copy of plotly.js for every page.
// Nothing on a page comes from the network. Usage (tools/build-book.sh calls it):
//   node tools/book/build-book.mjs --executed DIR --out DIR [--title TEXT]
// DIR of executed copies: NN-name.ipynb files as the runner or the Jupyter route writes them.
import fs from 'node:fs';
import path from 'node:path';
import { marked } from 'marked';

const LIBRARY_MARKER = 'data-workbook-plotly';   // lib/Notebook/ChartHtml.cs writes plotly.js in this script element
const KERNEL_BOOTSTRAP = 'dotnet-interactive-this-cell-';
const LIBRARY_SCRIPT = new RegExp(`<script type="text/javascript" ${LIBRARY_MARKER}="([0-9.]+)">\\n?([\\s\\S]*?)</script>\\n?`, 'g');

function parseArgs(argv) {
  const options = { title: 'C# deep learning with TorchSharp — the workbook' };
  for (let i = 0; i < argv.length; i++) {
    const value = () => { if (i + 1 >= argv.length) throw new Error(`${argv[i]} needs a value`); return argv[++i]; };
    switch (argv[i]) {
      case '--executed': options.executed = value(); break;
      case '--out': options.out = value(); break;
      case '--title': options.title = value(); break;
      default: throw new Error(`unknown argument '${argv[i]}' (usage: build-book.mjs --executed DIR --out DIR [--title TEXT])`);
    }
  }
  if (!options.executed || !options.out) throw new Error('usage: build-book.mjs --executed DIR --out DIR [--title TEXT]');
  return options;
}

const escapeHtml = text => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const joined = value => Array.isArray(value) ? value.join('') : (value ?? '');
// Jupyter stores ANSI colour codes in error tracebacks; a page shows plain text.
const plain = text => text.replace(/\x1b\[[0-9;]*m/g, '');

export function readChapter(file) {
  let notebook;
  try {
    notebook = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file} is not a readable notebook: ${e.message}`);
  }
  if (!Array.isArray(notebook.cells)) throw new Error(`${file}: the notebook has no "cells" array.`);
  const name = path.basename(file, '.ipynb');
  const heading = notebook.cells.filter(c => c.cell_type === 'markdown').map(c => joined(c.source).match(/^#\s+(.+)$/m)).find(m => m);
  const execution = notebook.metadata?.workbook?.execution ?? null;
  return { file, name, page: `${name}.html`, number: name.slice(0, 2), title: heading ? heading[1].trim() : name, notebook, execution };
}

// Renders one output; plotly.js itself is lifted out into the shared file (libraries collects it).
function renderOutput(output, libraries) {
  switch (output.output_type) {
    case 'stream':
      return `<pre class="output stream ${escapeHtml(output.name ?? 'stdout')}">${escapeHtml(plain(joined(output.text)))}</pre>`;
    case 'error':
      return `<pre class="output error">${escapeHtml(plain((output.traceback ?? []).join('\n') || `${output.ename}: ${output.evalue}`))}</pre>`;
    case 'display_data':
    case 'execute_result': {
      const data = output.data ?? {};
      if (data['text/html'] !== undefined) {
        // The Jupyter kernel's start-up script looks for the live kernel's HTTP API (and require.js on a CDN):
        // plumbing of a running notebook, nothing a reader of the book sees.
        if (joined(data['text/html']).includes(KERNEL_BOOTSTRAP)) return '';
        const html = joined(data['text/html']).replace(LIBRARY_SCRIPT, (_, version, source) => {
          libraries.set(version, source);
          return '';
        });
        return `<div class="output html">${html}</div>`;
      }
      if (data['image/png'] !== undefined) return `<div class="output image"><img alt="cell output" src="data:image/png;base64,${joined(data['image/png']).trim()}"></div>`;
      if (data['image/svg+xml'] !== undefined) return `<div class="output image">${joined(data['image/svg+xml'])}</div>`;
      if (data['text/markdown'] !== undefined) return `<div class="output markdown">${marked.parse(joined(data['text/markdown']))}</div>`;
      if (data['text/plain'] !== undefined) return `<pre class="output text">${escapeHtml(plain(joined(data['text/plain'])))}</pre>`;
      return '';
    }
    default:
      return '';
  }
}

function renderCells(chapter, libraries) {
  return chapter.notebook.cells.map((cell, index) => {
    const number = index + 1;   // the cell numbers every runner message uses: 1-based, markdown included
    if (cell.cell_type === 'markdown')
      return `<section class="cell markdown" id="cell-${number}" data-cell="${number}">${marked.parse(joined(cell.source))}</section>`;
    if (cell.cell_type !== 'code') return '';
    const outputs = (cell.outputs ?? []).map(o => renderOutput(o, libraries)).join('\n');
    const count = cell.execution_count ?? ' ';
    return `<section class="cell code" id="cell-${number}" data-cell="${number}">
<div class="source"><span class="prompt" title="cell ${number}">[${count}]</span><pre><code class="language-csharp">${escapeHtml(joined(cell.source))}</code></pre></div>
${outputs ? `<div class="outputs">${outputs}</div>` : ''}
</section>`;
  }).join('\n');
}

function page({ title, bookTitle, body, plotly, nav }) {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} — ${escapeHtml(bookTitle)}</title>
<link rel="stylesheet" href="book.css">
${plotly ? `<script src="${plotly}"></script>` : ''}
</head>
<body>
${nav}
<main>
${body}
</main>
${nav}
</body>
</html>
`;
}

function navigation(chapters, index) {
  const previous = index > 0 ? `<a rel="prev" href="${chapters[index - 1].page}">← ${escapeHtml(chapters[index - 1].number + ' ' + chapters[index - 1].title)}</a>` : '<span></span>';
  const next = index < chapters.length - 1 ? `<a rel="next" href="${chapters[index + 1].page}">${escapeHtml(chapters[index + 1].number + ' ' + chapters[index + 1].title)} →</a>` : '<span></span>';
  return `<nav class="chapters">${previous}<a href="index.html">Contents</a>${next}</nav>`;
}

const seconds = execution => typeof execution?.seconds === 'number' ? execution.seconds.toFixed(1) : '—';

export function buildBook({ executed, out, title }) {
  const files = fs.readdirSync(executed).filter(f => /^[0-9]{2}-.*\.ipynb$/.test(f)).sort();
  if (files.length === 0) throw new Error(`no executed chapters (NN-name.ipynb) in ${executed}`);
  const chapters = files.map(f => readChapter(path.join(executed, f)));
  const libraries = new Map();
  const bodies = chapters.map(chapter => renderCells(chapter, libraries));
  if (libraries.size > 1) throw new Error(`the executed notebooks carry plotly.js ${[...libraries.keys()].join(' and ')}; rebuild them with one version`);
  const hasCharts = bodies.some(b => b.includes('class="workbook-chart"'));
  if (hasCharts && libraries.size === 0) throw new Error(`the chapters draw charts but none of ${executed}/*.ipynb carries plotly.js (run them again)`);

  const staging = `${out}.staging-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  let plotly = null;
  for (const [version, source] of libraries) {
    plotly = `plotly-${version}.min.js`;
    fs.writeFileSync(path.join(staging, plotly), source);   // still wrapped so it sets window.Plotly even beside require.js
  }
  fs.copyFileSync(new URL('book.css', import.meta.url), path.join(staging, 'book.css'));
  chapters.forEach((chapter, i) => {
    const html = page({ title: `${chapter.number} ${chapter.title}`, bookTitle: title, body: bodies[i], plotly, nav: navigation(chapters, i) });
    fs.writeFileSync(path.join(staging, chapter.page), html);
  });
  const total = chapters.reduce((sum, c) => sum + (c.execution?.seconds ?? 0), 0);
  const rows = chapters.map(c => `<tr><td>${escapeHtml(c.number)}</td><td><a href="${c.page}">${escapeHtml(c.title)}</a></td>` +
    `<td class="number">${seconds(c.execution)}</td><td>${escapeHtml(c.execution?.host ?? 'unknown')}</td></tr>`).join('\n');
  const index = `<h1>${escapeHtml(title)}</h1>
<p>Every chapter below is an executed notebook: the text, the C# code and what that code printed and drew when it ran.
Runtimes are the wall-clock seconds each notebook took, measured by the run that produced these pages.</p>
<table class="chapters">
<thead><tr><th>#</th><th>chapter</th><th>seconds</th><th>executed by</th></tr></thead>
<tbody>
${rows}
</tbody>
<tfoot><tr><td></td><td>all chapters</td><td class="number">${total.toFixed(1)}</td><td></td></tr></tfoot>
</table>`;
  fs.writeFileSync(path.join(staging, 'index.html'), page({ title: 'Contents', bookTitle: title, body: index, plotly: null, nav: '' }));
  // Replace the whole book at once: a reader (or the browser test) never sees half of a rebuilt one.
  fs.rmSync(out, { recursive: true, force: true });
  fs.renameSync(staging, out);
  return { chapters: chapters.length, plotly };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const options = parseArgs(process.argv.slice(2));
    const { chapters, plotly } = buildBook(options);
    console.log(`Book: ${chapters} chapter page(s) and index.html in ${options.out}${plotly ? `, charts drawn by ${plotly}` : ''}.`);
  } catch (e) {
    console.error(`build-book: ${e.message}`);
    process.exit(1);
  }
}
