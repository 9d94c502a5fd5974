// TypeScript's parser and checker recurse over the syntax tree: code nested thousands of levels deep
// (a generated expression) overflows the stack inside them. That is a limit of the code's shape, not a
// fault of the kernel, and the user is told so instead of seeing TypeScript's own frames.

/** Whether `error` is V8's stack overflow. */
export function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && /Maximum call stack size exceeded/.test(error.message);
}

/** What a stack overflow inside the compiler means for the code `what` names. */
export function tooDeepMessage(what: string): string {
  return `${what} is nested too deeply for the TypeScript compiler (its stack overflowed while checking it): split the deepest expression into smaller parts, with variables in between`;
}
