import type { Command } from 'commander';

/**
 * How list and show commands print: for people, a header row and
 * tab-separated columns (lists) or `key: value` lines (show); with --json, one
 * JSON document for scripts (an array for lists, an object for show), with
 * dates as ISO 8601 strings.
 */
export interface OutputOptions {
  json?: boolean;
}

/** Adds --json to a list or show command. */
export function withJsonOption(command: Command): Command {
  return command.option('--json', 'print JSON for scripts instead of text');
}

function write(text: string): void {
  process.stdout.write(text);
}

export function printJson(value: unknown): void {
  write(`${JSON.stringify(value, (_key, item: unknown) => (item instanceof Date ? item.toISOString() : item), 2)}\n`);
}

/** A header row in capitals, then one tab-separated row per item. */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  write([header.map((name) => name.toUpperCase()), ...rows].map((row) => `${row.join('\t')}\n`).join(''));
}

/** `key: value` lines, in the order given. */
export function printFields(lines: readonly (readonly [string, string])[]): void {
  write(lines.map(([key, value]) => `${key}: ${value}\n`).join(''));
}

/** The text form or the JSON form of one result, as --json asks. */
export function printResult(options: OutputOptions, json: unknown, text: () => void): void {
  if (options.json) printJson(json);
  else text();
}
