/** "running/total" VM counts of a host (or of all hosts). */
export function VmCounts({ running, total }: { running: number; total: number }) {
  return (
    <span className="host-counts" title={`${running} running of ${total} VMs`}>
      <span className="sr-only">VMs running: </span>
      {running}/{total}
    </span>
  );
}
