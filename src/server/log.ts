// Kernel log lines on stderr (front ends show them in the server's terminal), never with the key.

export interface Logger {
  info(text: string): void;
  warn(text: string): void;
  /**
   * A repeated event (a dropped message, say): at most `perSecond` lines a second for each kind; the
   * rest of that second is summed up in one line when the second is over, so every event is counted.
   */
  limited(kind: string, text: string): void;
}

export function stderrLogger(perSecond = 10, write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const windows = new Map<string, { start: number; shown: number; suppressed: number }>();
  const line = (level: string, text: string) => write(`[tskernel] ${level} ${text}\n`);
  return {
    info: (text) => line("info", text),
    warn: (text) => line("warn", text),
    limited(kind, text) {
      const now = Date.now();
      let w = windows.get(kind);
      if (!w || now - w.start >= 1000) {
        w = { start: now, shown: 0, suppressed: 0 };
        windows.set(kind, w);
      }
      if (w.shown < perSecond) {
        w.shown++;
        line("warn", text);
      } else if (w.suppressed++ === 0) {
        const closing = w;
        // unref: a pending summary never keeps the kernel alive.
        setTimeout(() => line("warn", `${closing.suppressed} more ${kind} not logged`), closing.start + 1000 - now).unref();
      }
    },
  };
}
