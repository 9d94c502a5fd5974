// A small command-line parser shared by the tskernel subcommands.
//
//   parseArgs(argv, { flags: { user: {} }, options: { name: { short: "n" } } })
//     → { flags: { user: boolean }, options: { name?: string }, positionals: string[] }
//
// Flags are booleans (`--user`, `-u`); options take a value (`--name x`, `--name=x`, `-n x`, `-nx`).
// A repeated option keeps its last value; everything after `--` is positional.
// Any mistake throws UsageError, whose message says what was wrong and how to fix it.
// It builds on Node's util.parseArgs in token mode so that the wording of errors is ours.
import { parseArgs as nodeParseArgs } from "node:util";

export class UsageError extends Error {
  override name = "UsageError";
}

export interface ArgSpec<F extends string, O extends string> {
  flags?: Record<F, { short?: string }>;
  options?: Record<O, { short?: string }>;
  /** Maximum number of positional arguments accepted (default 0). */
  positionals?: number;
}

export interface ParsedArgs<F extends string, O extends string> {
  flags: Record<F, boolean>;
  options: Partial<Record<O, string>>;
  positionals: string[];
}

export function parseArgs<F extends string = never, O extends string = never>(
  argv: readonly string[],
  spec: ArgSpec<F, O>,
): ParsedArgs<F, O> {
  const flagSpec: Record<string, { short?: string }> = spec.flags ?? {};
  const optionSpec: Record<string, { short?: string }> = spec.options ?? {};
  const nodeOptions: Record<string, { type: "boolean" | "string"; short?: string }> = {};
  // util.parseArgs rejects `short: undefined`, so the key is only present when an alias is given.
  const declare = (name: string, type: "boolean" | "string", short?: string) => {
    nodeOptions[name] = short === undefined ? { type } : { type, short };
  };
  for (const [name, { short }] of Object.entries(flagSpec)) declare(name, "boolean", short);
  for (const [name, { short }] of Object.entries(optionSpec)) declare(name, "string", short);

  // Non-strict mode never throws; every check is done below on the tokens.
  const { tokens } = nodeParseArgs({ args: [...argv], options: nodeOptions, strict: false, allowPositionals: true, tokens: true });

  const flags = Object.fromEntries(Object.keys(flagSpec).map((name) => [name, false])) as Record<F, boolean>;
  const options: Partial<Record<O, string>> = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === "positional") {
      positionals.push(token.value);
    } else if (token.kind === "option") {
      const raw = token.rawName;
      if (!(token.name in nodeOptions)) {
        throw new UsageError(`unknown option ${raw}; run with --help to see the accepted options`);
      }
      if (token.name in flagSpec) {
        if (token.inlineValue) throw new UsageError(`${raw} takes no value; write just ${raw}`);
        flags[token.name as F] = true;
        continue;
      }
      // A following argument that looks like an option is more likely a forgotten value than the value itself.
      const missing = token.value === undefined || (!token.inlineValue && /^-./.test(token.value));
      if (missing) {
        throw new UsageError(`${raw} needs a value; write ${raw} VALUE (or ${raw}=VALUE if the value starts with "-")`);
      }
      options[token.name as O] = token.value;
    }
  }
  const allowed = spec.positionals ?? 0;
  if (positionals.length > allowed) {
    const extra = positionals.slice(allowed).map((p) => JSON.stringify(p)).join(" ");
    throw new UsageError(`unexpected argument ${extra}; remove it or run with --help to see the usage`);
  }
  return { flags, options, positionals };
}
