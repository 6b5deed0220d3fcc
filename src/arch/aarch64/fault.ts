// AArch64 aborts as the API reports them, decoded from the core's fault record (kind
// FAULT_A64_ABORT; ESR_EL1 in the error-code field, FAR_EL1 the address).
import type { CoreConstants } from "../../core/constants.js";

export type A64FaultKind = "translation" | "address_size" | "access_flag" | "permission" | "external_abort" | "BAD_ACCESS";

export interface A64Fault {
  kind: A64FaultKind;
  /** The level the status code names; null for an external abort not on the walk (FSC 0x10) and BAD_ACCESS. */
  level: number | null;
  /** DFSC/IFSC (ESR_EL1 bits 5:0). */
  fsc: number;
  /** ESR_EL1.WnR: 1 for a write (STR, STTR). */
  wnr: 0 | 1;
  /** ESR_EL1.EC: 0x24/0x25 data abort from EL0/EL1, 0x20/0x21 instruction abort. */
  ec: number;
  /** ESR_EL1: EC, IL = 1, ISS (WnR, FSC). */
  esr: number;
  /** Same value as `esr`: the shape x86's faults have. */
  errorCode: number;
  /** FAR_EL1: the faulting VA (data: tag byte included; fetch: the branch target after AArch64.BranchAddr). */
  far: bigint;
  address: bigint;
  /** An external abort's physical address (no memory there). */
  busAddress: bigint | null;
  message: string;
}

export class AArch64MachineFault extends Error {
  override name = "MachineFault";
  constructor(readonly fault: A64Fault) { super(fault.message); }
}

export interface A64FaultParts { kindCode: number; errorCode: number; address: bigint; busAddress: bigint | null; level: number; access: number }

const KIND_BY_FSC_GROUP: A64FaultKind[] = ["address_size", "translation", "access_flag", "permission"];
const NAMES: Record<A64FaultKind, string> = {
  translation: "Translation fault", address_size: "Address size fault", access_flag: "Access flag fault",
  permission: "Permission fault", external_abort: "Synchronous external abort", BAD_ACCESS: "bad access",
};

/** The kind a status code names (FSC 0x00-0x0f by group of four; 0x10, 0x14-0x17 external aborts). */
export function a64FaultKindOfFsc(fsc: number): A64FaultKind {
  return fsc < 0x10 ? KIND_BY_FSC_GROUP[fsc >> 2]! : "external_abort";
}

export function describeA64Fault(k: CoreConstants, p: A64FaultParts): A64Fault {
  const hex = (v: bigint | number) => `0x${v.toString(16)}`;
  if (p.kindCode !== k.num.FAULT_A64_ABORT) {
    return {
      kind: "BAD_ACCESS", level: null, fsc: 0, wnr: 0, ec: 0, esr: 0, errorCode: 0, far: p.address, address: p.address, busAddress: null,
      message: `access byte ${p.access >>> 0} at ${hex(p.address)} is not an access (AArch64Machine.access builds one): nothing was translated`,
    };
  }
  const esr = p.errorCode >>> 0;
  const fsc = esr & 0x3f;
  const kind = a64FaultKindOfFsc(fsc);
  const level = p.level === 0xffffffff ? null : p.level;
  const ec = esr >>> 26;
  const where = kind === "external_abort" && p.busAddress !== null
    ? `: physical address ${hex(p.busAddress)} has no memory${fsc === 0x10 ? "" : " (a descriptor read)"}` : "";
  return {
    kind, level, fsc, wnr: ((esr >> 6) & 1) as 0 | 1, ec, esr, errorCode: esr, far: p.address, address: p.address,
    busAddress: kind === "external_abort" ? p.busAddress : null,
    message: `${NAMES[kind]}${level === null ? "" : `, level ${level}`} (FSC ${hex(fsc)}, ESR ${hex(esr)}) at ${hex(p.address)}${where}`,
  };
}
