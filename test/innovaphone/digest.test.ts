// The reference's digest and session-key vectors (innovaphone-appwebsocket.md §1.5, §1.6).
import { describe, expect, it } from "vitest";
import {
  computeDigest,
  digestString,
  normalizeChallenge,
  sessionKey,
} from "../../connectors/innovaphone/digest.js";

const base = { app: "pbxadminapi", challenge: "0123456789abcdef", password: "pwd" };

describe("AppLogin digest", () => {
  it("vector 1: no info", () => {
    expect(digestString(base)).toBe("pbxadminapi:::::0123456789abcdef:pwd");
    expect(computeDigest(base)).toBe("a205299ed2ef2786c311e0be1b14db343f2cadd906a6ae7b564eee34bda5e9a1");
  });
  it("vector 2: info {}", () => {
    expect(computeDigest({ ...base, infoJson: JSON.stringify({}) })).toBe(
      "57b23fe824b9222a7ac879597cb509bcdc865a1bfeb057d9d12118cef0c3ba34",
    );
  });
  it("vector 3: info with cn", () => {
    expect(digestString({ ...base, infoJson: JSON.stringify({ cn: "Test User" }) })).toBe(
      'pbxadminapi:::::{"cn":"Test User"}:0123456789abcdef:pwd',
    );
    expect(computeDigest({ ...base, infoJson: JSON.stringify({ cn: "Test User" }) })).toBe(
      "96db3c3f657230c2b68194becc6d2a77f05de9f79f01fc81e9ca0fb196b10d9d",
    );
  });
  it("session key vector", () => {
    expect(sessionKey("0123456789abcdef", "pwd")).toBe(
      "d58c77eae0c1c1f37a9f545e207643c926ad9ea4932016a83a4a01029de37760",
    );
  });
  it("treats the challenge as opaque; numbers become decimal text", () => {
    expect(normalizeChallenge("609f44c1f7043ba1")).toBe("609f44c1f7043ba1");
    expect(normalizeChallenge(1234567890123)).toBe("1234567890123");
    expect(normalizeChallenge(null)).toBeUndefined();
  });
});
