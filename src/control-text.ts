// Text a registry or a server chose, made safe for a terminal or a plain-text file: control characters
// (C0 but tab and newline, DEL, C1, ESC among them) are shown as \xNN, so no sequence can set a title,
// clear a screen or write a clipboard. JSON output keeps JSON's own escapes, and DEL and C1 get them
// too (JSON.stringify leaves those raw).

const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;
const RAW_IN_JSON = /[\x7f-\x9f]/g;

const hex = (c: string, width: number) => c.charCodeAt(0).toString(16).padStart(width, '0');

export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => `\\x${hex(c, 2)}`);
}

/** JSON text (as JSON.stringify writes it) with DEL and C1 escaped as \uNNNN: still the same JSON. */
export function escapeJsonControl(json: string): string {
  return json.replace(RAW_IN_JSON, (c) => `\\u${hex(c, 4)}`);
}
