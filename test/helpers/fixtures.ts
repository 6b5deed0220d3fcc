// Where the test fixtures live: test/fixtures/ in this repository (see its README for
// each file's origin and sha256). Nothing is read from beside the clone.
import { fileURLToPath } from "node:url";

/** test/fixtures/, with a trailing slash. */
export const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));

/** The number of QEMU x86 vectors per paging mode (oracle/x86/README.md): an empty or cut file fails. */
export const X86_VECTOR_COUNTS = { "4level": 6448, "5level": 6613, pae: 4576, legacy32: 4059 } as const;

/** The number of QEMU RISC-V vectors per paging mode (oracle/riscv/README.md). */
export const RISCV_CORE_VECTOR_COUNTS = { sv32: 3470, sv39: 4878, sv48: 5109, sv57: 5362 } as const;

/** The number of QEMU AArch64 vectors per granule (oracle/aarch64/README.md). */
export const AARCH64_VECTOR_COUNTS = { "4k": 6792, "16k": 6518, "64k": 6371 } as const;
