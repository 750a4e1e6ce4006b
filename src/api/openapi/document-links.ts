import type { FastifyInstance } from 'fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { HDAG_SCHEMA, HDAG_SCHEMA_PATH } from '../../descriptor';

/**
 * `GET /docs-json` serves the OpenAPI document beside Swagger's `/docs-yaml` (and the historical
 * `/smo-api-spec.json`); `GET /` leads to the console (src/ui). The JSON Schema of the HDAG descriptor is
 * published beside them (`/schemas/hdag-0.4.0.json`, linked from the deploy operation).
 */
export function serveDocumentLinks(fastify: FastifyInstance, document: OpenAPIObject): void {
  const json = JSON.stringify(document);
  fastify.get('/docs-json', (_request, reply) => reply.type('application/json; charset=utf-8').send(json));
  const hdagSchema = JSON.stringify(HDAG_SCHEMA);
  fastify.get(HDAG_SCHEMA_PATH, (_request, reply) => reply.type('application/schema+json').send(hdagSchema));
}
