// %typecheck on | warn | off: whether type errors stop a cell, are only shown, or are not looked for.
import { UsageError, type Magic } from "./registry.js";

export interface TypecheckTarget {
  typecheck: "on" | "warn" | "off";
}

const MODES = ["on", "warn", "off"] as const;

export const typecheckMagic: Magic<TypecheckTarget> = {
  name: "typecheck",
  kind: "line",
  summary: "choose whether type errors stop a cell (on), are only shown (warn), or are not looked for (off)",
  usage:
    "%typecheck [on | warn | off]\n" +
    "  on    type errors are shown and the cell does not run (the default)\n" +
    "  warn  type errors are shown and the cell runs anyway\n" +
    "  off   cells are not type-checked\n" +
    "Without an argument, says the current mode.",
  run({ args }, target) {
    if (args.length === 0) return { output: `Type checking: ${target.typecheck}\n` };
    const mode = args[0] as (typeof MODES)[number];
    if (args.length > 1 || !MODES.includes(mode)) {
      throw new UsageError(`%typecheck takes one of ${MODES.join(", ")}, not "${args.join(" ")}"; for example: %typecheck warn`);
    }
    target.typecheck = mode;
    return { output: `Type checking: ${mode}\n` };
  },
};
