// Stored admin accounts (issue 10): username, scrypt hash, role (admin / tenant-admin of one tenant),
// disabled flag. Logins check the hash with its own parameters and upgrade an older one (the same rule as
// the configured admin's). Usernames are unique, case-insensitively, and never the configured admin's.
// Unknown and disabled names are refused after the same scrypt work as a wrong password (no timing oracle).
import { randomUUID } from "node:crypto";
import { HubError } from "../../common/errors.js";
import { validateInput } from "../../common/validation.js";
import { hashPassword, needsRehash, verifyPassword } from "../auth/password.js";
import type { HubStore, StoredUser } from "../store/types.js";
import type { EventLog } from "./events.js";
import { UserCreateInput, UserUpdateInput } from "./schemas.js";
import type { HubUsers, UserView } from "./types.js";

export interface UserDeps {
  store: HubStore;
  events: EventLog;
  /** The configured admin's name: no stored account may take it. */
  reservedUsername?: string;
}

export class UserManager implements HubUsers {
  constructor(private readonly d: UserDeps) {}

  list(): UserView[] {
    return this.d.store.listUsers().map(view);
  }

  get(id: string): UserView {
    return view(this.require(id));
  }

  async create(input: UserCreateInput): Promise<UserView> {
    validateInput(UserCreateInput, input);
    const username = input.username.trim();
    if (this.d.store.findUser(username) || username.toLowerCase() === this.d.reservedUsername?.toLowerCase())
      throw new HubError("CONFLICT", `username: "${username}" is taken`);
    const tenant = this.tenantFor(input.role, input.tenant);
    const now = new Date().toISOString();
    const u: StoredUser = {
      id: `u_${randomUUID().slice(0, 12)}`,
      username,
      passwordHash: await hashPassword(input.password),
      role: input.role,
      tenant,
      disabled: false,
      createdAt: now,
      updatedAt: now,
    };
    this.d.store.putUser(u);
    this.event(u, `Admin account "${username}" (${describeRole(u)}) created`, "user.created");
    return view(u);
  }

  async update(id: string, input: UserUpdateInput): Promise<UserView> {
    validateInput(UserUpdateInput, input);
    const old = this.require(id);
    const role = input.role ?? old.role;
    const tenant =
      input.role !== undefined || input.tenant !== undefined
        ? this.tenantFor(role, input.tenant === undefined ? (old.tenant ?? undefined) : (input.tenant ?? undefined))
        : old.tenant;
    const next: StoredUser = {
      ...old,
      role,
      tenant,
      disabled: input.disabled ?? old.disabled,
      passwordHash: input.password !== undefined ? await hashPassword(input.password) : old.passwordHash,
      updatedAt: new Date().toISOString(),
    };
    this.d.store.putUser(next);
    const what = [
      input.password !== undefined ? "password set" : "",
      input.disabled !== undefined && input.disabled !== old.disabled ? (input.disabled ? "disabled" : "enabled") : "",
      role !== old.role || tenant !== old.tenant ? describeRole(next) : "",
    ].filter(Boolean);
    if (what.length) this.event(next, `Admin account "${old.username}": ${what.join(", ")}`, "user.updated");
    return view(next);
  }

  async remove(id: string): Promise<void> {
    const u = this.require(id);
    this.d.store.deleteUser(id);
    this.event(u, `Admin account "${u.username}" deleted`, "user.deleted");
  }

  async authenticate(username: string, password: string): Promise<UserView | undefined> {
    const u = this.d.store.findUser(username.trim());
    if (!u || u.disabled) {
      // Hash anyway: an unknown or disabled name must take as long as a wrong password, or the answer's
      // timing tells which accounts exist.
      await verifyPassword(password, await dummyHash());
      return undefined;
    }
    if (!(await verifyPassword(password, u.passwordHash))) return undefined;
    // A hash made with cheaper parameters is replaced transparently, now that the password is known.
    if (needsRehash(u.passwordHash))
      this.d.store.putUser({ ...u, passwordHash: await hashPassword(password), updatedAt: new Date().toISOString() });
    return view(u);
  }

  async changePassword(id: string, current: string, next: string): Promise<void> {
    const u = this.require(id);
    if (!(await verifyPassword(current, u.passwordHash)))
      throw new HubError("UNAUTHORIZED", "currentPassword: wrong password");
    validateInput(UserUpdateInput, { password: next });
    this.d.store.putUser({ ...u, passwordHash: await hashPassword(next), updatedAt: new Date().toISOString() });
    this.event(u, `Admin account "${u.username}" changed its password`, "user.updated");
  }

  // ------------------------------------------------------------ internals

  private require(id: string): StoredUser {
    const u = this.d.store.getUser(id);
    if (!u) throw new HubError("NOT_FOUND", `user ${id} not found`);
    return u;
  }

  /** A tenant-admin needs an existing tenant; an admin has none. */
  private tenantFor(role: StoredUser["role"], tenant: string | undefined): string | null {
    if (role === "admin") {
      if (tenant) throw new HubError("VALIDATION", "tenant: an admin has no tenant (role admin covers every tenant)");
      return null;
    }
    if (!tenant) throw new HubError("VALIDATION", "tenant: required for a tenant-admin");
    if (!this.d.store.getTenant(tenant)) throw new HubError("NOT_FOUND", `tenant ${tenant} not found`);
    return tenant;
  }

  private event(u: StoredUser, message: string, kind: "user.created" | "user.updated" | "user.deleted"): void {
    this.d.events.add({ level: "info", kind, ...(u.tenant ? { tenant: u.tenant } : {}), message });
  }
}

let dummy: Promise<string> | undefined;
/** A hash of a random password with the current parameters, made once, for timing-equal refusals. */
function dummyHash(): Promise<string> {
  dummy ??= hashPassword(randomUUID());
  return dummy;
}

function describeRole(u: StoredUser): string {
  return u.role === "admin" ? "admin" : `tenant-admin of ${u.tenant}`;
}

function view(u: StoredUser): UserView {
  return {
    id: u.id,
    username: u.username,
    role: u.role,
    tenant: u.tenant,
    disabled: u.disabled,
    builtIn: false,
    createdAt: u.createdAt,
    updatedAt: u.updatedAt,
  };
}
