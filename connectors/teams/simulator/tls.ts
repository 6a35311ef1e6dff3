// TLS material for the Graph simulator: a throw-away CA and a 127.0.0.1/localhost server certificate
// signed by it. Clients trust the simulator by adding the CA PEM (TeamsConfig.caPem, `--ca FILE`).
import { generate } from "selfsigned";

export interface SimulatorTls {
  caPem: string;
  certPem: string;
  keyPem: string;
}

export async function generateSimulatorTls(): Promise<SimulatorTls> {
  const notAfterDate = new Date(Date.now() + 365 * 24 * 3600_000);
  const ca = await generate([{ name: "commonName", value: "Presence Hub Graph Simulator CA" }], {
    keySize: 2048,
    algorithm: "sha256",
    notAfterDate,
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const leaf = await generate([{ name: "commonName", value: "localhost" }], {
    keySize: 2048,
    algorithm: "sha256",
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 2, value: "localhost" },
          { type: 7, ip: "127.0.0.1" },
          { type: 7, ip: "::1" },
        ],
      },
    ],
  });
  return { caPem: ca.cert, certPem: leaf.cert, keyPem: leaf.private };
}
