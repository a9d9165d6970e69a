/**
 * Writes a file that another test file, running at the same time in another worker, may be
 * importing (the same doc snippet run by two suites, the MCP example copied by three): the text goes
 * to a private temporary name first and is renamed into place, so a reader sees the old file or
 * the new one, never one truncated half-way through a write.
 */
import { renameSync, writeFileSync } from 'node:fs';

export function writeFileAtomic(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.part`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}
