/** Errors the account service throws on purpose; callers (CLI, pages) turn them into messages. */
export class AccountError extends Error {
  override name = 'AccountError';
}

export class InvalidAccountInputError extends AccountError {
  override name = 'InvalidAccountInputError';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid account details: ${problems.join('; ')}`);
  }
}

export class DuplicateUsernameError extends AccountError {
  override name = 'DuplicateUsernameError';
  constructor(readonly username: string) {
    super(`A user named "${username}" already exists`);
  }
}

export class AccountNotFoundError extends AccountError {
  override name = 'AccountNotFoundError';
  constructor(readonly id: string) {
    super(`No such user: ${JSON.stringify(id)}`);
  }
}
