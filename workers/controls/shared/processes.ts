import type { Container, Evidence, ProcessList } from '../../model/evidence.ts';

/**
 * The containers of the snapshot a process list was read from: those of its container's name
 * (see {@link ProcessList.container}), so a finding on the list names and covers them. Empty
 * when the list does not say, or no other artifact describes a container of that name.
 */
export function containersOfList(evidence: Evidence, list: ProcessList): Container[] {
  if (list.container === null) return [];
  return evidence.containers.filter((c) => c.name === list.container);
}
