// TypeScript's "Cannot find module" says what was not found; where the kernel looked for it is told by
// the module resolver, whose words are added after TypeScript's (see ModuleNotFound.lookedIn).
import ts from "./typescript.js";

const CANNOT_FIND_MODULE = 2307;
const UNTYPED_MODULE = 7016;

/** Where the kernel looked for `specifier`, and what to do; undefined when the kernel finds it. */
export type WhereLooked = (specifier: string) => string | undefined;

/** The module specifier a diagnostic points at (its string literal). */
function specifierOf(d: ts.Diagnostic): string | undefined {
  if (!d.file || d.start === undefined || d.length === undefined) return undefined;
  return /^(["'`])(.*)\1$/s.exec(d.file.text.slice(d.start, d.start + d.length))?.[2];
}

/**
 * A diagnostic's message; for a "Cannot find module", followed by where the kernel looked; in a cell,
 * an untyped package's message says how a cell declares it (TypeScript's advice is a .d.ts file).
 */
export function diagnosticMessage(d: ts.Diagnostic, whereLooked: WhereLooked | undefined, { inCell = false } = {}): string {
  const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
  if (d.code === UNTYPED_MODULE && inCell) {
    const specifier = specifierOf(d);
    if (specifier !== undefined) return `${message}\nIn a notebook a cell can declare it instead: run \`declare module "${specifier}";\` and later cells import it typed \`any\`.`;
  }
  if (d.code !== CANNOT_FIND_MODULE || !whereLooked) return message;
  const specifier = specifierOf(d);
  const looked = specifier === undefined ? undefined : whereLooked(specifier);
  return looked ? `${message}\n${looked}` : message;
}
