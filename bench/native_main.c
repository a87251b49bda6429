/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Native benchmark driver, linked with one kernel (kernels/NAME.c) built by gcc -O2: builds the
 * kernel's data once, then times bench_run(UNITS) REPS times with a monotonic clock and prints
 * the checksum, every repetition and the median, minimum and maximum seconds as "key value"
 * lines.
 * Usage: NAME.native UNITS REPS
 */
#define _POSIX_C_SOURCE 200809L
#include "kernels/bench.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define MAX_REPS 100

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int parse_count(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v > max)
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    unsigned long units, reps;
    if (argc != 3 || parse_count(argv[1], UINT32_MAX, &units) != 0 ||
        parse_count(argv[2], MAX_REPS, &reps) != 0 || reps == 0) {
        fprintf(stderr, "usage: %s UNITS REPS (1..%d)\n", argv[0], MAX_REPS);
        return 2;
    }
    bench_setup();
    double times[MAX_REPS];
    uint32_t checksum = 0;
    for (unsigned long r = 0; r < reps; r++) {
        double t0 = now();
        uint32_t c = bench_run((uint32_t)units);
        times[r] = now() - t0;
        if (r > 0 && c != checksum) {
            fprintf(stderr, "checksum changed between repetitions: %u then %u\n", checksum, c);
            return 1;
        }
        checksum = c;
    }
    printf("times");
    for (unsigned long r = 0; r < reps; r++)
        printf("%s%.9f", r ? "," : " ", times[r]);
    printf("\n");
    qsort(times, reps, sizeof times[0], cmp_double);
    printf("checksum %u\nmedian %.9f\nmin %.9f\nmax %.9f\n", checksum, times[reps / 2], times[0],
           times[reps - 1]);
    return 0;
}
