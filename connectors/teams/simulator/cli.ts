// Command-line entry of the Microsoft Graph simulator (`presence-hub sim ...`).
export async function runGraphSimulatorCli(_args: string[]): Promise<number> {
  process.stderr.write("Microsoft Graph simulator: not implemented yet\n");
  return 2;
}
