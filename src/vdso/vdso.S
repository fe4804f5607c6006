/*
 * elfuse's vDSO for AArch64 Linux guests: the four entry points Linux's
 * arm64 vDSO exports, version LINUX_2.6.39.
 *
 * Time reads use the vvar page mapped one page below this image, which
 * elfuse fills (src/vdso/mod.rs, struct Vvar):
 *
 *   0  seq    u32   odd while elfuse rewrites the page
 *   4  fast   u32   bit n set: clock n may be read here, else syscall
 *   8  cnt0   u64   CNTVCT_EL0 at the reference point
 *   16 mult   u64   ns = ((CNTVCT - cnt0) * mult) >> 32
 *   24 base   u64[8]  clock n in ns at cnt0 (0..7: REALTIME ... BOOTTIME)
 *
 * Every path that cannot be answered here makes the real system call, so
 * the result is always Linux's.
 */

#define VVAR_SEQ   0
#define VVAR_FAST  4
#define VVAR_CNT0  8
#define VVAR_MULT  16
#define VVAR_BASE  24

#define NR_GETTIMEOFDAY   169
#define NR_CLOCK_GETTIME  113
#define NR_CLOCK_GETRES   114
#define NR_RT_SIGRETURN   139

	.text

/*
 * clock_ns: clock w0 as seconds in x7 and nanoseconds in x8. Returns with
 * x3 = 0 if the clock must go through the syscall. Clobbers x2-x10.
 */
	.type	clock_ns, %function
clock_ns:
	adrp	x2, _vvar
	mov	x3, #0
	cmp	w0, #7
	b.hi	2f
	ldr	w4, [x2, #VVAR_FAST]
	lsr	w4, w4, w0
	tbz	w4, #0, 2f
1:	ldar	w4, [x2, #VVAR_SEQ]
	tbnz	w4, #0, 1b
	isb
	mrs	x5, cntvct_el0
	ldr	x6, [x2, #VVAR_CNT0]
	ldr	x7, [x2, #VVAR_MULT]
	add	x9, x2, #VVAR_BASE
	ldr	x9, [x9, w0, uxtw #3]
	dmb	ishld
	ldr	w10, [x2, #VVAR_SEQ]
	cmp	w10, w4
	b.ne	1b
	sub	x5, x5, x6
	mul	x6, x5, x7
	umulh	x7, x5, x7
	extr	x5, x7, x6, #32
	add	x5, x5, x9
	mov	x6, #0xca00
	movk	x6, #0x3b9a, lsl #16	/* 1e9 */
	udiv	x7, x5, x6
	msub	x8, x7, x6, x5
	mov	x3, #1
2:	ret
	.size	clock_ns, . - clock_ns

/* int __kernel_clock_gettime(clockid_t, struct timespec *) */
	.globl	__kernel_clock_gettime
	.type	__kernel_clock_gettime, %function
__kernel_clock_gettime:
	.cfi_startproc
	mov	x11, x30
	bl	clock_ns
	mov	x30, x11
	cbz	x3, 9f
	stp	x7, x8, [x1]
	mov	w0, #0
	ret
9:	mov	x8, #NR_CLOCK_GETTIME
	svc	#0
	ret
	.cfi_endproc
	.size	__kernel_clock_gettime, . - __kernel_clock_gettime

/* int __kernel_gettimeofday(struct timeval *, struct timezone *) */
	.globl	__kernel_gettimeofday
	.type	__kernel_gettimeofday, %function
__kernel_gettimeofday:
	.cfi_startproc
	cbnz	x1, 9f			/* the timezone comes from the kernel */
	cbz	x0, 8f
	mov	x12, x0
	mov	w0, #0			/* CLOCK_REALTIME */
	mov	x11, x30
	bl	clock_ns
	mov	x30, x11
	mov	x0, x12
	cbz	x3, 9f
	mov	x6, #1000
	udiv	x8, x8, x6
	stp	x7, x8, [x0]
8:	mov	w0, #0
	ret
9:	mov	x8, #NR_GETTIMEOFDAY
	svc	#0
	ret
	.cfi_endproc
	.size	__kernel_gettimeofday, . - __kernel_gettimeofday

/* int __kernel_clock_getres(clockid_t, struct timespec *): the kernel's answer. */
	.globl	__kernel_clock_getres
	.type	__kernel_clock_getres, %function
__kernel_clock_getres:
	.cfi_startproc
	mov	x8, #NR_CLOCK_GETRES
	svc	#0
	ret
	.cfi_endproc
	.size	__kernel_clock_getres, . - __kernel_clock_getres

/*
 * The signal return trampoline: the return address of handlers installed
 * without SA_RESTORER. On entry sp is the rt_sigframe (siginfo, then the
 * ucontext whose mcontext is at +304: regs[31] at +312, sp at +560, pc at
 * +568; src/abi/signal.rs). The CFI describes the interrupted context in
 * full: CFA = the saved sp, x0-x29 at their sigcontext slots and the
 * return column (x30) at the saved pc, so an unwinder walks out of a
 * handler into the interrupted function with the registers it had (the
 * interrupted x30 itself is not described: unwinders know no pc column). The
 * `nop` before the symbol lets unwinders that look up pc-1 find this FDE.
 */
#define SC_REGS	312
#define SC_SP	560
#define SC_PC	568
/* DW_CFA_expression reg: *(sp + off), off < 8192 (two-byte SLEB128). */
.macro	saved_at reg, off
	.cfi_escape 0x10, \reg, 0x03, 0x8f, ((\off) & 0x7f) | 0x80, (\off) >> 7
.endm
	.cfi_startproc
	.cfi_signal_frame
	/* DW_CFA_def_cfa_expression: *(sp + SC_SP) */
	.cfi_escape 0x0f, 0x04, 0x8f, (SC_SP & 0x7f) | 0x80, SC_SP >> 7, 0x06
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29
	saved_at \n, SC_REGS + 8 * \n
	.endr
	saved_at 30, SC_PC
	nop
	.globl	__kernel_rt_sigreturn
	.type	__kernel_rt_sigreturn, %function
__kernel_rt_sigreturn:
	mov	x8, #NR_RT_SIGRETURN
	svc	#0
	.cfi_endproc
	.size	__kernel_rt_sigreturn, . - __kernel_rt_sigreturn
