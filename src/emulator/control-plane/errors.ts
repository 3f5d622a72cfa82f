/**
 * AWS IoT control-plane errors as the restJson1 protocol carries them: an HTTP status, the
 * exception name in the `x-amzn-ErrorType` header and `{"message": ...}` in the body. Statuses are
 * the `httpError` traits of the IoT service model (@aws-sdk/client-iot's error schemas).
 */
import {
  CertificateStateError,
  InvalidRequestError,
  NotFoundError,
  ResourceConflictError,
} from '../registry/index.js';

export type AwsErrorType =
  | 'InvalidRequestException'
  | 'ResourceNotFoundException'
  | 'CertificateStateException'
  | 'DeleteConflictException'
  | 'VersionConflictException'
  | 'ResourceAlreadyExistsException'
  | 'ThrottlingException'
  | 'InternalFailureException'
  | 'UnknownOperationException';

/** HTTP status per exception, from the service model (ThrottlingException is 400 there, not 429). */
export const AWS_ERROR_STATUS: Record<AwsErrorType, number> = {
  InvalidRequestException: 400,
  ResourceNotFoundException: 404,
  CertificateStateException: 406,
  DeleteConflictException: 409,
  VersionConflictException: 409,
  ResourceAlreadyExistsException: 409,
  ThrottlingException: 400,
  InternalFailureException: 500,
  UnknownOperationException: 404,
};

export class AwsServiceError extends Error {
  override name = 'AwsServiceError';
  constructor(
    readonly type: AwsErrorType,
    message: string,
  ) {
    super(message);
  }

  get status(): number {
    return AWS_ERROR_STATUS[this.type];
  }
}

/** Translate a registry error into the exception AWS IoT answers with for the same situation. */
export function toAwsError(err: unknown): AwsServiceError {
  if (err instanceof AwsServiceError) return err;
  if (err instanceof NotFoundError) return new AwsServiceError('ResourceNotFoundException', err.message);
  if (err instanceof InvalidRequestError) return new AwsServiceError('InvalidRequestException', err.message);
  if (err instanceof CertificateStateError) return new AwsServiceError('CertificateStateException', err.message);
  if (err instanceof ResourceConflictError) {
    switch (err.reason) {
      case 'THING_HAS_PRINCIPALS':
        // AWS: "InvalidRequestException: Cannot delete. Thing <name> is still attached to one or more principals"
        return new AwsServiceError('InvalidRequestException', err.message);
      case 'ALREADY_EXISTS':
        return new AwsServiceError('ResourceAlreadyExistsException', err.message);
      default:
        return new AwsServiceError('DeleteConflictException', err.message);
    }
  }
  return new AwsServiceError('InternalFailureException', `internal error: ${(err as Error)?.message ?? String(err)}`);
}
