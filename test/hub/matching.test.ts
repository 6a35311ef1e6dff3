// Endpoint matching by e-mail: case-insensitive, mail before userPrincipalName, PBX addresses in order,
// ambiguity detected; property: matching never depends on letter case or directory order.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { TeamsUser } from "../../engine/ports/adapters.js";
import { indexDirectory, matchTeamsUser } from "../../server/hub/matching.js";

const u = (id: string, mail: string | null, upn: string): TeamsUser => ({
  id,
  displayName: id,
  mail,
  userPrincipalName: upn,
});

describe("matchTeamsUser", () => {
  const dir = indexDirectory([
    u("a", "Alice@Contoso.com", "alice@contoso.onmicrosoft.com"),
    u("b", null, "Bob@Contoso.com"),
    u("c1", "shared@contoso.com", "c1@contoso.com"),
    u("c2", "shared@contoso.com", "c2@contoso.com"),
    u("d", "dora@contoso.com", "dave@contoso.com"),
    u("e", "dave@contoso.com", "erin@contoso.com"),
  ]);

  it("matches mail and UPN case-insensitively", () => {
    expect(matchTeamsUser(["ALICE@contoso.COM"], dir).user?.id).toBe("a");
    expect(matchTeamsUser(["alice@contoso.onmicrosoft.com"], dir).user?.id).toBe("a");
    expect(matchTeamsUser([" bob@contoso.com "], dir).user?.id).toBe("b");
  });

  it("prefers mail over another user's UPN", () => {
    expect(matchTeamsUser(["dave@contoso.com"], dir).user?.id).toBe("e");
  });

  it("tries the PBX addresses in order and reports ambiguity", () => {
    expect(matchTeamsUser(["nobody@x", "dora@contoso.com"], dir).user?.id).toBe("d");
    expect(matchTeamsUser(["shared@contoso.com"], dir)).toEqual({ user: null, ambiguous: true });
    expect(matchTeamsUser(["shared@contoso.com", "c2@contoso.com"], dir).user?.id).toBe("c2");
    expect(matchTeamsUser([], dir)).toEqual({ user: null, ambiguous: false });
  });

  it("property: letter case and directory order never change the result", () => {
    const local = fc.stringMatching(/^[a-z]{1,6}$/);
    fc.assert(
      fc.property(fc.uniqueArray(local, { minLength: 1, maxLength: 8 }), fc.nat(), (names, pick) => {
        const users = names.map((n) => u(n, `${n}@ex.com`, `${n}@ex.onmicrosoft.com`));
        const target = names[pick % names.length];
        const a = matchTeamsUser([`${target.toUpperCase()}@EX.COM`], indexDirectory(users));
        const b = matchTeamsUser([`${target}@ex.com`], indexDirectory([...users].reverse()));
        expect(a.user?.id).toBe(target);
        expect(b.user?.id).toBe(target);
      }),
    );
  });
});
