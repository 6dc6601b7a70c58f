/* hashrate: the raw argon2id rate of daoid's parameters on this machine, one thread per core
 * (or N), for the sign-in benchmark's ratio. Usage: hashrate SECONDS [THREADS] [MEM_KIB] [T] */
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static atomic_long done;
static atomic_int stop;
static unsigned long long memlimit, opslimit;
static char hash[crypto_pwhash_STRBYTES];

static void *worker(void *arg)
{
    (void)arg;
    const char *pw = "correct horse battery 42";
    while (!atomic_load(&stop)) {
        if (crypto_pwhash_str_verify(hash, pw, strlen(pw)) != 0) abort();
        atomic_fetch_add(&done, 1);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 5;
    int threads = argc > 2 ? atoi(argv[2]) : (int)sysconf(_SC_NPROCESSORS_ONLN);
    memlimit = (argc > 3 ? strtoull(argv[3], NULL, 10) : 19456) * 1024ULL;
    opslimit = argc > 4 ? strtoull(argv[4], NULL, 10) : 2;
    if (sodium_init() < 0) return 1;
    const char *pw = "correct horse battery 42";
    if (crypto_pwhash_str_alg(hash, pw, strlen(pw), opslimit, (size_t)memlimit,
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        return 1;
    pthread_t t[64];
    if (threads > 64) threads = 64;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, worker, NULL);
    struct timespec s = {(time_t)secs, (long)((secs - (long)secs) * 1e9)};
    nanosleep(&s, NULL);
    atomic_store(&stop, 1);
    for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double el = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    printf("%.1f\n", (double)atomic_load(&done) / el);
    return 0;
}
