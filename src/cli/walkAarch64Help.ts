// The AArch64 part of `wasm-mmu walk --help` (kept apart so the help needs no AArch64 code).
export const WALK_AARCH64_OPTIONS = `  with aarch64:
    --granule G         4k (default), 16k, 64k (both TTBRs; 48-bit ranges)
    --map VA=PA[:SIZE][:FLAGS]  SIZE: 4k, 16k or 64k (the granule's page, default), 2m,
                        1g, 32m, 512m, 4t (the granule's blocks). FLAGS: ap=0..3 (default
                        0: EL1 RW), uxn pxn ng dbm no-af. VAs with bits 63:48 all ones
                        are mapped through TTBR1.
    --el 0|1            the exception level of the access (default 1)
    --access KIND       read (default), write, fetch, read_unpriv, write_unpriv (LDTR/STTR)
    --asid N            the ASID in TTBR0/TTBR1 (default 0)
    --pan, --uao, --wxn PSTATE.PAN, PSTATE.UAO, SCTLR_EL1.WXN
    --ha, --hd          TCR.HA (hardware AF), TCR.HD (dirty state with DBM)
    --quirks arm|qemu   the Arm ARM (default) or QEMU 7.2's deviations
    --update, --json    as for x86
                        RAM: 64 MiB at 0x40000000; tables from 0x40100000 up.
    Example: wasm-mmu walk --arch aarch64 --map 0x400000=0x40200000:4k:ap=1,uxn --el 0 --access fetch 0x400010
`;
