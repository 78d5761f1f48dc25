/**
 * The parts of the OSCAL 1.1.x assessment-results model this service writes, as zod schemas
 * transcribed from NIST's JSON schema (oscal_assessment-results_schema.json): the same required
 * fields, the same datatype patterns (UUID v4/v5, date-time with time zone, tokens), arrays that
 * may not be empty, and no unknown properties. Tests validate every document against it.
 */
import { z } from 'zod';

export const UUID = z.string().regex(/^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[45][0-9A-Fa-f]{3}-[89ABab][0-9A-Fa-f]{3}-[0-9A-Fa-f]{12}$/, 'a version 4 or 5 UUID');
export const DateTimeWithTimezone = z
  .string()
  .regex(
    /^(((2000|2400|2800|(19|2[0-9](0[48]|[2468][048]|[13579][26])))-02-29)|(((19|2[0-9])[0-9]{2})-02-(0[1-9]|1[0-9]|2[0-8]))|(((19|2[0-9])[0-9]{2})-(0[13578]|10|12)-(0[1-9]|[12][0-9]|3[01]))|(((19|2[0-9])[0-9]{2})-(0[469]|11)-(0[1-9]|[12][0-9]|30)))T(2[0-3]|[01][0-9]):([0-5][0-9]):([0-5][0-9])(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$/,
    'a date-time with time zone',
  );
export const Token = z.string().regex(/^(\p{L}|_)(\p{L}|\p{N}|[.\-_])*$/u, 'an OSCAL token');
export const OscalString = z.string().regex(/^\S(.*\S)?$/su, 'a non-empty string without leading or trailing whitespace');
export const Uri = z.string().regex(/^[a-zA-Z][a-zA-Z0-9+\-.]+:.+$/, 'an absolute URI');
export const UriReference = z.string().min(1);
const Markup = z.string();

const list = <T extends z.ZodType>(item: T) => z.array(item).min(1);

export const Property = z.strictObject({
  name: Token,
  uuid: UUID.optional(),
  ns: Uri.optional(),
  value: OscalString,
  class: Token.optional(),
  remarks: Markup.optional(),
});

export const Link = z.strictObject({
  href: UriReference,
  rel: Token.optional(),
  'media-type': OscalString.optional(),
  text: Markup.optional(),
});

export const Metadata = z.strictObject({
  title: Markup,
  published: DateTimeWithTimezone.optional(),
  'last-modified': DateTimeWithTimezone,
  version: OscalString,
  'oscal-version': OscalString,
  props: list(Property).optional(),
  links: list(Link).optional(),
  remarks: Markup.optional(),
});

const SystemComponent = z.strictObject({
  uuid: UUID,
  type: OscalString,
  title: Markup,
  description: Markup,
  purpose: OscalString.optional(),
  props: list(Property).optional(),
  links: list(Link).optional(),
  status: z.strictObject({ state: z.enum(['under-development', 'operational', 'disposition', 'other']), remarks: Markup.optional() }),
  remarks: Markup.optional(),
});

const InventoryItem = z.strictObject({
  uuid: UUID,
  description: Markup,
  props: list(Property).optional(),
  links: list(Link).optional(),
  remarks: Markup.optional(),
});

const SelectControlById = z.strictObject({ 'control-id': Token, 'statement-ids': list(Token).optional() });

export const ReviewedControls = z.strictObject({
  description: Markup.optional(),
  props: list(Property).optional(),
  links: list(Link).optional(),
  'control-selections': list(
    z.strictObject({
      description: Markup.optional(),
      props: list(Property).optional(),
      'include-all': z.strictObject({}).optional(),
      'include-controls': list(SelectControlById).optional(),
      'exclude-controls': list(SelectControlById).optional(),
      remarks: Markup.optional(),
    }),
  ),
  remarks: Markup.optional(),
});

const OriginActor = z.strictObject({
  type: z.enum(['tool', 'assessment-platform', 'party']),
  'actor-uuid': UUID,
  'role-id': Token.optional(),
  props: list(Property).optional(),
});
const Origin = z.strictObject({ actors: list(OriginActor) });

const SubjectReference = z.strictObject({
  'subject-uuid': UUID,
  type: Token,
  title: Markup.optional(),
  props: list(Property).optional(),
  remarks: Markup.optional(),
});

export const Observation = z.strictObject({
  uuid: UUID,
  title: Markup.optional(),
  description: Markup,
  props: list(Property).optional(),
  links: list(Link).optional(),
  // NIST's allowed values for observation methods.
  methods: list(z.enum(['EXAMINE', 'INTERVIEW', 'TEST', 'UNKNOWN'])),
  types: list(z.enum(['ssp-statement-issue', 'control-objective', 'mitigation', 'finding', 'historic'])).optional(),
  origins: list(Origin).optional(),
  subjects: list(SubjectReference).optional(),
  'relevant-evidence': list(
    z.strictObject({ href: UriReference.optional(), description: Markup, props: list(Property).optional(), remarks: Markup.optional() }),
  ).optional(),
  collected: DateTimeWithTimezone,
  expires: DateTimeWithTimezone.optional(),
  remarks: Markup.optional(),
});

export const Risk = z.strictObject({
  uuid: UUID,
  title: Markup,
  description: Markup,
  statement: Markup,
  props: list(Property).optional(),
  links: list(Link).optional(),
  // NIST's allowed values for risk status.
  status: z.enum(['open', 'investigating', 'remediating', 'deviation-requested', 'deviation-approved', 'closed']),
  origins: list(Origin).optional(),
  deadline: DateTimeWithTimezone.optional(),
  remarks: Markup.optional(),
});

export const Finding = z.strictObject({
  uuid: UUID,
  title: Markup,
  description: Markup,
  props: list(Property).optional(),
  links: list(Link).optional(),
  origins: list(Origin).optional(),
  target: z.strictObject({
    type: z.enum(['statement-id', 'objective-id']),
    'target-id': Token,
    title: Markup.optional(),
    description: Markup.optional(),
    props: list(Property).optional(),
    status: z.strictObject({ state: z.enum(['satisfied', 'not-satisfied']), reason: Token.optional(), remarks: Markup.optional() }),
    remarks: Markup.optional(),
  }),
  'implementation-statement-uuid': UUID.optional(),
  'related-observations': list(z.strictObject({ 'observation-uuid': UUID })).optional(),
  'related-risks': list(z.strictObject({ 'risk-uuid': UUID })).optional(),
  remarks: Markup.optional(),
});

export const Result = z.strictObject({
  uuid: UUID,
  title: Markup,
  description: Markup,
  start: DateTimeWithTimezone,
  end: DateTimeWithTimezone.optional(),
  props: list(Property).optional(),
  links: list(Link).optional(),
  'local-definitions': z
    .strictObject({
      components: list(SystemComponent).optional(),
      'inventory-items': list(InventoryItem).optional(),
      remarks: Markup.optional(),
    })
    .optional(),
  'reviewed-controls': ReviewedControls,
  observations: list(Observation).optional(),
  risks: list(Risk).optional(),
  findings: list(Finding).optional(),
  remarks: Markup.optional(),
});

const Resource = z.strictObject({
  uuid: UUID,
  title: Markup.optional(),
  description: Markup.optional(),
  props: list(Property).optional(),
  rlinks: list(z.strictObject({ href: UriReference, 'media-type': OscalString.optional() })).optional(),
  remarks: Markup.optional(),
});

export const AssessmentResults = z.strictObject({
  'assessment-results': z.strictObject({
    uuid: UUID,
    metadata: Metadata,
    'import-ap': z.strictObject({ href: UriReference, remarks: Markup.optional() }),
    'local-definitions': z.strictObject({ remarks: Markup.optional() }).optional(),
    results: list(Result),
    'back-matter': z.strictObject({ resources: list(Resource).optional() }).optional(),
  }),
});

/** The catalog's required parts (oscal_catalog_schema.json): enough to check ours resolves and is well-formed. */
const Part: z.ZodType = z.lazy(() =>
  z.strictObject({
    id: Token.optional(),
    name: Token,
    ns: Uri.optional(),
    class: Token.optional(),
    title: Markup.optional(),
    props: list(Property).optional(),
    prose: Markup.optional(),
    parts: list(Part).optional(),
  }),
);
export const Catalog = z.strictObject({
  catalog: z.strictObject({
    uuid: UUID,
    metadata: Metadata,
    groups: list(
      z.strictObject({
        id: Token.optional(),
        class: Token.optional(),
        title: Markup,
        parts: list(Part).optional(),
        controls: list(
          z.strictObject({ id: Token, class: Token.optional(), title: Markup, props: list(Property).optional(), parts: list(Part).optional() }),
        ),
      }),
    ),
  }),
});

export const AssessmentPlan = z.strictObject({
  'assessment-plan': z.strictObject({
    uuid: UUID,
    metadata: Metadata,
    'import-ssp': z.strictObject({ href: UriReference }),
    'reviewed-controls': ReviewedControls,
    'terms-and-conditions': z.strictObject({ parts: list(Part) }).optional(),
    'back-matter': z.strictObject({ resources: list(Resource) }).optional(),
  }),
});
