// Every response a test sees from the service is held against /openapi.json: its (route, method, status)
// must be documented, and on Node its JSON body must validate against the documented schema (ajv; workerd
// forbids the code generation ajv relies on, so there only the status is checked). A response the document
// does not describe fails the test that met it.

import { openApiDocument } from '../../src/http/openapi/document.js';

interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

type Validate = ((data: unknown) => boolean) & { errors?: unknown };
type Compile = (pointer: string) => Validate | undefined;

const doc = openApiDocument() as { paths: Record<string, Record<string, Operation>> };
const routes = Object.keys(doc.paths).map((template) => ({
  template,
  // {reference} and {repository} are the rest of the path, slashes included.
  pattern: new RegExp(`^${template.replace(/\{(reference|repository)\}/g, '.+').replace(/\{[a-z]+\}/g, '[^/]+')}$`),
}));

let compile: Compile | undefined;

/** Node only: ajv compiles each documented schema (it generates code, which workerd refuses). */
export function useSchemaValidation(ajvCompile: Compile): void {
  compile = ajvCompile;
}

const pointerPart = (s: string) => s.replaceAll('~', '~0').replaceAll('/', '~1');

/** Throws when the response is not one the document describes. */
export async function checkDocumented(request: { method: string; url: string }, response: Response): Promise<void> {
  const path = new URL(request.url).pathname;
  const route = routes.find((r) => r.pattern.test(path));
  const method = request.method.toLowerCase();
  const operation = route ? doc.paths[route.template]![method === 'head' ? 'get' : method] : undefined;
  // No such route or method: 404 ROUTE_NOT_FOUND and 405 METHOD_NOT_ALLOWED are answers about the API itself.
  if (!route || !operation) return;
  const status = String(response.status);
  const documented = operation.responses[status];
  if (!documented)
    throw new Error(
      `undocumented response: ${request.method} ${route.template} answered ${status} (add it to src/http/openapi/)`,
    );
  const type = response.headers.get('content-type')?.split(';')[0]?.trim() ?? '';
  if (
    !compile ||
    (type !== 'application/json' && type !== 'application/problem+json') ||
    !documented.content?.[type]?.schema ||
    method === 'head'
  )
    return;
  const validate = compile(
    `openapi.json#/paths/${pointerPart(route.template)}/${method}/responses/${status}/content/${pointerPart(type)}/schema`,
  );
  let body: unknown;
  try {
    body = await response.clone().json();
  } catch {
    return; // a stream (NDJSON, SSE) under a JSON type is checked by its own tests
  }
  if (validate && !validate(body)) {
    throw new Error(
      `response of ${request.method} ${route.template} (${status}) does not match its documented schema: ${JSON.stringify(validate.errors).slice(0, 600)}`,
    );
  }
}
