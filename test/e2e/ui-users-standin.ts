// Stand-ins for the admin-accounts API the UI tests need while the real routes are being built (issue 10:
// GET/POST /api/users, GET/PATCH/DELETE /api/users/:id, POST /api/auth/password), backed by the fake hub's
// `users`. Each route is added only when the app has none yet, so the real routes win once they exist.
// The configured admin is listed first, built-in and not stored, as the real API shows it.
import type { FastifyInstance } from "fastify";
import { HubError } from "../../common/errors.js";
import type { FakeHub } from "../api/fake-hub.js";

export interface StandInOptions {
  hub: FakeHub;
  adminUser: string;
  /** The stored account the stand-in password route changes (the real one takes it from the session). */
  currentUserId: () => string | undefined;
}

export const BUILT_IN_ID = "builtin-admin";

type Id = { Params: { id: string } };

export async function usersStandIn(scope: FastifyInstance, opts: StandInOptions): Promise<void> {
  const { hub } = opts;
  const builtIn = () => ({
    id: BUILT_IN_ID,
    username: opts.adminUser,
    role: "admin" as const,
    tenant: null,
    disabled: false,
    builtIn: true,
    createdAt: null,
    updatedAt: null,
  });
  const missing = (method: "GET" | "POST" | "PATCH" | "DELETE", url: string) => !scope.hasRoute({ method, url });
  const strong = (password: unknown) => {
    if (typeof password === "string" && password.length < 12) throw new HubError("VALIDATION", "password: at least 12 characters");
  };
  const stored = (id: string) => {
    if (id === BUILT_IN_ID) throw new HubError("CONFLICT", "the configured admin cannot be changed here");
    return hub.users.get(id);
  };

  if (missing("GET", "/api/users")) scope.get("/api/users", async () => [builtIn(), ...hub.users.list()]);
  if (missing("POST", "/api/users"))
    scope.post<{ Body: { username: string; password: string; role: "admin" | "tenant-admin"; tenant?: string } }>(
      "/api/users",
      async (request, reply) => {
        strong(request.body.password);
        if (request.body.username === opts.adminUser) throw new HubError("CONFLICT", "username: taken by the configured admin");
        const view = await hub.users.create(request.body);
        reply.code(201);
        return view;
      },
    );
  if (missing("GET", "/api/users/:id"))
    scope.get<Id>("/api/users/:id", async (request) => (request.params.id === BUILT_IN_ID ? builtIn() : hub.users.get(request.params.id)));
  if (missing("PATCH", "/api/users/:id"))
    scope.patch<Id & { Body: { password?: string; disabled?: boolean; role?: "admin" | "tenant-admin"; tenant?: string | null } }>(
      "/api/users/:id",
      async (request) => {
        stored(request.params.id);
        strong(request.body.password);
        return hub.users.update(request.params.id, request.body);
      },
    );
  if (missing("DELETE", "/api/users/:id"))
    scope.delete<Id>("/api/users/:id", async (request, reply) => {
      stored(request.params.id);
      await hub.users.remove(request.params.id);
      reply.code(204);
    });
  if (missing("POST", "/api/auth/password"))
    scope.post<{ Body: { currentPassword: string; newPassword: string } }>("/api/auth/password", async (request, reply) => {
      const id = opts.currentUserId();
      if (!id) throw new HubError("CONFLICT", "the configured admin's password is set in the configuration");
      strong(request.body.newPassword);
      await hub.users.changePassword(id, request.body.currentPassword, request.body.newPassword);
      reply.code(204);
    });
}
