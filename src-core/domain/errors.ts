/**
 * The one error hierarchy of the workbench. A UserError is the user's to fix (a bad
 * setting, an unknown id, a conflict with a running run): it carries a stable code,
 * the field it is about when there is one, and a sentence to show. Every boundary
 * maps it in one place: the CLI (exit 2), the API dispatcher (the envelope's code and
 * an inline field error), the runner and task workers (a user error event).
 * Anything else is a bug or an environment failure, reported as internal.
 */
/**
 * 'user-error': input the workbench cannot use (the API's code for it since its first version);
 * 'forbidden': a path outside the folders a host serves (`serve --data-root`).
 */
export const USER_ERROR_CODES = ['not-found', 'invalid-config', 'conflict', 'forbidden', 'user-error'] as const;
export type UserErrorCode = (typeof USER_ERROR_CODES)[number];

export class UserError extends Error {
  override name = 'UserError';
  constructor(
    readonly code: UserErrorCode,
    message: string,
    /** The setting or payload field at fault (a dotted config key such as `clip.value`, or `folder`). */
    readonly field?: string,
    /** The message without the field's name, for a form to show beside the field. */
    readonly detail: string = message,
  ) {
    super(message);
  }

  /** Every field at fault with what to show beside it (none when the error is not about a field). */
  fieldErrors(): { key: string; message: string }[] {
    return this.field ? [{ key: this.field, message: this.detail }] : [];
  }
}

/** An id that names nothing: an unknown run, dataset, captcha or preset. */
export class NotFoundError extends UserError {
  override name = 'NotFoundError';
  constructor(message: string, field?: string) {
    super('not-found', message, field);
  }
}

/** The request fits the schema but not the state: resume or delete a running run, resume a finished one without more steps. */
export class ConflictError extends UserError {
  override name = 'ConflictError';
  constructor(message: string) {
    super('conflict', message);
  }
}

/**
 * A run configuration the workbench refuses. Made with a field, the message reads
 * "field: detail" (or "--set field: detail" for a value that did not parse), so the
 * CLI prints the message and a form shows the detail beside the field.
 */
export class ConfigError extends UserError {
  override name = 'ConfigError';
  constructor(message: string, field?: string, detail?: string) {
    super('invalid-config', message, field, detail);
  }

  static at(field: string, detail: string): ConfigError {
    return new ConfigError(`${field}: ${detail}`, field, detail);
  }

  /** A `--set key=value` whose value does not parse. */
  static inSet(field: string, detail: string): ConfigError {
    return new ConfigError(`--set ${field}: ${detail}`, field, detail);
  }

  /** Several settings at fault at once: one error (the CLI prints every message; a form shows each beside its field). */
  static all(errors: ConfigError[]): ConfigError {
    if (errors.length === 1) return errors[0]!;
    const e = new ConfigError(errors.map((f) => f.message).join('; '), errors[0]?.field, errors[0]?.detail);
    e.others = errors.slice(1).flatMap((f) => f.fieldErrors());
    return e;
  }

  private others: { key: string; message: string }[] = [];

  override fieldErrors(): { key: string; message: string }[] {
    return [...super.fieldErrors(), ...this.others];
  }
}

/** Input the workbench cannot use: a folder with no images, a label the dataset cannot take, a bad CLI argument. */
export class InvalidInputError extends UserError {
  override name = 'InvalidInputError';
  constructor(message: string, field?: string, detail?: string) {
    super('user-error', message, field, detail);
  }
}

export const isUserError = (err: unknown): err is UserError => err instanceof UserError;

/** A path the host may not touch: outside every folder it serves (`serve --data-root`). */
export class ForbiddenPathError extends UserError {
  override name = 'ForbiddenPathError';
  constructor(message: string, field?: string) {
    super('forbidden', message, field, 'outside the served folders');
  }
}

/**
 * The run store could not be opened safely (damaged, newer than this version, unreadable
 * settings); nothing was changed. Not a UserError: the message names the backup to restore.
 */
export class StoreError extends Error {
  override name = 'StoreError';
}

/** The disk is full: the user's to fix (free space), and nothing acknowledged was lost. */
export class DiskFullError extends UserError {
  override name = 'DiskFullError';
  constructor(cause: string) {
    super('user-error', `the disk is full: free some space and try again; nothing saved before was lost (${cause})`);
  }
}

/**
 * A full disk as a DiskFullError (ENOSPC from the file system, SQLITE_FULL from the
 * store); any other error as it was. Used where errors leave for the user.
 */
export function asDiskFull(err: unknown): unknown {
  if (err instanceof UserError || !(err instanceof Error)) return err;
  const code = (err as Error & { code?: unknown }).code;
  return code === 'ENOSPC' || code === 'SQLITE_FULL' ? new DiskFullError(err.message) : err;
}

/** What a failure says to a user: its message (a full disk named as one), for a process that reports it in a line. */
export function errorMessage(err: unknown): string {
  const e = asDiskFull(err);
  return e instanceof Error ? e.message : String(e);
}
