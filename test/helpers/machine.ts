import { Machine, type MachineOptions } from "../../src/machine.js";
import { PageTableBuilder } from "../../src/arch/x86/pageTable.js";

/** A small machine with an empty page table loaded in CR3. */
export async function machineWithTable(opts: MachineOptions = {}): Promise<{ m: Machine; pt: PageTableBuilder }> {
  const m = await Machine.create({ ramBytes: 16 << 20, ...opts });
  const pt = new PageTableBuilder(m);
  m.setControl({ cr3: pt.cr3 });
  return { m, pt };
}

export function pa(t: { ok: boolean; pa?: number; fault?: unknown }): number {
  if (!t.ok) throw new Error(`expected a translation, got ${JSON.stringify(t, (_k, v) => typeof v === "bigint" ? v.toString(16) : v)}`);
  return t.pa!;
}
