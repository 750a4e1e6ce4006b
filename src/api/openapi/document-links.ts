import type { FastifyInstance } from 'fastify';
import type { OpenAPIObject } from '@nestjs/swagger';

/**
 * `GET /` leads to the API documentation (a console may take this route later), and `GET /docs-json` serves the
 * OpenAPI document beside Swagger's `/docs-yaml` (and the historical `/smo-api-spec.json`).
 */
export function serveDocumentLinks(fastify: FastifyInstance, document: OpenAPIObject, swaggerUi: boolean): void {
  const json = JSON.stringify(document);
  fastify.get('/docs-json', (_request, reply) => reply.type('application/json; charset=utf-8').send(json));
  fastify.get('/', (_request, reply) => {
    const target = swaggerUi ? '/docs' : '/docs-json';
    return reply.code(302).header('location', target).type('application/json').send({ docs: target, openapi: ['/docs-json', '/docs-yaml'] });
  });
}
