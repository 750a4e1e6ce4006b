import type { FastifyInstance } from 'fastify';
import type { OpenAPIObject } from '@nestjs/swagger';

/**
 * `GET /docs-json` serves the OpenAPI document beside Swagger's `/docs-yaml` (and the historical
 * `/smo-api-spec.json`); `GET /` leads to the console (src/ui).
 */
export function serveDocumentLinks(fastify: FastifyInstance, document: OpenAPIObject): void {
  const json = JSON.stringify(document);
  fastify.get('/docs-json', (_request, reply) => reply.type('application/json; charset=utf-8').send(json));
}
