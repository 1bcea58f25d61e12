/** OpenAPI 3 document (from the route schemas) at /openapi.json and a browsable page at /docs. */
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'

export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Attune API',
        version,
        description:
          'Self-hosted personalization engine. Tracking routes accept Segment-compatible calls with the write key ' +
          '(HTTP Basic user name, Bearer token, or writeKey in the body); every other route needs the secret key as a Bearer token. ' +
          'Errors are `{"error": {"code", "message", "field"}}`.',
      },
      components: {
        securitySchemes: {
          writeKeyBasic: { type: 'http', scheme: 'basic', description: 'Write key as the user name, empty password (Segment style).' },
          bearer: { type: 'http', scheme: 'bearer', description: 'Secret key (or write key on tracking routes).' },
        },
      },
      tags: [
        { name: 'tracking', description: 'Segment-compatible event intake' },
        { name: 'catalog', description: 'Items and categories' },
        { name: 'people', description: 'Stitched people: profiles, events, preferences, consent, merges' },
        { name: 'recommendations', description: 'Recommendations for a page: strategies, filters, rules, fallbacks' },
        { name: 'reports', description: 'Attribution of clicks and orders to recommendation strategies' },
        { name: 'models', description: 'Training, model versions, rollback' },
        { name: 'operations', description: 'Health, readiness, metrics' },
        { name: 'keys', description: 'API keys: list, create, revoke (admins)' },
        { name: 'segments', description: 'Segments and computed traits: definitions (versioned), members, sizes, preview (docs/segments.md)' },
        { name: 'settings', description: 'Engine settings (consent defaults) and the configuration in force (admins)' },
      ],
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
}
