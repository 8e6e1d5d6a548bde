// What a deployed worker answers while its configuration is invalid: every route a problem document
// INVALID_CONFIG naming each problem's path (no stack trace), and /healthz 503 with the same document,
// so a health check and a human both see why. (Node, Deno and Bun refuse to start instead.)

import type { AppError } from '../errors.js';
import { toProblem } from './errors.js';

export function invalidConfigResponse(error: AppError, request: Request): Response {
  const problem = toProblem(error, { info: () => {}, warn: () => {}, error: () => {} });
  const health = new URL(request.url).pathname === '/healthz';
  return new Response(JSON.stringify({ ...problem, ...(health ? { status: 503 } : {}) }), {
    status: health ? 503 : problem.status,
    headers: { 'content-type': 'application/problem+json' },
  });
}

/** The configuration's problems as lines for a terminal: "path: what is wrong". */
export function describeConfigProblems(error: AppError): string {
  const problems = (error.details?.problems as { path: string; message: string }[] | undefined) ?? [
    { path: 'configuration', message: error.message },
  ];
  return ['invalid configuration:', ...problems.map((p) => `  ${p.path}: ${p.message}`)].join('\n');
}
