// Admin accounts API (admins only): list (with the configured admin as a built-in, read-only entry), add,
// change role/tenant/password/disabled, delete. Rules about who may do what to which account live in the
// scoped hub (hub/scoped-hub.ts): tenant admins get 403, the built-in admin and one's own account 409 where
// a change would lock someone out. A password set here or a deletion ends that account's sessions at once;
// a disabled account or a changed role/tenant ends them on their next request (auth/plugin.ts).
import type { FastifyInstance } from "fastify";
import { UserCreateInput, UserUpdateInput } from "../hub/schemas.js";
import { errorSchema, inline } from "./schemas.js";

const tags = ["users"];
const errors = { 400: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };
const userParams = {
  type: "object",
  additionalProperties: false,
  required: ["id"],
  properties: { id: { type: "string", minLength: 1, maxLength: 64 } },
} as const;
type UserParams = { Params: { id: string } };

export const userViewSchema = {
  type: "object",
  properties: {
    id: { type: "string", description: '"builtin-admin" for the configured admin' },
    username: { type: "string" },
    role: {
      type: "string",
      enum: ["admin", "tenant-admin"],
      description: "admin: everything; tenant-admin: only `tenant` (its connectors, Microsoft 365, endpoints, events)",
    },
    tenant: { type: ["string", "null"], description: "The tenant of a tenant admin; null for admins" },
    disabled: { type: "boolean", description: "A disabled account cannot log in; its sessions end" },
    builtIn: {
      type: "boolean",
      description: "The configured admin (PRESENCE_HUB_ADMIN_USER/PASSWORD): not stored, not changeable here",
    },
    createdAt: { type: ["string", "null"] },
    updatedAt: { type: ["string", "null"] },
  },
} as const;

export async function userRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    "/api/users",
    {
      schema: {
        tags,
        summary: "Admin accounts, the configured admin first (admins only)",
        response: { 200: { type: "array", items: userViewSchema }, 403: errorSchema },
      },
    },
    async (request) => request.hub.users.list(),
  );

  app.post<{ Body: UserCreateInput }>(
    "/api/users",
    {
      schema: {
        tags,
        summary: "Add an admin account: role admin, or tenant-admin of one tenant (admins only)",
        description: "Passwords need at least 12 characters. User names are unique regardless of case.",
        body: inline(UserCreateInput),
        response: { 201: userViewSchema, ...errors },
      },
    },
    async (request, reply) => {
      const view = await request.hub.users.create(request.body);
      reply.code(201);
      return view;
    },
  );

  app.get<UserParams>(
    "/api/users/:id",
    {
      schema: { tags, summary: "One admin account (admins only)", params: userParams, response: { 200: userViewSchema, ...errors } },
    },
    async (request) => request.hub.users.get(request.params.id),
  );

  app.patch<UserParams & { Body: UserUpdateInput }>(
    "/api/users/:id",
    {
      schema: {
        tags,
        summary: "Change role, tenant, password or disabled (admins only)",
        description:
          "409 for the configured admin and for changes to the own account that would disable it or change its " +
          "role or tenant; the own password changes with POST /api/auth/password. Setting a password ends the " +
          "account's sessions.",
        params: userParams,
        body: inline(UserUpdateInput),
        response: { 200: userViewSchema, ...errors },
      },
    },
    async (request) => {
      const view = await request.hub.users.update(request.params.id, request.body);
      // A reset password is often a suspected leak: whoever signed in with the old one is out.
      if (request.body.password !== undefined) await app.endSessionsOf(view.id);
      return view;
    },
  );

  app.delete<UserParams>(
    "/api/users/:id",
    {
      schema: {
        tags,
        summary: "Delete an admin account; its sessions end (admins only)",
        description: "409 for the configured admin and for the own account.",
        params: userParams,
        response: { 204: { type: "null" }, ...errors },
      },
    },
    async (request, reply) => {
      await request.hub.users.remove(request.params.id);
      await app.endSessionsOf(request.params.id);
      reply.code(204);
    },
  );
}
