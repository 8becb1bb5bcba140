/* Floating point through glibc: arithmetic, sqrt, conversions and
 * printf's exact formatting of doubles, which must match Linux bit for
 * bit. */
#include <math.h>
#include <stdio.h>

int main(void) {
    volatile double third = 1.0 / 3.0, big = 1e308, tiny = 5e-324;
    printf("%.17g %.17g %.17g\n", third, sqrt(2.0), third * 3.0);
    printf("%.17g %.17g %g\n", big * 10.0, tiny / 2.0, -0.0);
    volatile float f = 16777217.0f;
    printf("%.9g %lld %d\n", (double)f, (long long)(big / 1e290), (int)-2.5);
    double sum = 0;
    for (int i = 1; i <= 1000; i++)
        sum += 1.0 / i;
    printf("harmonic(1000) = %.17g\n", sum);
    return 0;
}
