/** Byte units and their human form, shared by the provisioning modules (requests are in MiB/GiB, hosts in bytes). */
export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

/** "12 GiB", "14.25 GiB", "512 MiB": binary units, at most two decimals, no trailing zeros. */
export function formatBytes(bytes: number): string {
  if (bytes >= GiB) return `${trimmed(bytes / GiB)} GiB`;
  if (bytes >= MiB) return `${trimmed(bytes / MiB)} MiB`;
  return `${trimmed(bytes / KiB)} KiB`;
}

function trimmed(value: number): string {
  return String(Math.round(value * 100) / 100);
}

export const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;
