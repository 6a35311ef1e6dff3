// Option parsing shared by every command-line entry (hub commands and the simulators): node:util
// parseArgs in strict mode, with one behaviour for all of them — bad usage prints the problem and the
// usage to stderr (exit 2), --help prints the usage to stdout (exit 0).
import { type ParseArgsConfig, parseArgs } from "node:util";

type OptionSpecs = NonNullable<ParseArgsConfig["options"]>;

export type ParsedOptions<O extends OptionSpecs> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: true }>
>["values"];

export type ParsedCommandLine<O extends OptionSpecs> =
  | { values: ParsedOptions<O>; positionals: string[]; exit?: undefined }
  /** The command is done: return this exit code. */
  | { exit: number };

export interface CommandLineSpec<O extends OptionSpecs> {
  /** Need not list `help`: every command gets `--help` / `-h`. */
  options: O;
  usage: string;
  /** Whether plain arguments are accepted (e.g. a directory); otherwise they are bad usage. */
  positionals?: boolean;
}

export interface CommandOutput {
  out(text: string): void;
  err(text: string): void;
}

const stdio: CommandOutput = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

export function parseCommandLine<O extends OptionSpecs>(
  args: string[],
  spec: CommandLineSpec<O>,
  io: CommandOutput = stdio,
): ParsedCommandLine<O> {
  const usageText = spec.usage.endsWith("\n") ? spec.usage : `${spec.usage}\n`;
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args,
      options: { ...spec.options, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: spec.positionals ?? false,
    });
  } catch (e) {
    io.err(`${(e as Error).message}\n\n${usageText}`);
    return { exit: 2 };
  }
  if (parsed.values.help) {
    io.out(usageText);
    return { exit: 0 };
  }
  return { values: parsed.values as ParsedOptions<O>, positionals: parsed.positionals };
}
