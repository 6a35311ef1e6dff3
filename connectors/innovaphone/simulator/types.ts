// Public types of the PBX simulator: the users file (also used by the demo to seed it) and the options
// covering every uncertain PBX behaviour (innovaphone-appwebsocket.md §9, ⚠ items) as a knob.

export type SimApiName = "PbxApi" | "PbxAdminApi" | "PbxTableUsers" | "RCC";
export const SIM_ALL_APIS: readonly SimApiName[] = ["PbxApi", "PbxAdminApi", "PbxTableUsers", "RCC"];

/** An App object the hub (or any client) logs in as. */
export interface SimAppObject {
  name: string;
  password: string;
  /** Enabled APIs; default all four. Leave out "PbxAdminApi" to simulate a missing Admin checkmark. */
  apis?: SimApiName[];
}

/** One call diversion as the simulator stores it (serialised in the flat or nested shape on the wire). */
export interface SimCd {
  type: "cfu" | "cfb" | "cfnr";
  e164?: string;
  h323?: string;
  bool?: string;
  boolNot?: boolean;
  precedence?: boolean;
  /** Caller filter, kept verbatim (XML string in replication). */
  filter?: string;
}

export interface SimPresenceInput {
  contact?: string;
  activity: string;
  note?: string;
  status?: string;
}

/** A Visibility entry on a user: who (App object / user name, or "@" for everyone) may see what. */
export interface SimVisibility {
  name: string;
  online?: boolean;
  presence?: boolean;
  note?: boolean;
  otf?: boolean;
}

/** One user in a users file. Only h323 is required; the rest gets sensible defaults. */
export interface SimUserInput {
  guid?: string;
  h323: string;
  cn?: string;
  dn?: string;
  e164?: string;
  emails?: string[];
  /** Call forward based on Presence: true/false, or absent/null = not set on the user. */
  cfpr?: boolean | null;
  /** The template's value of cfpr. */
  tCfpr?: boolean | null;
  dnd?: boolean;
  cds?: SimCd[];
  presence?: SimPresenceInput[];
  /** App objects this user has in its Apps list (RCC visibility); absent = visible to every App object. */
  apps?: string[];
  /** Visibility entries; only checked with the simulator option `requireVisibility`. */
  visibility?: SimVisibility[];
}

/** The `--users FILE` format (JSON or YAML). */
export interface PbxSimUsersFile {
  apps?: SimAppObject[];
  users: SimUserInput[];
}

export interface PbxSimulatorOptions {
  /** Default 0 (ephemeral). The simulator always listens on `host` (default 127.0.0.1). */
  port?: number;
  host?: string;
  /** Serve wss/https with a generated self-signed certificate (or the given PEMs). */
  tls?: boolean | { cert: string; key: string };
  /** PBX module in the URL, default "PBX0". */
  modulePath?: string;
  /** App objects; default one object "presence-hub" / "secret" with all APIs. */
  apps?: SimAppObject[];
  users?: SimUserInput[];
  /** Challenge style: digits (default, like the PBX), hex, a fixed string, or a JSON number. */
  challenge?: "digits" | "hex" | "numeric" | { fixed: string };
  /** Accept uppercase hex digests (a real PBX behaviour is unknown; default false). */
  lenientDigestCase?: boolean;
  /** Login failure shape: add error/errorText (default true), omit `ok` instead of ok:false (default false). */
  loginFailure?: { errorFields?: boolean; omitOk?: boolean; closeAfterMs?: number };
  /** Malformed JSON from a client: ignore (default) or close the socket. */
  onMalformed?: "ignore" | "close";
  /**
   * Enforce Visibility for SubscribePresence (⚠ default false = everything visible): the App object needs an
   * entry with its name (or "@") and `presence`; `note` / `otf` filter the note and the on-the-phone item.
   */
  requireVisibility?: boolean;
  /** Without visibility: send nothing after SubscribePresenceResult (default "silent") or PresenceState{up:false}. */
  onInvisible?: "silent" | "down";
  /** Requests for an API not enabled on the App object: ignore (default, the client times out) or reply with error. */
  onDisabledApi?: "ignore" | "error";
  /** RCC Initialize sends at most 50 UserInfo per tick of this many ms (default 20, as documented). */
  rccTickMs?: number;
  /** 13r3 PbxApi AddAlienCall/DelAlienCall for a user-scoped login (AppLogin with sip); default true. */
  alienCalls?: boolean;
  /** 14r1 PbxApi Get/Add/DelDiversion (non-admin entries only); default true. */
  diversions?: boolean;
  /** Answer RFC 6455 pings (default true; whether a real PBX does is undocumented). */
  answerPings?: boolean;
  /** Echo {"mt":"KeepAlive"} (default false: ignore it). */
  echoKeepAlive?: boolean;
  /** Close connections idle for this long (ms); default off. */
  idleTimeoutMs?: number;
  /** Activities that make "Call forward based on Presence" divert to CFB. Default busy, dnd, away. */
  forwardActivities?: string[];
  /** Which presence items count for forwarding: any contact (default) or only the newest item. */
  forwardPresenceScope?: "any" | "newest";
  /** Add a synthetic on-the-phone item while a user has calls (default true). */
  onThePhonePresence?: boolean;
  /** SetPresence with activity "" deletes the slot instead of keeping an empty item (default false). */
  clearDeletesSlot?: boolean;
  /** GetObject cds shape: "admin" nested (default) or "flat". */
  adminCdsShape?: "admin" | "flat";
  /** Keep at most this many received messages in the log (default 100000). */
  logLimit?: number;
}

/** Result of a simulated incoming call (presence-based forwarding semantics, §9.9). */
export type IncomingCallResult =
  | { result: "forwarded"; destination: string; reason: "busy" | "presence"; call?: string }
  | { result: "rings"; call?: string }
  | { result: "busy"; reason: string };

/** Fault injection knobs, changeable at run time. */
export interface SimFaults {
  /** Answer every AppLogin with a failure (ok:false; the shape follows `loginFailure`). */
  refuseLogins?: boolean;
  /** Accept the socket but never answer AppChallenge (a hung PBX, or a tarpit); pings are still answered. */
  ignoreChallenge?: boolean;
  /** Delay every reply by this many ms. */
  delayMs?: number;
  /** Drop every reply and stop answering pings ("silent PBX"). */
  dropReplies?: boolean;
  /** Omit src in replies. */
  omitSrc?: boolean;
}

export interface SimLogEntry {
  at: string;
  conn: number;
  /** The App object the connection logged in as, if any. */
  app?: string;
  /** Parsed message, or the raw text when it was not JSON. Digests are kept (it is a test double). */
  msg: Record<string, unknown> | string;
}
