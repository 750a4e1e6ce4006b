import type { OpenAPIObject, OperationObject, ResponsesObject } from '@nestjs/swagger';
import type { SmoConfig } from '../../config/config';
import { CHANGES_STATE_EXTENSION, checksOwnToken, isOpenRoute } from '../security/auth.guard';
import { problemResponse } from './responses';
import { SCHEMAS } from './schemas';
import { REQUEST_BODY_SCHEMAS } from '../validation/request-body';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/**
 * Adds what the decorators leave out: the shared schemas, `additionalProperties: false` on request bodies, and the answers every route can give
 * besides its own — 401/403 (API tokens; 403 also for a command a browser sent from another site), 421 (a
 * foreign Host on a loopback-bound SMO), 429 (rate limit), 400 for unreadable parameters, and
 * 400/413/415 for bodies the parser refuses. Mirrors AuthGuard: the routes it lets through
 * unchecked get neither.
 */
export function completeDocument(document: OpenAPIObject, security: SmoConfig['security'], alertsToken: SmoConfig['alertsToken'], loopbackOnly = false): OpenAPIObject {
  const tokens = security.tokens.length > 0;
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ...SCHEMAS } };
  // Request bodies refuse unknown fields (forbidNonWhitelisted); the generated schemas say so.
  for (const name of REQUEST_BODY_SCHEMAS) {
    const schema = document.components.schemas?.[name];
    if (schema && !('$ref' in schema)) schema.additionalProperties = false;
  }
  if (tokens) {
    document.components.securitySchemes = { ...document.components.securitySchemes, bearer: { type: 'http', scheme: 'bearer', description: 'a token from SMO_API_TOKENS' } };
  }
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method] as OperationObject | undefined;
      if (!operation) continue;
      const open = isOpenRoute(path, security);
      const add = (status: number, description?: string) => addProblem(operation.responses, status, description);
      const command = (method !== 'get' && method !== 'head') || changesState(operation);
      // browser-requests.ts, in the authorizer: every route.
      if (loopbackOnly) add(421, 'The Host is not a loopback name, and this SMO listens on loopback only');
      if (command) add(403, tokens ? 'A read token cannot do this, or a browser sent it from another site' : 'A browser sent this command from another site');
      if (!open) {
        add(429, 'Too many requests (SMO_RATE_LIMIT); see Retry-After');
        if (tokens && !checksOwnToken(path, alertsToken)) {
          operation.security = [{ bearer: [] }];
          add(401, 'No valid bearer token');
        }
      }
      // A command route refuses a query parameter it does not read, and a body where it reads none (command-inputs.ts).
      if ((operation.parameters?.length ?? 0) > 0 || operation.requestBody || command) add(400);
      if (operation.requestBody) {
        add(413, 'The body is larger than SMO_MAX_BODY_BYTES');
        add(415, 'The body is not of a media type this route reads');
      }
    }
  }
  return document;
}

/** The operation is a GET that changes state (`x-changes-state`, see ChangesState). */
export function changesState(operation: OperationObject): boolean {
  return (operation as OperationObject & Partial<Record<typeof CHANGES_STATE_EXTENSION, boolean>>)[CHANGES_STATE_EXTENSION] === true;
}

function addProblem(responses: ResponsesObject, status: number, description?: string): void {
  if (responses[status] !== undefined) return;
  const { status: _status, ...response } = problemResponse(status, description);
  responses[status] = response;
}
