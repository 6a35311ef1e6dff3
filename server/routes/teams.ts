// Microsoft 365 admin API: settings (client secret write-only), Test with unsaved settings, directory
// refresh and users, and the service-account sign-in (authorization-code redirect and callback).
import type { FastifyInstance } from "fastify";
import { HubError } from "../../common/errors.js";
import { ServiceAccountCompleteInput, TeamsSettingsInput } from "../hub/schemas.js";
import type { Hub } from "../hub/types.js";
import { errorSchema, idParams, inline, pagingQuery, teamsSettingsViewSchema, testResultSchema } from "./schemas.js";

const tags = ["microsoft365"];
const errors = { 400: errorSchema, 404: errorSchema };
export const SIGN_IN_CALLBACK_PATH = "/api/teams/service-accounts/callback";

export async function teamsRoutes(app: FastifyInstance, opts: { hub: Hub; publicBaseUrl: () => string }): Promise<void> {
  const { hub } = opts;

  app.get("/api/teams", { schema: { tags, summary: "Microsoft 365 settings and status", response: { 200: teamsSettingsViewSchema } } }, async () =>
    hub.teams.get(),
  );

  app.put<{ Body: TeamsSettingsInput }>(
    "/api/teams",
    {
      schema: {
        tags,
        summary: "Save Microsoft 365 settings (omitted clientSecret = keep the stored one)",
        body: inline(TeamsSettingsInput),
        response: { 200: teamsSettingsViewSchema, ...errors },
      },
    },
    async (request) => hub.teams.save(request.body),
  );

  app.post<{ Body: TeamsSettingsInput }>(
    "/api/teams/test",
    {
      schema: {
        tags,
        summary: "Test saved settings with unsaved changes merged on top",
        body: inline(TeamsSettingsInput),
        response: { 200: testResultSchema, ...errors },
      },
    },
    async (request) => hub.teams.test(request.body ?? {}),
  );

  app.post(
    "/api/teams/refresh",
    { schema: { tags, summary: "Re-read the directory and re-match endpoints", response: { 200: teamsSettingsViewSchema, ...errors } } },
    async () => hub.teams.refresh(),
  );

  app.get<{ Querystring: { search?: string; offset?: number; limit?: number } }>(
    "/api/teams/users",
    {
      schema: {
        tags,
        summary: "Directory users (for manual mapping)",
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: { search: { type: "string", maxLength: 200 }, ...pagingQuery },
        },
      },
    },
    async (request) => hub.teams.users(request.query),
  );

  app.get(
    "/api/teams/service-accounts/sign-in",
    { schema: { tags, summary: "Start the service-account sign-in: redirects the browser to Microsoft", response: { 302: { type: "null" }, ...errors } } },
    async (_request, reply) => {
      if (!hub.teams.beginServiceAccountSignIn) {
        throw new HubError("CONFIG_INVALID", "the Teams connector does not support service-account sign-in");
      }
      const start = await hub.teams.beginServiceAccountSignIn({ redirectUri: opts.publicBaseUrl() + SIGN_IN_CALLBACK_PATH });
      return reply.redirect(start.url, 302);
    },
  );

  app.post<{ Body: ServiceAccountCompleteInput }>(
    "/api/teams/service-accounts/complete",
    {
      schema: {
        tags,
        summary: "Complete a sign-in with the code (for automation; browsers use the callback)",
        body: inline(ServiceAccountCompleteInput),
        response: { ...errors },
      },
    },
    async (request) => {
      if (!hub.teams.completeServiceAccountSignIn) throw new HubError("CONFIG_INVALID", "service-account sign-in not supported");
      return hub.teams.completeServiceAccountSignIn(request.body);
    },
  );

  app.delete<{ Params: { id: string } }>(
    "/api/teams/service-accounts/:id",
    { schema: { tags, summary: "Remove a service account (and its stored token)", params: idParams, response: { 204: { type: "null" }, ...errors } } },
    async (request, reply) => {
      await hub.teams.removeServiceAccount(request.params.id);
      reply.code(204);
    },
  );
}

/**
 * The OAuth redirect target. Unauthenticated on purpose: Microsoft's redirect is a cross-site navigation,
 * which does not carry the SameSite=Strict session cookie; the one-time `state` the hub issued is the check.
 */
export async function teamsCallbackRoute(app: FastifyInstance, opts: { hub: Hub }): Promise<void> {
  app.get<{ Querystring: { state?: string; code?: string; error?: string; error_description?: string } }>(
    SIGN_IN_CALLBACK_PATH,
    {
      schema: {
        tags,
        summary: "OAuth redirect target of the service-account sign-in",
        querystring: {
          type: "object",
          properties: {
            state: { type: "string", maxLength: 512 },
            code: { type: "string", maxLength: 8192 },
            error: { type: "string", maxLength: 200 },
            error_description: { type: "string", maxLength: 2000 },
            session_state: { type: "string", maxLength: 512 },
          },
        },
      },
    },
    async (request, reply) => {
      const q = request.query;
      let result: string;
      if (q.error || !q.code || !q.state) {
        result = `error:${q.error_description ?? q.error ?? "no code returned"}`;
      } else if (!opts.hub.teams.completeServiceAccountSignIn) {
        result = "error:service-account sign-in not supported";
      } else {
        try {
          const account = await opts.hub.teams.completeServiceAccountSignIn({ state: q.state, code: q.code });
          result = `ok:${account.upn}`;
        } catch (e) {
          result = `error:${(e as Error).message}`;
        }
      }
      return reply.redirect(`/#/microsoft365?signin=${encodeURIComponent(result)}`, 302);
    },
  );
}
