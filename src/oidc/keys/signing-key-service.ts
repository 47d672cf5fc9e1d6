import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { listSigningKeys, rotateSigningKeys, type RotationResult, type SigningKeyStatus } from './rotate-signing-keys.js';
import type { SecretBox } from './secret-box.js';

/** The signing keys for the operator console: the same listing and rotation as `keys list` and `keys rotate`. */
export interface SigningKeyService {
  list(): Promise<SigningKeyStatus[]>;
  rotate(): Promise<RotationResult>;
}

export function createSigningKeyService({ db, box, graceSeconds }: { db: Kysely<Database>; box: SecretBox; graceSeconds: number }): SigningKeyService {
  return {
    list: () => listSigningKeys(db, graceSeconds),
    rotate: () => rotateSigningKeys(db, box, graceSeconds),
  };
}
