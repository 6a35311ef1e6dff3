// The RCC indications the simulated PBX sends (innovaphone-appwebsocket.md §6.1): UserInfo for a user and
// CallAdd for a call, built from the model.
import type { PbxModel, SimCall, SimUser } from "./model.js";

type Msg = Record<string, unknown>;

export function callAddMessage(c: SimCall, model: PbxModel): Msg {
  const u = model.users.get(c.guid);
  return {
    mt: "CallAdd",
    guid: c.guid,
    cn: u?.cn ?? "",
    call: Number(c.id),
    state: c.state,
    "conf-id": "",
    "call-id": c.callId,
  };
}

export function userInfoMessage(u: SimUser, model: PbxModel): Msg {
  const calls = model.callsOf(u.guid);
  return {
    mt: "UserInfo",
    guid: u.guid,
    cn: u.cn,
    dn: u.dn,
    h323: u.h323,
    e164: u.e164,
    node: "root",
    pbx: "sim",
    regs: [{ hw: `sim-${u.h323}` }],
    channel: calls.length,
    alert: calls.filter((c) => (c.state & 0x0f) < 5).length,
  };
}
