// Speaking to Ferry's API from the command line: the request, its failure as a code and a message, and
// where the answer is printed.

import type { Connection } from './connection.js';
import type { Style } from './progress.js';

export interface Output {
  out: (text: string) => void;
  err: (text: string) => void;
  style: Style;
  /** The terminal itself, for the live progress's own cursor sequences (it escapes what it draws). */
  raw?: (text: string) => void;
}

/** An operation that failed: its code and message go to stderr, exit 1 (or 3: partly done). */
export class Failure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** skopeo's transport prefix is accepted: "docker://ghcr.io/a/b:1" is "ghcr.io/a/b:1". */
export const withoutTransport = (reference: string) => reference.replace(/^docker:\/\//, '');

export async function failed(response: Response): Promise<Failure> {
  const text = await response.text();
  try {
    const problem = JSON.parse(text) as { code?: string; detail?: string };
    return new Failure(problem.code ?? `HTTP_${response.status}`, problem.detail ?? text);
  } catch {
    return new Failure(`HTTP_${response.status}`, text.slice(0, 500) || response.statusText);
  }
}

export async function json(connection: Connection, method: string, path: string, body?: unknown): Promise<any> {
  const response = await connection.request(method, path, body === undefined ? {} : { body });
  if (!response.ok) throw await failed(response);
  return response.status === 204 ? undefined : response.json();
}

export const encodePath = (reference: string) => reference.split('/').map(encodeURIComponent).join('/');
