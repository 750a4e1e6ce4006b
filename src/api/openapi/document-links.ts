import type { FastifyInstance } from 'fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { HDAG_SCHEMA, HDAG_SCHEMA_PATH } from '../../descriptor';

/**
 * `GET /` leads to the API documentation (a console may take this route later), and `GET /docs-json` serves the
 * OpenAPI document beside Swagger's `/docs-yaml` (and the historical `/smo-api-spec.json`). The JSON Schema of the
 * HDAG descriptor is published beside it (`/schemas/hdag-0.4.0.json`, linked from the deploy operation).
 */
export function serveDocumentLinks(fastify: FastifyInstance, document: OpenAPIObject, swaggerUi: boolean): void {
  const json = JSON.stringify(document);
  fastify.get('/docs-json', (_request, reply) => reply.type('application/json; charset=utf-8').send(json));
  const hdagSchema = JSON.stringify(HDAG_SCHEMA);
  fastify.get(HDAG_SCHEMA_PATH, (_request, reply) => reply.type('application/schema+json').send(hdagSchema));
  fastify.get('/', (_request, reply) => {
    const target = swaggerUi ? '/docs' : '/docs-json';
    return reply.code(302).header('location', target).type('application/json').send({ docs: target, openapi: ['/docs-json', '/docs-yaml'] });
  });
}
