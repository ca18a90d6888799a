/**
 * credentials — `tsnet login/logout`: registry credentials in ROOT/auth.json, mode 0600,
 * in Docker's config.json shape ({"auths":{"host":{"auth":base64(user:pass)}}}). Written
 * to a temp file and renamed, so a crash never leaves half a file.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { TsnetError } from '../core/errors.js';
import type { Credentials } from './registry-client.js';

interface AuthFile { auths: Record<string, { auth: string }> }

function file(root: string): string { return join(root, 'auth.json'); }

function readFile(root: string): AuthFile {
  try {
    const j = JSON.parse(fs.readFileSync(file(root), 'utf8')) as Partial<AuthFile>;
    return { auths: j.auths ?? {} };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { auths: {} };
    throw new TsnetError('ESTATE', `cannot read ${file(root)}: ${(e as Error).message}`);
  }
}

function writeFile(root: string, f: AuthFile): void {
  fs.mkdirSync(root, { recursive: true, mode: 0o700 });
  // An exclusive, unpredictable temp name: never a file or symlink someone placed there.
  const tmp = `${file(root)}.${randomBytes(8).toString('hex')}.tmp`;
  try {
    fs.writeFileSync(tmp, `${JSON.stringify(f, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    fs.renameSync(tmp, file(root));
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

export function getCredentials(root: string, registry: string): Credentials | undefined {
  const entry = readFile(root).auths[registry];
  if (!entry) return undefined;
  const text = Buffer.from(entry.auth, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon < 0 ? undefined : { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

export function saveCredentials(root: string, registry: string, c: Credentials): void {
  const f = readFile(root);
  f.auths[registry] = { auth: Buffer.from(`${c.username}:${c.password}`).toString('base64') };
  writeFile(root, f);
}

/** removeCredentials — true when there was something to remove. */
export function removeCredentials(root: string, registry: string): boolean {
  const f = readFile(root);
  if (!f.auths[registry]) return false;
  delete f.auths[registry];
  writeFile(root, f);
  return true;
}
