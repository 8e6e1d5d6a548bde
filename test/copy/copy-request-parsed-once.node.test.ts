// A copy request is parsed once (parseCopySpec: its references typed, one image or many tags decided there),
// however its request path goes on: authorised, copied, its outcome recorded as a job for a streamed
// client. Counted: how often the request became a spec (where one image or many tags is decided), and how
// often the request's own source and target strings are parsed as references or
// repository names (Node only: the count wraps src/reference.ts with a module mock).

import { expect, inject, it, vi } from 'vitest';
import { runCopy, uniqueRepository } from '../support/copying.js';
import { makeService } from '../support/service.js';
import { localRegistries } from '../support/configs.js';

const parsed = vi.hoisted(() => new Map<string, number>());
// How often a copy request became a spec: where "one image or many tags?" is decided.
const decided = vi.hoisted(() => ({ count: 0 }));

vi.mock('../../src/ops/copy/request.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/ops/copy/request.js')>();
  return {
    ...original,
    parseCopySpec: (request: Parameters<typeof original.parseCopySpec>[0]) => {
      decided.count++;
      return original.parseCopySpec(request);
    },
  };
});

vi.mock('../../src/reference.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/reference.js')>();
  const counted =
    <A extends unknown[], R>(parse: (input: string, ...rest: A) => R) =>
    (input: string, ...rest: A): R => {
      parsed.set(input, (parsed.get(input) ?? 0) + 1);
      return parse(input, ...rest);
    };
  return {
    ...original,
    parseReference: counted(original.parseReference),
    parseRepositoryName: counted(original.parseRepositoryName),
  };
});

const fixture = inject('fixture');
const source = fixture.registries.anonymous.host;
const target = fixture.targets.anonymous.host;
const service = () => makeService({ registries: localRegistries(source, target) }, { jobs: true });

it('a streamed copy of one image parses its source and its target once each', async () => {
  const request = {
    source: `${source}/ferry-test/multiarch:v1`,
    target: `${target}/${uniqueRepository('parse/one')}:v1`,
  };
  parsed.clear();
  decided.count = 0;
  const run = await runCopy(service(), request);
  expect(run.final.type, JSON.stringify(run.final)).toBe('done');
  expect([parsed.get(request.source), parsed.get(request.target)]).toEqual([1, 1]);
  expect(decided.count).toBe(1);
});

it('a streamed copy of many tags parses its repositories once each (and decides "many tags" there)', async () => {
  const request = {
    source: `${source}/ferry-test/multiarch`,
    target: `${target}/${uniqueRepository('parse/many')}`,
    tags: 'all',
  };
  parsed.clear();
  decided.count = 0;
  const run = await runCopy(service(), request);
  expect(run.final.type, JSON.stringify(run.final)).toBe('done');
  expect([parsed.get(request.source), parsed.get(request.target)]).toEqual([1, 1]);
  expect(decided.count).toBe(1);
});
