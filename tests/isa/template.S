// The code page of the differential harness (see harness.c).
//
// Copied to CODE_VA at run time: `run_case()` saves the host context in the
// state page (CODE_VA + STATE_OFF), loads every X/V register, SP, NZCV, FPCR
// and FPSR from IN, branches through the trampoline page (CODE_VA + 0x1000)
// to the case's slot in the slot page (CODE_VA + 0x2000), whose instruction
// falls into `b tmpl_epilogue`; that stores the whole state to OUT and
// returns. Separate pages keep qemu's self-modifying-code invalidation to
// the two small pages that change. A faulting instruction is
// resumed by the signal handler at `tmpl_fault`, which only restores the host.
// Every address is PC-relative, so the copy works anywhere.

        .set STATE_OFF, 0xff0000
        .set IN, 0
        .set OUT, 1024
        .set HOST, 2048

        .text
        .balign 4096
        .globl tmpl_start, tmpl_slot, tmpl_epilogue, tmpl_fault, tmpl_end
tmpl_start:
        // Host context: callee-saved registers on the host stack.
        stp x29, x30, [sp, #-176]!
        stp x19, x20, [sp, #16]
        stp x21, x22, [sp, #32]
        stp x23, x24, [sp, #48]
        stp x25, x26, [sp, #64]
        stp x27, x28, [sp, #80]
        stp d8, d9, [sp, #96]
        stp d10, d11, [sp, #112]
        stp d12, d13, [sp, #128]
        stp d14, d15, [sp, #144]
        adr x0, tmpl_start
        add x0, x0, #(STATE_OFF >> 12), lsl #12
        mov x1, sp
        str x1, [x0, #HOST]
        mrs x1, tpidr_el0
        str x1, [x0, #HOST + 8]
        // Test state.
        add x1, x0, #IN + 256
        ldp q0, q1, [x1, #0]
        ldp q2, q3, [x1, #32]
        ldp q4, q5, [x1, #64]
        ldp q6, q7, [x1, #96]
        ldp q8, q9, [x1, #128]
        ldp q10, q11, [x1, #160]
        ldp q12, q13, [x1, #192]
        ldp q14, q15, [x1, #224]
        ldp q16, q17, [x1, #256]
        ldp q18, q19, [x1, #288]
        ldp q20, q21, [x1, #320]
        ldp q22, q23, [x1, #352]
        ldp q24, q25, [x1, #384]
        ldp q26, q27, [x1, #416]
        ldp q28, q29, [x1, #448]
        ldp q30, q31, [x1, #480]
        ldr x1, [x0, #IN + 768]
        msr nzcv, x1
        ldr x1, [x0, #IN + 776]
        msr fpcr, x1
        ldr x1, [x0, #IN + 784]
        msr fpsr, x1
        ldr x1, [x0, #IN + 248]
        mov sp, x1
        ldp x1, x2, [x0, #IN + 8]
        ldp x3, x4, [x0, #IN + 24]
        ldp x5, x6, [x0, #IN + 40]
        ldp x7, x8, [x0, #IN + 56]
        ldp x9, x10, [x0, #IN + 72]
        ldp x11, x12, [x0, #IN + 88]
        ldp x13, x14, [x0, #IN + 104]
        ldp x15, x16, [x0, #IN + 120]
        ldp x17, x18, [x0, #IN + 136]
        ldp x19, x20, [x0, #IN + 152]
        ldp x21, x22, [x0, #IN + 168]
        ldp x23, x24, [x0, #IN + 184]
        ldp x25, x26, [x0, #IN + 200]
        ldp x27, x28, [x0, #IN + 216]
        ldp x29, x30, [x0, #IN + 232]
        ldr x0, [x0, #IN]
        // Patched by the harness to `b` the trampoline page, which branches
        // to the case's slot (`insn; b tmpl_epilogue`) in the slot page.
tmpl_slot:
        nop
tmpl_epilogue:
        msr tpidr_el0, x0
        adr x0, tmpl_start
        add x0, x0, #(STATE_OFF >> 12), lsl #12
        add x0, x0, #OUT
        stp x1, x2, [x0, #8]
        stp x3, x4, [x0, #24]
        stp x5, x6, [x0, #40]
        stp x7, x8, [x0, #56]
        stp x9, x10, [x0, #72]
        stp x11, x12, [x0, #88]
        stp x13, x14, [x0, #104]
        stp x15, x16, [x0, #120]
        stp x17, x18, [x0, #136]
        stp x19, x20, [x0, #152]
        stp x21, x22, [x0, #168]
        stp x23, x24, [x0, #184]
        stp x25, x26, [x0, #200]
        stp x27, x28, [x0, #216]
        stp x29, x30, [x0, #232]
        mrs x1, tpidr_el0
        str x1, [x0, #0]
        mov x1, sp
        str x1, [x0, #248]
        mrs x1, nzcv
        str x1, [x0, #768]
        mrs x1, fpcr
        str x1, [x0, #776]
        mrs x1, fpsr
        str x1, [x0, #784]
        add x1, x0, #256
        stp q0, q1, [x1, #0]
        stp q2, q3, [x1, #32]
        stp q4, q5, [x1, #64]
        stp q6, q7, [x1, #96]
        stp q8, q9, [x1, #128]
        stp q10, q11, [x1, #160]
        stp q12, q13, [x1, #192]
        stp q14, q15, [x1, #224]
        stp q16, q17, [x1, #256]
        stp q18, q19, [x1, #288]
        stp q20, q21, [x1, #320]
        stp q22, q23, [x1, #352]
        stp q24, q25, [x1, #384]
        stp q26, q27, [x1, #416]
        stp q28, q29, [x1, #448]
        stp q30, q31, [x1, #480]
tmpl_fault:
        // Back to the host context (also the signal handler's resume point).
        adr x0, tmpl_start
        add x0, x0, #(STATE_OFF >> 12), lsl #12
        ldr x1, [x0, #HOST]
        mov sp, x1
        ldr x1, [x0, #HOST + 8]
        msr tpidr_el0, x1
        msr fpcr, xzr
        ldp x19, x20, [sp, #16]
        ldp x21, x22, [sp, #32]
        ldp x23, x24, [sp, #48]
        ldp x25, x26, [sp, #64]
        ldp x27, x28, [sp, #80]
        ldp d8, d9, [sp, #96]
        ldp d10, d11, [sp, #112]
        ldp d12, d13, [sp, #128]
        ldp d14, d15, [sp, #144]
        ldp x29, x30, [sp], #176
        ret
tmpl_end:
        .section .note.GNU-stack,"",%progbits
