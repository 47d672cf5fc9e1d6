/** Errors the client service throws on purpose; callers (CLI, pages) turn them into one readable message. */
export class ClientError extends Error {
  override name = 'ClientError';
}

export class InvalidClientInputError extends ClientError {
  override name = 'InvalidClientInputError';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid client: ${problems.join('; ')}`);
  }
}

export class ClientNotFoundError extends ClientError {
  override name = 'ClientNotFoundError';
  constructor(readonly clientId: string) {
    super(`No client with id "${clientId}"`);
  }
}

export class DuplicateClientError extends ClientError {
  override name = 'DuplicateClientError';
  constructor(readonly clientId: string) {
    super(`A client with id "${clientId}" already exists`);
  }
}

/** Clients in code are owned by clients.config.ts and re-synced at every boot. */
export class CodeClientError extends ClientError {
  override name = 'CodeClientError';
  constructor(readonly clientId: string) {
    super(`Client "${clientId}" is defined in code (src/clients/clients.config.ts); change it there and restart`);
  }
}

export class NoClientSecretError extends ClientError {
  override name = 'NoClientSecretError';
  constructor(readonly clientId: string) {
    super(`Client "${clientId}" does not authenticate with a client secret`);
  }
}
