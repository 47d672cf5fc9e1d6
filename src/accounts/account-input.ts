import { z } from 'zod';
import { ROLES, type Role } from '../db/schema.js';
import { InvalidAccountInputError } from './account-errors.js';
import { MAX_PASSWORD_BYTES } from './passwords.js';

// 254 is the longest e-mail address (RFC 5321 §4.5.3.1), which is a valid username.
export const usernameSchema = z
  .string()
  .trim()
  .min(1, { message: 'must not be empty' })
  .max(254, { message: 'must be at most 254 characters' })
  .regex(/^[\p{L}\p{N}._@+-]+$/u, { message: 'may contain only letters, digits and . _ @ + -' });

export const passwordSchema = z
  .string()
  .min(8, { message: 'must be at least 8 characters' })
  .refine((value) => Buffer.byteLength(value, 'utf8') <= MAX_PASSWORD_BYTES, {
    message: `must be at most ${MAX_PASSWORD_BYTES} bytes`,
  })
  // bcrypt stops reading at NUL, so "abc\0xyz" would be "abc"; no other control character is typed either.
  .refine((value) => !/[\u0000-\u001F\u007F]/.test(value), { message: 'must not contain control characters' });

export const roleSchema = z.enum(ROLES as [Role, ...Role[]], { message: `must be one of ${ROLES.join(', ')}` });

export const newUserSchema = z.object({
  username: usernameSchema,
  password: passwordSchema,
  role: roleSchema.default('user'),
  email: z.email({ message: 'must be an e-mail address' }).max(254).nullish(),
  name: z.string().trim().min(1, { message: 'must not be empty' }).max(200, { message: 'must be at most 200 characters' }).nullish(),
});

export type NewUserInput = z.input<typeof newUserSchema>;

/** Parses or throws InvalidAccountInputError with one line per problem. */
export function parseAccountInput<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new InvalidAccountInputError(
    result.error.issues.map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message)),
  );
}
