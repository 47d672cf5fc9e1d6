/** The one error our own routes throw; rendered by the error middleware. */
export class AppError extends Error {
  constructor(readonly status: number, readonly code: string, message?: string) {
    super(message ?? code);
    this.name = 'AppError';
  }
}
