import type { ControlId } from '../model/result.ts';
import type { Control } from './control.ts';
import { control as c3_1 } from './3.1-root-only-during-init.ts';
import { control as c3_2 } from './3.2-user-namespaces.ts';
import { control as c3_3 } from './3.3-dedicated-image-user.ts';
import { control as c3_4 } from './3.4-seccomp-profile.ts';
import { control as c3_5 } from './3.5-no-new-privileges.ts';
import { control as c3_6 } from './3.6-base-image-digest.ts';
import { control as c3_7 } from './3.7-signature-verified.ts';
import { control as c3_8 } from './3.8-minimal-packages.ts';
import { control as c3_9 } from './3.9-read-only-rootfs.ts';
import { control as c3_10 } from './3.10-replaced-after-access.ts';
import { control as c3_11 } from './3.11-copy-not-add.ts';
import { control as c3_12 } from './3.12-no-remote-admin.ts';
import { control as c3_13 } from './3.13-exposed-services-auth.ts';
import { control as c3_14 } from './3.14-pids-limit.ts';
import { control as c3_15 } from './3.15-docker-socket.ts';

/** All controls of CSVS V3 chapter 3, in the standard's order. The only list there is: everything else derives from it. */
export const CONTROLS: readonly Control[] = [
  c3_1, c3_2, c3_3, c3_4, c3_5, c3_6, c3_7, c3_8, c3_9, c3_10, c3_11, c3_12, c3_13, c3_14, c3_15,
];

/** The control ids, in the standard's order, as schemas and reports need them. */
export const CONTROL_IDS = CONTROLS.map((c) => c.id) as [ControlId, ...ControlId[]];

export function controlById(id: string): Control | undefined {
  return CONTROLS.find((c) => c.id === id);
}
