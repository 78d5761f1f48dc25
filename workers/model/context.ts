/** Facts from outside the snapshot that some controls consult. */
export interface EvaluationContext {
  /** The workload's name (policies and signatures are matched against its images). */
  workload: string | null;
  /**
   * Earlier observations of the same workload: containers seen with running exec sessions.
   * 3.10 fails when such a container is still the running instance now.
   */
  history: { containerId: string; seenAt: string; snapshotId: string }[];
}
