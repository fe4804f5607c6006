/* Scalar FP semantics through C: fenv rounding modes and exception flags,
 * denormals, flush-to-zero (FPCR.FZ), NaN payloads and default NaN
 * (FPCR.DN), half-precision conversions including FPCR.AHP. Output is exact
 * hex so any rounding or flag difference shows. */
#include <fenv.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint32_t fbits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static uint64_t dbits(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }
static float ffrom(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static double dfrom(uint64_t u) { double d; memcpy(&d, &u, 8); return d; }

static uint64_t fpcr(void) { uint64_t v; __asm__ volatile("mrs %0, fpcr" : "=r"(v)); return v; }
static void set_fpcr(uint64_t v) { __asm__ volatile("msr fpcr, %0" ::"r"(v) : "memory"); }
static uint64_t fpsr(void) { uint64_t v; __asm__ volatile("mrs %0, fpsr" : "=r"(v)::"memory"); return v; }
static void set_fpsr(uint64_t v) { __asm__ volatile("msr fpsr, %0" ::"r"(v) : "memory"); }

/* Keep the compiler from folding. */
static volatile float vf[8] = {1.0f, 3.0f, 2.0f, 1e-40f, 0x1p-126f, 3.4e38f, -1.0f, 0.1f};
static volatile double vd[4] = {1.0, 3.0, 2.0, 0x1p-1070};

static const char *flags(void) {
    static char b[8];
    int e = fetestexcept(FE_ALL_EXCEPT);
    snprintf(b, sizeof b, "%c%c%c%c%c", e & FE_INVALID ? 'I' : '-', e & FE_DIVBYZERO ? 'Z' : '-',
             e & FE_OVERFLOW ? 'O' : '-', e & FE_UNDERFLOW ? 'U' : '-', e & FE_INEXACT ? 'X' : '-');
    return b;
}

int main(void) {
    const int modes[4] = {FE_TONEAREST, FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO};
    const char *names[4] = {"nearest", "upward", "downward", "towardzero"};
    for (int m = 0; m < 4; m++) {
        fesetround(modes[m]);
        feclearexcept(FE_ALL_EXCEPT);
        float q = vf[0] / vf[1];
        float nq = vf[6] / vf[1];
        double dq = vd[2] / vd[1];
        float s = sqrtf(vf[2]);
        float fm = fmaf(vf[7], vf[1], vf[6]);
        long r = lrintf(2.5f + vf[0] - 1.0f);
        printf("%-10s 1/3=%08x -1/3=%08x 2/3=%016llx sqrt2=%08x fma=%08x lrint(2.5)=%ld flags=%s\n", names[m],
               fbits(q), fbits(nq), (unsigned long long)dbits(dq), fbits(s), fbits(fm), r, flags());
    }
    fesetround(FE_TONEAREST);

    /* Exceptions. */
    feclearexcept(FE_ALL_EXCEPT);
    volatile float z = vf[0] / (vf[0] - vf[0]);
    printf("1/0=%08x flags=%s\n", fbits(z), flags());
    feclearexcept(FE_ALL_EXCEPT);
    volatile float o = vf[5] * vf[2];
    printf("max*2=%08x flags=%s\n", fbits(o), flags());
    feclearexcept(FE_ALL_EXCEPT);
    volatile float u = vf[4] * vf[7];
    printf("tiny*0.1=%08x flags=%s\n", fbits(u), flags());
    feclearexcept(FE_ALL_EXCEPT);
    volatile float iv = sqrtf(vf[6]);
    printf("sqrt(-1)=%08x flags=%s\n", fbits(iv), flags());

    /* Denormals, then flush-to-zero: inputs read as zero (IDC), tiny results
     * become zero (UFC). */
    volatile float dn = vf[3] * vf[2];
    volatile double dd = vd[3] + vd[3];
    printf("denormal 2e-40=%08x 2^-1069=%016llx\n", fbits(dn), (unsigned long long)dbits(dd));
    set_fpcr(fpcr() | (1 << 24));
    set_fpsr(0);
    volatile float fz1 = vf[3] * vf[2];
    uint64_t s1 = fpsr();
    set_fpsr(0);
    volatile float fz2 = vf[4] * vf[7];
    uint64_t s2 = fpsr();
    set_fpcr(fpcr() & ~(1ull << 24));
    printf("FZ: denormal*2=%08x fpsr=%llx tiny*0.1=%08x fpsr=%llx\n", fbits(fz1), (unsigned long long)s1,
           fbits(fz2), (unsigned long long)s2);

    /* NaN payloads: quiet NaNs propagate, signalling ones are quietened (IOC),
     * the first operand wins, default NaN under FPCR.DN. */
    volatile float qn = ffrom(0x7fc01234), sn = ffrom(0x7f805678);
    feclearexcept(FE_ALL_EXCEPT);
    volatile float a1 = qn + vf[0];
    volatile float a2 = vf[0] * sn;
    const char *fl = flags();
    volatile float a3 = qn + sn;
    volatile float a4 = ffrom(0xffc00001) - ffrom(0x7fc00002);
    printf("nan: q+1=%08x 1*s=%08x(%s) q+s=%08x -q1-q2=%08x\n", fbits(a1), fbits(a2), fl, fbits(a3), fbits(a4));
    volatile double dq2 = dfrom(0x7ff4000000000abcull) + vd[0];
    printf("nan: d s+1=%016llx\n", (unsigned long long)dbits(dq2));
    set_fpcr(fpcr() | (1 << 25));
    volatile float dn1 = qn + vf[0];
    set_fpcr(fpcr() & ~(1ull << 25));
    printf("DN: q+1=%08x\n", fbits(dn1));

    /* Half precision conversions (IEEE, then FPCR.AHP). */
    volatile float hs[6] = {1.0f / 3.0f, 65504.0f, 65520.0f, 1e-7f, 100000.0f, 0.0f};
    hs[5] = qn;
    for (int ahp = 0; ahp < 2; ahp++) {
        if (ahp) set_fpcr(fpcr() | (1 << 26));
        set_fpsr(0);
        printf("%s:", ahp ? "AHP " : "IEEE");
        for (int i = 0; i < 6; i++) {
            volatile __fp16 h = (__fp16)hs[i];
            uint16_t hb;
            memcpy(&hb, (const void *)&h, 2);
            printf(" %04x", hb);
        }
        uint64_t st = fpsr();
        uint16_t big = 0x7c00;
        __fp16 hb2;
        memcpy((void *)&hb2, &big, 2);
        float back;
        __asm__ volatile("fcvt %s0, %h1" : "=w"(back) : "w"(hb2) : "memory");
        if (ahp) set_fpcr(fpcr() & ~(1ull << 26));
        printf(" fpsr=%llx 0x7c00->%08x\n", (unsigned long long)st, fbits(back));
    }
    return 0;
}
