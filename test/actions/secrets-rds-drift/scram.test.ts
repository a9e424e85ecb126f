import { describe, expect, it } from "vitest";
import { parseScramAttributes, saslPrep, scramSha256Client } from "../../../src/actions/secrets-rds-drift/scram";

// RFC 7677 section 3: user "user", password "pencil".
const CLIENT_NONCE = "rOprNGfwEbeRWgbNEkqO";
const SERVER_FIRST = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
const CLIENT_FINAL =
  "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
const SERVER_FINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

describe("SCRAM-SHA-256", () => {
  it("reproduces the RFC 7677 test vector", () => {
    const client = scramSha256Client("pencil", { user: "user", nonce: CLIENT_NONCE });
    expect(client.clientFirstMessage).toBe(`n,,n=user,r=${CLIENT_NONCE}`);
    expect(client.clientFinal(SERVER_FIRST)).toBe(CLIENT_FINAL);
    expect(() => client.verifyServerFinal(SERVER_FINAL)).not.toThrow();
  });

  it("rejects a server signature made without the password", () => {
    const client = scramSha256Client("pencil", { user: "user", nonce: CLIENT_NONCE });
    client.clientFinal(SERVER_FIRST);
    expect(() => client.verifyServerFinal("v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")).toThrow(
      /signature is wrong/,
    );
    expect(() => client.verifyServerFinal("e=invalid-proof")).toThrow(/rejected the SCRAM exchange: invalid-proof/);
  });

  it("computes a different proof for a different password", () => {
    const client = scramSha256Client("pencil2", { user: "user", nonce: CLIENT_NONCE });
    expect(client.clientFinal(SERVER_FIRST)).not.toBe(CLIENT_FINAL);
  });

  it("refuses a server nonce that does not extend the client's, and a missing salt", () => {
    const client = scramSha256Client("pencil", { nonce: CLIENT_NONCE });
    expect(() => client.clientFinal("r=somethingElse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")).toThrow(/nonce/);
    expect(() => client.clientFinal(`r=${CLIENT_NONCE}xyz,i=4096`)).toThrow(/incomplete/);
    expect(() => client.clientFinal(`r=${CLIENT_NONCE}xyz,s=AA==,i=99999999`)).toThrow(/iterations/);
  });

  it("sends PostgreSQL's empty user name, escapes = and , in names, and makes a fresh nonce", () => {
    const a = scramSha256Client("x");
    const b = scramSha256Client("x");
    expect(a.clientFirstMessage).toMatch(/^n,,n=,r=[A-Za-z0-9+/=]{24}$/);
    expect(a.clientFirstMessage).not.toBe(b.clientFirstMessage);
    expect(scramSha256Client("x", { user: "a=b,c", nonce: "n" }).clientFirstMessage).toBe("n,,n=a=3Db=2Cc,r=n");
  });

  it("parses attributes whose values contain '=' and applies SASLprep's mappings", () => {
    expect(parseScramAttributes("s=W22Z==,i=1").get("s")).toBe("W22Z==");
    expect(saslPrep("pass\u00A0word\u00AD")).toBe("pass word");
    expect(saslPrep("plain-ascii")).toBe("plain-ascii");
  });
});
