// Code taken out of a text without moving what remains: every character becomes a space except line
// breaks, so lines and columns after it stay where they were (and diagnostics keep their positions).

/** `text` as blanks, its line breaks kept. */
export function blankOut(text: string): string {
  return text.replace(/[^\r\n]/g, " ");
}
