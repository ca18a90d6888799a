/**
 * json-kind — a command's --json output checked against the kind OUTPUTS says it prints
 * (src/cli/json-schema.ts), for e2e files other than json-output.test that run commands
 * needing their own peers (a registry). Strict, as there: a missing or extra key fails.
 */
import assert from 'node:assert/strict';
import { z } from 'zod';
import { OUTPUTS, schemaFor } from '../../src/cli/json-schema';

export function assertKind<T = unknown>(what: string, stdout: string): T {
  const kind = OUTPUTS[what];
  assert.ok(kind, `OUTPUTS lists no "${what}"`);
  const body = JSON.parse(stdout) as unknown;
  const v = schemaFor(kind).safeParse(body);
  assert.ok(v.success, `${what} --json is not ${kind}:\n${v.success ? '' : z.prettifyError(v.error)}\n${stdout}`);
  return body as T;
}
