/*
 * td_rv32_start.S - entry of the rv32 build (qemu-system-riscv32 -machine virt -bios none): every
 * hart starts here (first in RAM: qemu virt -bios none starts every hart at 0x80000000, not at the
 * ELF entry). Hart 0 continues into picolibc's _start (data, bss, TLS,
 * semihosted argv, main, exit); the other harts get a stack of their own (td_hart_stacks), the
 * FPU and the global pointer, and park in td_hart_main (td_runtime_rv32.c) until td_fork wakes them.
 */
    .section .text.td_entry, "ax"
    .globl td_entry
    .type td_entry, @function
td_entry:
    csrr    t0, mhartid
    bnez    t0, 1f
    j       _start
1:
    .option push
    .option norelax
    la      gp, __global_pointer$
    .option pop
    li      t1, 0x6000          /* mstatus.FS = dirty: the F extension is usable */
    csrs    mstatus, t1
    la      sp, td_hart_stacks
    li      t1, TD_HART_STACK
    addi    t2, t0, 0
    mul     t1, t1, t2
    add     sp, sp, t1          /* top of hart t0's stack: td_hart_stacks + t0 * TD_HART_STACK (hart k >= 1 uses slot k - 1) */
    andi    sp, sp, -16
    mv      a0, t0
    call    td_hart_main
2:
    wfi
    j       2b
    .size td_entry, . - td_entry
