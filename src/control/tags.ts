import { fieldError, parseIdentifier, validationError } from '../model/index.js';
import type { ResourceRecord, StoreReader } from '../store/index.js';
import { checkTags, resolve, type Doc } from './common.js';
import type { CallContext, Handlers } from './context.js';

type TagMap = Readonly<Record<string, string>>;

/**
 * The record a tagging ARN names. Any Lattice resource is taggable, nested ones (listeners,
 * rules) included; its tags live in `doc.tags`. Something that is not the ARN of a Lattice
 * resource kind is a ValidationException (the model's pattern only checks the `vpc-lattice`
 * service); a Lattice ARN of a resource that does not exist here, or of another account or
 * region, is a 404 like every other identifier.
 */
async function taggable(tx: StoreReader, call: CallContext, resourceArn: string): Promise<ResourceRecord<Doc>> {
  const ref = parseIdentifier(resourceArn);
  if (!ref?.arn) {
    throw validationError(`${resourceArn} is not the ARN of a VPC Lattice resource.`, 'fieldValidationFailed',
      [{ name: 'resourceArn', message: 'Member must be the ARN of a VPC Lattice resource' }]);
  }
  return resolve<Doc>(tx, call, ref.kind, resourceArn);
}

function tagsOf(rec: ResourceRecord<Doc>): TagMap {
  const t = rec.doc.tags;
  return t && typeof t === 'object' ? t as TagMap : {};
}

export const tagHandlers: Handlers = {
  async TagResource(cp, call, input) {
    checkTags(cp, input.tags);
    return cp.store.transact(async (tx) => {
      const rec = await taggable(tx, call, input.resourceArn);
      // Existing keys are overwritten; the per-resource limit counts the merged set.
      const tags = { ...tagsOf(rec), ...input.tags };
      checkTags(cp, tags);
      await tx.put({ ...rec, doc: { ...rec.doc, tags } });
      return {};
    });
  },

  async UntagResource(cp, call, input) {
    const reserved = input.tagKeys.find((k) => k.toLowerCase().startsWith('aws:'));
    if (reserved) throw fieldError('tagKeys', `Tag keys must not start with the reserved prefix 'aws:' (${reserved})`);
    return cp.store.transact(async (tx) => {
      const rec = await taggable(tx, call, input.resourceArn);
      const drop = new Set(input.tagKeys);
      const before = tagsOf(rec);
      // Keys that are not set are ignored, so a retried untag succeeds.
      const tags = Object.fromEntries(Object.entries(before).filter(([k]) => !drop.has(k)));
      if (Object.keys(tags).length !== Object.keys(before).length) await tx.put({ ...rec, doc: { ...rec.doc, tags } });
      return {};
    });
  },

  async ListTagsForResource(cp, call, input) {
    const rec = await taggable(cp.store, call, input.resourceArn);
    return { tags: { ...tagsOf(rec) } };
  },
};
