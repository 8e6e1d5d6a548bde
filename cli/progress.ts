// What a copy shows while it runs. On a terminal: one live line per blob in flight and a total (bytes,
// rate, ETA), redrawn at most ten times a second and cleared when done, so the screen ends with the
// result only. Elsewhere (CI logs): one plain line per event. --json: the events themselves; --quiet: nothing.

import { escapeControl, escapeJsonControl } from '../src/control-text.js';
export type Style = 'tty' | 'plain' | 'json' | 'quiet';

interface Event {
  type: string;
  [field: string]: unknown;
}

const REDRAW_MS = 100;

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) ((value /= 1024), unit++);
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

const short = (digest: unknown) =>
  String(digest)
    .replace(/^sha256:/, '')
    .slice(0, 12);

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  return `${Math.floor(seconds / 60)}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s`;
}

export class CopyProgress {
  readonly #style: Style;
  readonly #write: (text: string) => void;
  readonly #started = Date.now();
  readonly #active = new Map<string, { size: number; bytes: number }>();
  #total = { blobs: 0, bytes: 0, doneBlobs: 0, doneBytes: 0 };
  #drawn = 0;
  #lastDraw = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(style: Style, write: (text: string) => void) {
    this.#style = style;
    this.#write = write;
  }

  event(event: Event): void {
    if (this.#style === 'json') return this.#write(`${escapeJsonControl(JSON.stringify(event))}\n`);
    if (this.#style === 'quiet') return;
    this.#track(event);
    // A tag left alone is news in either style: printed above the live lines on a terminal.
    if (this.#style === 'plain' || event.type === 'tag-skipped') {
      if (this.#style === 'tty') this.#clear();
      const line = plainLine(event);
      if (line) this.#write(`${escapeControl(line)}\n`);
      return;
    }
    this.#scheduleDraw();
  }

  /** Clears the live lines (the caller prints the result after). */
  finish(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#style === 'tty') this.#clear();
  }

  #track(event: Event): void {
    const blob = String(event.blob ?? '');
    const size = typeof event.size === 'number' ? event.size : 0;
    if (event.type === 'plan') this.#total = { ...this.#total, blobs: Number(event.blobs), bytes: Number(event.bytes) };
    else if (event.type === 'started') this.#active.set(blob, { size, bytes: 0 });
    else if (event.type === 'progress') this.#active.set(blob, { size, bytes: Number(event.bytes) });
    else if ((event.type === 'done' && event.blob) || event.type === 'skipped' || event.type === 'mounted') {
      this.#active.delete(blob);
      this.#total.doneBlobs++;
      this.#total.doneBytes += size;
    }
  }

  #scheduleDraw(): void {
    const wait = this.#lastDraw + REDRAW_MS - Date.now();
    if (wait <= 0) return this.#draw();
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#draw();
    }, wait);
  }

  #draw(): void {
    this.#lastDraw = Date.now();
    const elapsed = (Date.now() - this.#started) / 1000;
    const moving = [...this.#active.values()].reduce((sum, b) => sum + b.bytes, 0);
    const done = this.#total.doneBytes + moving;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const eta = rate > 0 ? (this.#total.bytes - done) / rate : Number.NaN;
    const lines = [...this.#active.entries()].map(
      ([digest, b]) =>
        `  ${escapeControl(short(digest))}  ${formatBytes(b.bytes).padStart(9)} / ${formatBytes(b.size)}`,
    );
    lines.push(
      `  ${this.#total.doneBlobs}/${this.#total.blobs} blobs  ${formatBytes(done)} / ` +
        `${formatBytes(this.#total.bytes)}  ${formatBytes(rate)}/s  ETA ${formatDuration(eta)}`,
    );
    this.#clear();
    this.#write(lines.map((l) => `${l}\x1b[K\n`).join(''));
    this.#drawn = lines.length;
  }

  /** Moves up over what was drawn and erases it. */
  #clear(): void {
    if (this.#drawn) this.#write(`\x1b[${this.#drawn}F\x1b[J`);
    this.#drawn = 0;
  }
}

function plainLine(event: Event): string | undefined {
  const size = typeof event.size === 'number' ? ` (${formatBytes(event.size)})` : '';
  switch (event.type) {
    case 'resolved':
      return `resolved ${event.source}`;
    case 'plan':
      return `plan: ${event.manifests} manifests, ${event.blobs} blobs, ${formatBytes(Number(event.bytes))}`;
    case 'skipped':
      return `exists  ${event.blob}${size}`;
    case 'mounted':
      return `mounted ${event.blob}${size} from ${event.from}`;
    case 'retrying':
      return `retry   ${event.blob} (attempt ${event.attempt}): ${event.reason}`;
    case 'done':
      return event.blob ? `copied  ${event.blob}${size}` : undefined;
    case 'pushed':
      return `pushed  ${event.reference}`;
    case 'tag-skipped':
      return `${event.tag} skipped: ${event.reason}`;
    default:
      return undefined;
  }
}
