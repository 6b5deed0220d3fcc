// Faults as the API reports them: decoded from the core's fault record (or a batch
// result), with a message that says what happened in the SDM's words.
import type { CoreConstants } from "../../core/constants.js";
import type { PagingMode } from "../../config.js";
import { decodeErrorCode, describeErrorCode, levelName, type FaultKind, type PfErrorBits } from "./decode.js";

export interface Fault {
  kind: FaultKind;
  /** #PF error code (0 for #GP(0), bus faults and bad access values). */
  errorCode: number;
  error: PfErrorBits;
  /** The linear address (what CR2 receives on a #PF). */
  address: bigint;
  /** For a bus fault: the physical address that lay outside RAM. */
  busAddress: bigint | null;
  /** Walk level that stopped (5 PML5 .. 1 PT), 0 when the fault came before any walk or from the TLB. */
  level: number;
  levelName: string;
  message: string;
}

export class MachineFault extends Error {
  override name = "MachineFault";
  constructor(readonly fault: Fault) { super(fault.message); }
}

/** What a fault record holds, already read. `access` is the access value as the core received it. */
export interface FaultParts {
  kindCode: number; errorCode: number; address: bigint; busAddress: bigint | null; level: number; access: number;
}

/** A fault from its parts (kind codes as in assembly/constants/fault.ts). */
export function describeFault(k: CoreConstants, mode: PagingMode, ramBytes: number, p: FaultParts, ramBase = 0): Fault {
  const n = k.num;
  const hex = (v: bigint | number) => `0x${v.toString(16)}`;
  const kind: FaultKind = p.kindCode === n.FAULT_PF ? "PF" : p.kindCode === n.FAULT_GP ? "GP"
    : p.kindCode === n.FAULT_BAD_ACCESS ? "BAD_ACCESS" : "BUS";
  const acc = p.access >>> 0;
  const ram = ramBase === 0 ? `${ramBytes} bytes` : `${ramBytes} bytes at [${hex(ramBase)}, ${hex(ramBase + ramBytes)})`;
  const message = kind === "PF" ? `#PF at ${hex(p.address)}, error code ${describeErrorCode(k, p.errorCode)}`
    : kind === "GP" ? `#GP(0) at ${hex(p.address)}`
    : kind === "BAD_ACCESS" ? `access byte ${acc} (${hex(acc)}) at ${hex(p.address)} is not an access (kind 0-2 in bits 1:0, ` +
      `user bit 2 or implicit bit 3; Machine.access builds one): nothing was translated`
    : p.busAddress === null ? `bus fault: a physical address outside RAM (${ram})`
    : `bus fault: physical address ${hex(p.busAddress)} is outside RAM (${ram})`;
  return {
    kind, errorCode: p.errorCode, error: decodeErrorCode(k, p.errorCode), address: p.address, busAddress: p.busAddress,
    level: p.level, levelName: levelName(mode, p.level), message,
  };
}
