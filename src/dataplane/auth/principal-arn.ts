import { ANONYMOUS, type Principal } from '../../iam/index.js';
import { validationError } from '../../model/index.js';

/**
 * The Principal an ARN names, for `trellis auth explain --principal`: the account root, an
 * IAM user, a role (explained as a session of it) or an assumed-role session. Tags and
 * organization are not known from an ARN; the runtime may fill them in from the store.
 */
export function principalFromArn(arn: string | undefined): Principal {
  if (arn === undefined || arn === '' || arn === 'anonymous') return ANONYMOUS;
  const m = /^arn:([^:]+):(iam|sts)::(\d{12}):(.+)$/.exec(arn);
  if (!m) throw validationError(`${arn} is not an IAM or STS principal ARN`, 'fieldValidationFailed', [{ name: 'principal', message: 'Member must be a principal ARN' }]);
  const [, partition, service, account, rest] = m as unknown as [string, string, string, string, string];
  if (service === 'iam' && rest === 'root') return { arn, account, type: 'Root', userId: account, tags: {} };
  if (service === 'iam' && rest.startsWith('user/')) return { arn, account, type: 'User', tags: {} };
  if (service === 'iam' && rest.startsWith('role/')) {
    const role = rest.slice(rest.lastIndexOf('/') + 1);
    return { arn: `arn:${partition}:sts::${account}:assumed-role/${role}/explain`, account, type: 'AssumedRole', roleArn: arn, sessionName: 'explain', tags: {} };
  }
  const s = /^assumed-role\/([^/]+)\/(.+)$/.exec(rest);
  if (service === 'sts' && s) {
    return { arn, account, type: 'AssumedRole', roleArn: `arn:${partition}:iam::${account}:role/${s[1]!}`, sessionName: s[2]!, tags: {} };
  }
  throw validationError(`${arn} is not a user, role, assumed-role or root ARN`, 'fieldValidationFailed', [{ name: 'principal', message: 'Member must be a principal ARN' }]);
}
