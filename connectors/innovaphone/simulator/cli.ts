// Command-line entry of the PBX (innovaphone AppWebsocket) simulator (`presence-hub sim ...`).
export async function runPbxSimulatorCli(_args: string[]): Promise<number> {
  process.stderr.write("PBX (innovaphone AppWebsocket) simulator: not implemented yet\n");
  return 2;
}
