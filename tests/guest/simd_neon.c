/* Advanced SIMD and crypto semantics through <arm_neon.h> intrinsics:
 * integer saturation (QC), widening/narrowing, by-element doubling
 * multiplies, reciprocal and rsqrt estimates and steps, FP min/max with NaN,
 * conversions with saturation, table lookups, AES, SHA-1, SHA-256, PMULL.
 * Each result is printed as hex. */
#pragma GCC target("arch=armv8-a+crypto")
#include <arm_neon.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint64_t fpsr(void) { uint64_t v; __asm__ volatile("mrs %0, fpsr" : "=r"(v)::"memory"); return v; }
static void set_fpsr(uint64_t v) { __asm__ volatile("msr fpsr, %0" ::"r"(v) : "memory"); }

static void p128(const char *name, const void *v) {
    uint8_t b[16];
    memcpy(b, v, 16);
    printf("%-10s ", name);
    for (int i = 15; i >= 0; i--) printf("%02x", b[i]);
    printf("\n");
}
#define P(name, v)              \
    do {                        \
        __typeof__(v) t_ = (v); \
        p128(name, &t_);        \
    } while (0)

static volatile uint32_t seed = 0x12345678;
static uint32_t rnd(void) { seed = seed * 1664525u + 1013904223u; return seed; }

int main(void) {
    uint32_t w[16];
    for (int i = 0; i < 16; i++) w[i] = rnd();
    uint32x4_t a = vld1q_u32(w), b = vld1q_u32(w + 4), c = vld1q_u32(w + 8), d = vld1q_u32(w + 12);
    int16x8_t sa = vreinterpretq_s16_u32(a), sb = vreinterpretq_s16_u32(b);

    set_fpsr(0);
    P("sqadd", vqaddq_s16(sa, sb));
    P("uqsub", vqsubq_u32(a, b));
    P("sqdmulh", vqdmulhq_s16(sa, sb));
    P("sqrdmulh", vqrdmulhq_laneq_s16(sa, sb, 3));
    P("sqdmull", vqdmull_lane_s16(vget_low_s16(sa), vget_low_s16(sb), 2));
    P("sqdmlal2", vqdmlal_high_laneq_s16(vreinterpretq_s32_u32(c), sa, sb, 7));
    P("sqdmull_m", vqdmull_n_s16(vdup_n_s16(-32768), -32768));
    printf("qc=%llx\n", (unsigned long long)(fpsr() >> 27 & 1));
    P("sqxtn", vcombine_s16(vqmovn_s32(vreinterpretq_s32_u32(a)), vqmovn_s32(vreinterpretq_s32_u32(b))));
    P("uqrshrn", vcombine_u16(vqrshrn_n_u32(a, 7), vqrshrn_n_u32(b, 13)));
    P("umull2", vmull_high_u32(a, b));
    P("cnt", vcntq_u8(vreinterpretq_u8_u32(c)));
    P("tbl", vqtbl1q_u8(vreinterpretq_u8_u32(a), vandq_u8(vreinterpretq_u8_u32(b), vdupq_n_u8(0x1f))));
    P("zip1", vzip1q_u32(a, b));
    P("urecpe", vrecpeq_u32(c));
    P("ursqrte", vrsqrteq_u32(d));

    float fv[8] = {3.0f, -0.1f, 1e-40f, 65504.0f, 0.0f, -0.0f, 1e38f, 2.5f};
    float32x4_t f0 = vld1q_f32(fv), f1 = vld1q_f32(fv + 4);
    set_fpsr(0);
    P("frecpe", vrecpeq_f32(f0));
    P("frsqrte", vrsqrteq_f32(vabsq_f32(f0)));
    P("frecps", vrecpsq_f32(f0, vrecpeq_f32(f0)));
    P("frsqrts", vrsqrtsq_f32(f0, f1));
    float nanv[4];
    uint32_t qn = 0x7fc0abcd;
    memcpy(&nanv[0], &qn, 4);
    nanv[1] = 1.0f;
    nanv[2] = -0.0f;
    nanv[3] = 0.0f;
    float32x4_t fn = vld1q_f32(nanv);
    P("fmaxnm", vmaxnmq_f32(fn, f1));
    P("fmin", vminq_f32(fn, f1));
    P("fcvtzs", vcvtq_s32_f32(vmulq_f32(f0, vdupq_n_f32(1e9f))));
    P("fcvtnu", vcvtnq_u32_f32(f0));
    P("scvtf_n", vcvtq_n_f32_s32(vreinterpretq_s32_u32(a), 12));
    P("fcvtn_h", vcombine_f16(vcvt_f16_f32(f0), vcvt_f16_f32(f1)));
    P("fmla_lane", vfmaq_laneq_f32(f0, f1, f0, 3));
    float64x2_t dv = {1.0 / 3.0, -2.0};
    P("fsqrt_d", vsqrtq_f64(vabsq_f64(dv)));
    P("frecpx_d", vdupq_n_f64(vrecpxd_f64(vgetq_lane_f64(dv, 0))));
    printf("fpsr=%llx\n", (unsigned long long)fpsr());

    /* Crypto: FIPS-197 round, SHA-1 and SHA-256 rounds, carry-less multiply. */
    uint8x16_t st = vreinterpretq_u8_u32(a), key = vreinterpretq_u8_u32(b);
    P("aese+mc", vaesmcq_u8(vaeseq_u8(st, key)));
    P("aesd+imc", vaesimcq_u8(vaesdq_u8(st, key)));
    P("sha1c", vsha1cq_u32(a, vgetq_lane_u32(b, 0), c));
    P("sha1p", vsha1pq_u32(a, vgetq_lane_u32(b, 1), c));
    P("sha1m", vsha1mq_u32(a, vgetq_lane_u32(b, 2), c));
    printf("sha1h      %08x\n", vsha1h_u32(vgetq_lane_u32(d, 0)));
    P("sha1su0", vsha1su0q_u32(a, b, c));
    P("sha1su1", vsha1su1q_u32(a, b));
    P("sha256h", vsha256hq_u32(a, b, c));
    P("sha256h2", vsha256h2q_u32(a, b, c));
    P("sha256su0", vsha256su0q_u32(a, b));
    P("sha256su1", vsha256su1q_u32(a, b, c));
    poly128_t pm = vmull_p64(vgetq_lane_u64(vreinterpretq_u64_u32(c), 0), vgetq_lane_u64(vreinterpretq_u64_u32(d), 1));
    uint64_t pw[2];
    memcpy(pw, &pm, 16);
    printf("pmull64    %016llx%016llx\n", (unsigned long long)pw[1], (unsigned long long)pw[0]);
    P("pmull8", vreinterpretq_u16_p16(vmull_p8(vreinterpret_p8_u32(vget_low_u32(a)), vreinterpret_p8_u32(vget_low_u32(b)))));
    return 0;
}
