// A hub in its own process for the crash test (restart.test.ts): runHub — the function `presence-hub start`
// runs — with the data directory, port and fault-test timings from the environment. With FAULTS_CONFIGURE=1
// it configures Microsoft 365 and the connector like an admin (first start); without, it runs from what is
// stored, exactly like a restart after a crash. Prints "READY <url>" once listening (and configured).
// The test SIGKILLs it: nothing here may rely on a graceful exit.
import { configureRootLogger } from "../../common/log.js";

configureRootLogger({ level: process.env.LOG_LEVEL ?? "warn" });
const { FAST_SYNC, fastFactories } = await import("./factories.js");
const { configureHub, startHub } = await import("./harness.js");

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

const running = await startHub(env("FAULTS_DATA_DIR"), Number(env("FAULTS_PORT")), {
  ...fastFactories(Number(process.env.FAULTS_SEED ?? 1)),
  sync: FAST_SYNC,
});
if (process.env.FAULTS_CONFIGURE === "1") {
  const world = JSON.parse(env("FAULTS_WORLD")) as Parameters<typeof configureHub>[2];
  await configureHub(running.hub, running.url, world, 60_000);
}
process.stdout.write(`READY ${running.url}\n`);
// Stay up until killed; a graceful SIGTERM would undo what the hub set, which this test must not get.
setInterval(() => undefined, 60_000);
