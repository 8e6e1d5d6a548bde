// The console's one stylesheet (served from /console/static/: the CSP allows no inline style).

export const CONSOLE_CSS = `
:root { color-scheme: light dark; --line: #8884; --muted: #888; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, sans-serif; }
header {
  display: flex;
  flex-wrap: wrap;
  gap: 1rem;
  align-items: center;
  padding: .6rem 1rem;
  border-bottom: 1px solid var(--line);
}
header .brand { font-weight: 700; text-decoration: none; }
header nav { display: flex; gap: .8rem; }
header .who { margin-left: auto; color: var(--muted); }
main { padding: 1rem; max-width: 72rem; margin: 0 auto; }
main.narrow { max-width: 24rem; }
h1 { font-size: 1.3rem; word-break: break-all; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
code, .digest, .digest-short, a.referrer, .copyable { font: 13px ui-monospace, monospace; word-break: break-all; }
dl.facts { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .2rem 1rem; }
dl.facts dd { margin: 0; min-width: 0; }
dl.facts dt { color: var(--muted); }
dl.facts ul { margin: 0; padding-left: 1rem; }
form.inline, form.stacked { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin: .5rem 0; }
form.stacked label { width: 100%; }
input { font: inherit; padding: .3rem .4rem; min-width: 16rem; max-width: 100%; }
button { font: inherit; padding: .3rem .8rem; }
:focus-visible { outline: 2px solid Highlight; outline-offset: 2px; }
.error, .problem { color: #c33; }
.added { color: #2a2; } .removed { color: #c33; } .changed { color: #b80; }
ul.tags { columns: 12rem; }
.muted, tr.empty-layer td { color: var(--muted); }
pre.manifest {
  font: 13px/1.4 ui-monospace, monospace;
  white-space: pre-wrap;
  word-break: break-all;
  padding: .6rem;
  border: 1px solid var(--line);
}
nav.pager { display: flex; gap: 1rem; margin: .5rem 0; }
button.copy { font-size: 12px; padding: 0 .4rem; }
#job-blobs { list-style: none; padding: 0; } #job-blobs progress { width: 10rem; vertical-align: middle; }
@media (max-width: 40rem) {
  header .who { width: 100%; margin: 0; }
  input { min-width: 0; width: 100%; }
  dl.facts { grid-template-columns: minmax(0, 1fr); }
  dl.facts dd { margin-bottom: .4rem; }
}
`;

// Named in every page, so browsers do not ask for /favicon.ico (an API path: 401 without a key).
export const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">' +
  '<path d="M1 11h14l-2 3H3z" fill="#36c"/><path d="M7 2v8H3z" fill="#36c"/></svg>';

// Progressive enhancement only: copy buttons (shown when the clipboard API is there) and live job progress
// (without it the page still shows the state when loaded).
export const CONSOLE_JS = `
if (navigator.clipboard) {
  for (const button of document.querySelectorAll('button[data-copy]')) {
    button.hidden = false;
    button.addEventListener('click', async () => {
      await navigator.clipboard.writeText(button.dataset.copy);
      button.textContent = 'Copied';
      setTimeout(() => (button.textContent = 'Copy'), 1500);
    });
  }
}
const job = document.querySelector('[data-events]');
if (job && window.EventSource) {
  const events = new EventSource(job.dataset.events);
  events.addEventListener('job', (event) => {
    const record = JSON.parse(event.data);
    document.getElementById('job-state').textContent = record.state;
    document.getElementById('job-progress').textContent = record.progress;
    const overall = document.getElementById('job-bar');
    overall.max = record.bar.max;
    overall.value = record.bar.value;
    document.getElementById('job-elapsed').textContent = record.elapsed;
    document.getElementById('job-rate').textContent = record.rate;
    const list = document.getElementById('job-blobs');
    list.replaceChildren(...record.active.map((blob) => {
      const item = document.createElement('li');
      const bar = document.createElement('progress');
      bar.max = blob.size;
      bar.value = blob.bytes;
      bar.setAttribute('aria-label', 'blob ' + blob.blob);
      const label = document.createElement('code');
      label.textContent = blob.label;
      item.append(bar, ' ', label);
      return item;
    }));
    if (['done', 'failed', 'cancelled'].includes(record.state)) {
      events.close();
      location.reload();
    }
  });
}
`;
