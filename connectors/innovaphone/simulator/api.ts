// The PBX simulator's public surface: what tests, the demo and the control API (/_sim/) can do with a
// running simulator. server.ts implements it.
import type { PbxModel } from "./model.js";
import type { IncomingCallResult, SimAppObject, SimFaults, SimLogEntry, SimUserInput } from "./types.js";

export interface PbxSimulator {
  readonly port: number;
  /** ws(s)://127.0.0.1:<port>/PBX0/APPS/websocket */
  readonly url: string;
  /** http(s)://127.0.0.1:<port> (control API under /_sim/) */
  readonly httpUrl: string;
  /** The self-signed certificate (PEM) when TLS is on, to pass as the client's CA. */
  readonly certPem?: string;
  readonly model: PbxModel;
  /** Plain snapshots of all users (presence newest first, calls, forwarding decision). */
  users(): Record<string, unknown>[];
  user(key: string): Record<string, unknown>;
  addUser(user: SimUserInput): string;
  updateUser(key: string, patch: Partial<Omit<SimUserInput, "guid" | "presence">>): void;
  deleteUser(key: string): void;
  /** Set a user's own presence (contact "tel:" unless given), as a phone or myApps would. */
  setOwnPresence(key: string, activity: string, note?: string, contact?: string): void;
  /** Start a PBX call for the user; returns the call id. */
  startCall(key: string, opts?: { peer?: string; direction?: "in" | "out" }): string;
  answerCall(callId: string): void;
  holdCall(callId: string, hold?: boolean): void;
  endCall(callId: string): void;
  /** Dial the user from outside: forwarded / busy / rings (and an alerting call starts unless ring:false). */
  dial(key: string, opts?: { peer?: string; ring?: boolean }): IncomingCallResult;
  /** Terminate every AppWebsocket connection. */
  dropAll(): void;
  setFaults(f: SimFaults): void;
  faults(): SimFaults;
  /** Replace or add an App object (e.g. remove "PbxAdminApi" from its apis). */
  setApp(app: SimAppObject): void;
  /** Every message received (parsed, or raw text when malformed), oldest first. */
  log(): SimLogEntry[];
  clearLog(): void;
  /** Send a raw text frame to every connection (malformed-frame tests). */
  sendRaw(text: string): void;
  stats(): { connections: number; open: number; logins: number; loginFailures: number; challenges: number };
  /** Back to the initial users/apps, no faults, empty log, all connections dropped. */
  reset(): void;
  close(): Promise<void>;
}
