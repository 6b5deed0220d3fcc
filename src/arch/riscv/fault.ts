// RISC-V faults as the API reports them, decoded from the core's fault record (kind
// FAULT_RV_PAGE / FAULT_RV_ACCESS, the cause in the error-code field, stval the address).
import type { CoreConstants } from "../../core/constants.js";
import { CAUSE_NAMES } from "./decode.js";

export type RiscvFaultKind = "page_fault" | "access_fault" | "BAD_ACCESS";

export interface RiscvFault {
  kind: RiscvFaultKind;
  /** The exception code (mcause/scause): 12/13/15 page faults, 1/5/7 access faults; 0 for BAD_ACCESS. */
  cause: number;
  /** Same value as `cause`: the shape x86's faults have. */
  errorCode: number;
  /** stval: the faulting virtual address. */
  tval: bigint;
  address: bigint;
  /** For an access fault: the physical address PMA (no memory) or PMP refused. */
  busAddress: bigint | null;
  /** Walk level i that stopped (LEVELS − 1 at the root, 0 at the last level). */
  level: number;
  message: string;
}

export class RiscvMachineFault extends Error {
  override name = "MachineFault";
  constructor(readonly fault: RiscvFault) { super(fault.message); }
}

export interface RiscvFaultParts { kindCode: number; errorCode: number; address: bigint; busAddress: bigint | null; level: number; access: number }

export function describeRiscvFault(k: CoreConstants, p: RiscvFaultParts): RiscvFault {
  const n = k.num;
  const hex = (v: bigint | number) => `0x${v.toString(16)}`;
  const kind: RiscvFaultKind = p.kindCode === n.FAULT_RV_PAGE ? "page_fault" : p.kindCode === n.FAULT_RV_ACCESS ? "access_fault" : "BAD_ACCESS";
  const name = CAUSE_NAMES[p.errorCode] ?? `cause ${p.errorCode}`;
  const message = kind === "BAD_ACCESS"
    ? `access byte ${p.access >>> 0} at ${hex(p.address)} is not an access (RiscvMachine.access builds one): nothing was translated`
    : kind === "access_fault" && p.busAddress !== null
      ? `${name} (cause ${p.errorCode}) at ${hex(p.address)}: physical address ${hex(p.busAddress)} has no memory or PMP refuses it`
      : `${name} (cause ${p.errorCode}) at ${hex(p.address)}`;
  return {
    kind, cause: kind === "BAD_ACCESS" ? 0 : p.errorCode, errorCode: p.errorCode, tval: p.address, address: p.address,
    busAddress: kind === "access_fault" ? p.busAddress : null, level: p.level, message,
  };
}
