/**
 * The two OSCAL documents the assessment results point at: a minimal catalog of CSVS V3 (the
 * fifteen controls as `csvs-3.x`, each with its statement and assessment objective) and an
 * assessment plan that reviews them. Built from the control registry, so they cannot drift from
 * the rules; oscal/*.json are these, written by `npm run generate` and
 * checked by a test. The service serves them under /oscal/.
 */
import { controlById, CONTROL_IDS } from '../controls/index.ts';
import { LEVELS } from '../model/result.ts';

export const OSCAL_VERSION = '1.1.2';
/** Namespace of our own OSCAL properties (level, status, verdict). */
export const CSVS_NS = 'https://csvs.owasp.org/ns/oscal';
export const CATALOG_FILE = 'csvs-v3-catalog.json';
export const PLAN_FILE = 'csvs-v3-assessment-plan.json';

/** Fixed identities: these documents are the same documents in every revision of the service. */
const CATALOG_UUID = '9e2608b0-a978-458b-baf2-698926823e8c';
const PLAN_UUID = '0f96ccab-3516-4e1d-9c27-5d059ca43f69';
const PLAN_SYSTEM_RESOURCE_UUID = '39bd93b3-8fcb-4c1e-8106-2deef170a7b8';
const PLAN_CATALOG_RESOURCE_UUID = 'ea97ffcb-963b-4d55-af7f-2fc2db94029b';
/** Bump with any change to the two documents. */
const DOCUMENTS_VERSION = '1.0.0';
const DOCUMENTS_DATE = '2026-11-28T00:00:00Z';

/** `3.4` → `csvs-3.4`: control ids as OSCAL tokens. */
export const oscalControlId = (id: string): string => `csvs-${id}`;
export const objectiveId = (id: string): string => `csvs-${id}_obj`;

export function csvsCatalog() {
  return {
    catalog: {
      uuid: CATALOG_UUID,
      metadata: {
        title: 'OWASP Container Security Verification Standard (CSVS), chapter V3 "Containers"',
        'last-modified': DOCUMENTS_DATE,
        version: DOCUMENTS_VERSION,
        'oscal-version': OSCAL_VERSION,
        remarks:
          'A minimal catalog of the fifteen V3 requirements as this service evaluates them. Statements are the English ' +
          'rendering; the German original is kept in a part of its own. Levels are properties in the csvs namespace.',
      },
      groups: [
        {
          id: 'csvs-3',
          class: 'chapter',
          title: 'V3 Containers',
          parts: [
            {
              id: 'csvs-3_ovw',
              name: 'overview',
              prose:
                'Run containers with the least possible privileges. Harden the services inside the container and minimise the ' +
                'attack surface. Use the security features of the container technology in use.',
            },
          ],
          controls: CONTROL_IDS.map((id) => {
            const c = controlById(id);
            return {
              id: oscalControlId(id),
              class: 'requirement',
              title: c?.title.en ?? id,
              props: [
                { name: 'label', value: id },
                ...LEVELS.filter((l) => c?.levels.includes(l)).map((l) => ({ name: 'level', ns: CSVS_NS, value: l })),
              ],
              parts: [
                { id: `csvs-${id}_smt`, name: 'statement', prose: c?.text.en ?? '' },
                { id: `csvs-${id}_smt.de`, name: 'statement', ns: CSVS_NS, class: 'original-de', prose: c?.text.de ?? '' },
                { id: objectiveId(id), name: 'assessment-objective', prose: `Determine that: ${c?.text.en ?? id}` },
              ],
            };
          }),
        },
      ],
    },
  };
}

export function csvsAssessmentPlan() {
  return {
    'assessment-plan': {
      uuid: PLAN_UUID,
      metadata: {
        title: 'Continuous assessment of container workloads against CSVS V3',
        'last-modified': DOCUMENTS_DATE,
        version: DOCUMENTS_VERSION,
        'oscal-version': OSCAL_VERSION,
        links: [{ href: `./${CATALOG_FILE}`, rel: 'reference', 'media-type': 'application/json', text: 'CSVS V3 catalog' }],
      },
      'import-ssp': { href: `#${PLAN_SYSTEM_RESOURCE_UUID}` },
      'reviewed-controls': {
        description: 'Every control of CSVS V3; each attestation narrows this to the controls of its level.',
        'control-selections': [{ 'include-controls': CONTROL_IDS.map((id) => ({ 'control-id': oscalControlId(id) })) }],
      },
      'terms-and-conditions': {
        parts: [
          {
            name: 'method',
            title: 'Method',
            prose:
              'Workloads upload configuration artifacts (Dockerfiles, docker inspect output, Kubernetes manifests, …) as ' +
              'snapshots. An automated engine examines each snapshot and decides every control pass, fail or unknown (no ' +
              'evidence). A workload counts by its latest snapshot as of the moment of the assessment; workloads without a ' +
              'snapshot for the configured staleness period are left out. Approved waivers turn a failed control into a ' +
              'deviation that counts toward the level; missing evidence can never be waived.',
          },
        ],
      },
      'back-matter': {
        resources: [
          {
            uuid: PLAN_SYSTEM_RESOURCE_UUID,
            title: 'The system under assessment',
            description:
              'There is no separate system security plan: the system is the set of workloads a team (or the organisation) ' +
              'runs, and each assessment result lists them as inventory items in its local definitions.',
          },
          {
            uuid: PLAN_CATALOG_RESOURCE_UUID,
            title: 'CSVS V3 catalog',
            rlinks: [{ href: `./${CATALOG_FILE}`, 'media-type': 'application/json' }],
          },
        ],
      },
    },
  };
}

/** The files' exact text: pretty JSON with a final newline. */
export const documentText = (doc: unknown): string => `${JSON.stringify(doc, null, 2)}\n`;

