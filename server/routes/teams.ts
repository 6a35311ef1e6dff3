// Microsoft 365 admin API, per tenant: settings (client secret write-only), Test with unsaved settings,
// directory refresh and users, and the service-account sign-in (authorization-code redirect and callback).
// `/api/teams` is the default tenant's, `/api/tenants/:tenant/teams` any tenant's.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { HubError } from "../../common/errors.js";
import { ServiceAccountCompleteInput, TeamsSettingsInput } from "../hub/schemas.js";
import type { Hub, HubTeams } from "../hub/types.js";
import {
  errorSchema,
  inline,
  pagingQuery,
  teamsSettingsViewSchema,
  testResultSchema,
} from "./schemas.js";

const tags = ["microsoft365"];
const errors = { 400: errorSchema, 404: errorSchema };
export const SIGN_IN_CALLBACK_PATH = "/api/teams/service-accounts/callback";

/** Every route uses `request.hub`: a tenant admin reaches its own tenant's settings only. */
export async function teamsRoutes(app: FastifyInstance, opts: { publicBaseUrl: () => string }): Promise<void> {
  // The default tenant's settings where they always were, and every tenant's under /api/tenants/:tenant.
  mountTeamsRoutes(app, "/api/teams", (request) => request.hub.teams, undefined, opts.publicBaseUrl);
  mountTeamsRoutes(
    app,
    "/api/tenants/:tenant/teams",
    (request) => request.hub.teamsOf((request.params as { tenant: string }).tenant),
    { tenant: { type: "string", maxLength: 64 } },
    opts.publicBaseUrl,
  );
}

function mountTeamsRoutes(
  app: FastifyInstance,
  base: string,
  teamsOf: (request: FastifyRequest) => HubTeams,
  baseParams: Record<string, object> | undefined,
  publicBaseUrl: () => string,
): void {
  const params = (extra: Record<string, object> = {}) =>
    baseParams || Object.keys(extra).length
      ? {
          params: {
            type: "object",
            properties: { ...baseParams, ...extra },
            required: Object.keys({ ...baseParams, ...extra }),
          },
        }
      : {};

  app.get(
    base,
    {
      schema: {
        tags,
        summary: "Microsoft 365 settings and status",
        ...params(),
        response: { 200: teamsSettingsViewSchema, ...errors },
      },
    },
    async (request) => teamsOf(request).get(),
  );

  app.put<{ Body: TeamsSettingsInput }>(
    base,
    {
      schema: {
        tags,
        summary: "Save Microsoft 365 settings (omitted clientSecret = keep the stored one)",
        ...params(),
        body: inline(TeamsSettingsInput),
        response: { 200: teamsSettingsViewSchema, ...errors },
      },
    },
    async (request) => teamsOf(request).save(request.body),
  );

  app.post<{ Body: TeamsSettingsInput }>(
    `${base}/test`,
    {
      schema: {
        tags,
        summary: "Test saved settings with unsaved changes merged on top",
        ...params(),
        body: inline(TeamsSettingsInput),
        response: { 200: testResultSchema, ...errors },
      },
    },
    async (request) => teamsOf(request).test(request.body ?? {}),
  );

  app.post(
    `${base}/refresh`,
    {
      schema: {
        tags,
        summary: "Re-read the directory and re-match endpoints",
        ...params(),
        response: { 200: teamsSettingsViewSchema, ...errors },
      },
    },
    async (request) => teamsOf(request).refresh(),
  );

  app.get<{ Querystring: { search?: string; offset?: number; limit?: number } }>(
    `${base}/users`,
    {
      schema: {
        tags,
        summary: "Directory users (for manual mapping)",
        ...params(),
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: { search: { type: "string", maxLength: 200 }, ...pagingQuery },
        },
      },
    },
    async (request) => teamsOf(request).users(request.query),
  );

  app.get(
    `${base}/service-accounts/sign-in`,
    {
      schema: {
        tags,
        summary: "Start the service-account sign-in: redirects the browser to Microsoft",
        ...params(),
        response: { 302: { type: "null" }, ...errors },
      },
    },
    async (request, reply) => {
      const teams = teamsOf(request);
      if (!teams.beginServiceAccountSignIn) {
        throw new HubError("CONFIG_INVALID", "the Teams connector does not support service-account sign-in");
      }
      const start = await teams.beginServiceAccountSignIn({
        redirectUri: publicBaseUrl() + SIGN_IN_CALLBACK_PATH,
      });
      return reply.redirect(start.url, 302);
    },
  );

  app.post<{ Body: ServiceAccountCompleteInput }>(
    `${base}/service-accounts/complete`,
    {
      schema: {
        tags,
        summary: "Complete a sign-in with the code (for automation; browsers use the callback)",
        ...params(),
        body: inline(ServiceAccountCompleteInput),
        response: { ...errors },
      },
    },
    async (request) => {
      const teams = teamsOf(request);
      if (!teams.completeServiceAccountSignIn)
        throw new HubError("CONFIG_INVALID", "service-account sign-in not supported");
      return teams.completeServiceAccountSignIn(request.body);
    },
  );

  app.delete<{ Params: { id: string } }>(
    `${base}/service-accounts/:id`,
    {
      schema: {
        tags,
        summary: "Remove a service account (and its stored token)",
        ...params({ id: { type: "string", maxLength: 64 } }),
        response: { 204: { type: "null" }, ...errors },
      },
    },
    async (request, reply) => {
      await teamsOf(request).removeServiceAccount(request.params.id);
      reply.code(204);
    },
  );
}

/**
 * The OAuth redirect target. Unauthenticated on purpose: Microsoft's redirect is a cross-site navigation,
 * which does not carry the SameSite=Strict session cookie; the one-time `state` the hub issued is the check.
 */
/**
 * Several instances: the sign-in was started on the instance running its tenant, which alone knows the
 * state. A callback landing elsewhere is asked of the peers (`ask` answers with the redirect of the one
 * that knows it); a callback a peer handed on answers 404 when no tenant here knows the state.
 */
export interface SignInElsewhere {
  handedOn(request: FastifyRequest): boolean;
  ask(request: FastifyRequest): Promise<{ location: string } | undefined>;
}

export async function teamsCallbackRoute(
  app: FastifyInstance,
  opts: { hub: Hub; elsewhere?: SignInElsewhere },
): Promise<void> {
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
      let target: string | undefined;
      if (q.error || !q.code || !q.state) {
        result = `error:${q.error_description ?? q.error ?? "no code returned"}`;
      } else {
        // One callback URL for every tenant (the redirect URI registered with each app): the tenant that
        // issued the state completes the sign-in.
        const tenant = opts.hub.tenants.list().find((t) => {
          try {
            return opts.hub.teamsOf(t.id).hasPendingSignIn?.(q.state as string);
          } catch {
            return false; // a tenant that does not run on this instance
          }
        });
        if (!tenant && opts.elsewhere) {
          if (opts.elsewhere.handedOn(request)) return reply.code(404).send({ code: "NOT_FOUND", message: "no such sign-in here" });
          const there = await opts.elsewhere.ask(request);
          if (there) return reply.redirect(there.location, 302);
        }
        const teams = tenant ? opts.hub.teamsOf(tenant.id) : opts.hub.teams;
        target = tenant?.id;
        if (!teams.completeServiceAccountSignIn) result = "error:service-account sign-in not supported";
        else {
          try {
            const account = await teams.completeServiceAccountSignIn({ state: q.state, code: q.code });
            result = `ok:${account.upn}`;
          } catch (e) {
            result = `error:${(e as Error).message}`;
          }
        }
      }
      const tenantParam = target ? `tenant=${encodeURIComponent(target)}&` : "";
      return reply.redirect(`/#/microsoft365?${tenantParam}signin=${encodeURIComponent(result)}`, 302);
    },
  );
}
