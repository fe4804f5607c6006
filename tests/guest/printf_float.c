/* Floating point through printf/strtod/libm. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    volatile double a = 2.0, b = 3.0;
    printf("%.3f\n", a / b);
    printf("%f %e %g\n", 3.14159265358979, 12345.678, 0.0001234);
    printf("%.10g\n", sqrt(2.0));
    printf("%.6f %.6f\n", sin(1.0), exp(1.0));
    printf("%.2f\n", strtod("1e3", NULL) + 0.25);
    float f = 1.5f;
    printf("%.1f %d %ld\n", f * 2.0f, (int)-2.7, lrint(2.5));
    printf("%g %g %g\n", 1.0 / 0.0, -1.0 / 0.0, fabs(-0.0));
    printf("%d\n", isnan(0.0 / 0.0));
    long double q = 1.0L / 3.0L;
    printf("%.20Lf\n", q);
    printf("%.3f\n", atof(argc > 1 ? argv[1] : "0.5") * 4);
    return 0;
}
