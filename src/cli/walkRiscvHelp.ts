// The RISC-V part of `wasm-mmu walk --help` (kept apart so the help needs no RISC-V code).
export const WALK_RISCV_OPTIONS = `    --mode MODE         sv39 (default), sv32 (RV32), sv48, sv57
    --map VA=PA[:SIZE][:FLAGS]  SIZE: 4k (default), 64k (Svnapot), 2m, 4m (sv32), 1g,
                        512g, 256t. FLAGS: r w x u g (default r,w); A and D are set
                        unless no-a / no-d; pbmt=nc|io
    --asid N            satp.ASID (default 0)
    --priv S|U          the privilege of the access (default S)
    --access KIND       read (default), write, fetch
    --sum, --mxr        mstatus.SUM, mstatus.MXR
    --ad fault|update   Svade (default: A/D clear is a page fault) or Svadu, ADUE = 1
    --pbmte             menvcfg.PBMTE = 1
    --quirks spec|qemu  the specification (default) or QEMU 7.2's deviations
    --update, --json    as for x86
                        RAM: 64 MiB at 0x80000000; tables from 0x80100000 up.
    Example: wasm-mmu walk --arch riscv --map 0x10000=0x80400000:4k:r,x,u --priv U --access fetch 0x10010
`;
