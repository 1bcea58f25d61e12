/**
 * Staff accounts (admins, or the secret key): GET/POST /v1/staff/users, PATCH/DELETE /v1/staff/users/:id.
 * A user created without a password gets a generated one, returned once, to be changed at first sign-in.
 */
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { staffUserView } from '../../staff/index.ts'
import type { StaffRole } from '../../storage/index.ts'
import { requireScope, type RouteContext, secretKeySecurity } from './context.ts'
import { StaffUser } from './session.ts'

const Role = Type.Union([Type.Literal('admin'), Type.Literal('editor'), Type.Literal('viewer')])
const CreateBody = Type.Object(
  {
    email: Type.String({ maxLength: 254 }),
    role: Role,
    password: Type.Optional(Type.String({ maxLength: 1024, description: 'At least 12 characters; omit it to have one generated.' })),
  },
  { additionalProperties: false },
)
const CreateReply = Type.Object({
  user: StaffUser,
  password: Type.Union([Type.String(), Type.Null()], { description: 'The generated password, shown only in this reply; null when you chose it.' }),
})
const ChangeBody = Type.Object(
  { role: Type.Optional(Role), resetPassword: Type.Optional(Type.Boolean({ description: 'Generate a new password (returned once) and sign them out everywhere.' })) },
  { additionalProperties: false },
)
const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 255 }) })
const tags = ['staff']
const security = secretKeySecurity

export function staffUserRoutes(ctx: RouteContext) {
  const { staff } = ctx.engine
  const admin = requireScope(ctx, 'secret', 'admin')
  return async (app: FastifyInstance) => {
    app.get(
      '/v1/staff/users',
      { preHandler: admin, schema: { tags, summary: 'Staff users', security, response: { 200: Type.Object({ data: Type.Array(StaffUser) }) } } },
      async () => ({ data: await staff.list() }),
    )
    app.post<{ Body: { email: string; role: StaffRole; password?: string } }>(
      '/v1/staff/users',
      { preHandler: admin, schema: { tags, summary: 'Add a staff user', security, body: CreateBody, response: { 201: CreateReply } } },
      async (request, reply) => reply.code(201).header('cache-control', 'no-store').send(await staff.add(request.body)),
    )
    app.patch<{ Params: { id: string }; Body: { role?: StaffRole; resetPassword?: boolean } }>(
      '/v1/staff/users/:id',
      {
        preHandler: admin,
        schema: { tags, summary: "Change a staff user's role, or reset their password", security, params: Params, body: ChangeBody, response: { 200: CreateReply } },
      },
      async (request, reply) => {
        const { role, resetPassword } = request.body
        const target = await staff.find(request.params.id)
        const user = role === undefined ? staffUserView(target) : await staff.setRole(target.id, role)
        if (!resetPassword) return { user, password: null }
        reply.header('cache-control', 'no-store')
        return staff.resetPassword(target.id)
      },
    )
    app.delete<{ Params: { id: string } }>(
      '/v1/staff/users/:id',
      { preHandler: admin, schema: { tags, summary: 'Remove a staff user (signs them out)', security, params: Params } },
      async (request, reply) => {
        await staff.remove(request.params.id)
        return reply.code(204).send()
      },
    )
  }
}
